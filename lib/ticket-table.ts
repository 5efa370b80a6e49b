import { RemovalPolicy } from "aws-cdk-lib";
import { AttributeType, ProjectionType, StreamViewType, Table, type ITable, type TableProps } from "aws-cdk-lib/aws-dynamodb";
import { Construct } from "constructs";
import { TICKET_TABLE } from "../functions/adapters/ticket-table.js";
import { ConfigError } from "../functions/errors.js";
import { DEFAULT_REMOVAL_POLICY, DEFAULT_TABLE_PROPS, TICKET_TABLE_KEYS } from "./secure-defaults.js";

/** Table settings an operator may override; the key schema, TTL attribute and stream are fixed. */
export type TicketTableOverrides = Omit<TableProps, "partitionKey" | "sortKey" | "timeToLiveAttribute" | "removalPolicy" | "stream">;

export interface TicketTableProps {
  /**
   * Use this table instead of creating one. It must have the ticket schema: partition key
   * `uploadId` (S), GSI `byOwner` (`owner` S, `createdAt` S, projection ALL), GSI `pendingByExpiry`
   * (`sweepShard` S, `expiresAt` S, KEYS_ONLY) for the sweeper, TTL on `ttl`,
   * and a stream of new and old images (completion events are published from it), passed in
   * with its `tableStreamArn` (e.g. `Table.fromTableAttributes`); without one, synth fails.
   * @default - a new table with the secure defaults
   */
  readonly existingTable?: ITable;
  /** Overrides for the new table; an error together with `existingTable`. @default - secure defaults only */
  readonly tableProps?: TicketTableOverrides;
  /** @default RemovalPolicy.RETAIN (and deletion protection on) */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The ticket table: on demand, point-in-time recovery, TTL, the `byOwner` index for listing,
 * and a stream of new and old images, the source of completion events.
 */
export class TicketTable extends Construct {
  readonly table: ITable;

  constructor(scope: Construct, id: string, props: TicketTableProps = {}) {
    super(scope, id);
    if (props.existingTable && props.tableProps) {
      throw new ConfigError("TicketTable: pass either existingTable or tableProps, not both.");
    }
    if (props.existingTable) {
      if (!props.existingTable.tableStreamArn) {
        throw new ConfigError(
          "TicketTable: existingTable must have a stream (NEW_AND_OLD_IMAGES) and be passed with its tableStreamArn " +
            "(Table.fromTableAttributes({ tableArn, tableStreamArn })); completion events are published from it.",
        );
      }
      this.table = props.existingTable;
      return;
    }
    const removalPolicy = props.removalPolicy ?? DEFAULT_REMOVAL_POLICY;
    const table = new Table(this, "Table", {
      ...DEFAULT_TABLE_PROPS,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      ...props.tableProps,
      ...TICKET_TABLE_KEYS,
      // Completion events compare a ticket's old and new status.
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
      removalPolicy,
    });
    table.addGlobalSecondaryIndex({
      indexName: TICKET_TABLE.ownerIndex,
      partitionKey: { name: "owner", type: AttributeType.STRING },
      sortKey: { name: TICKET_TABLE.ownerIndexSortKey, type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });
    // Sparse: only pending tickets carry the shard, so the sweeper queries, never scans.
    table.addGlobalSecondaryIndex({
      indexName: TICKET_TABLE.sweepIndex,
      partitionKey: { name: TICKET_TABLE.sweepShardAttribute, type: AttributeType.STRING },
      sortKey: { name: TICKET_TABLE.sweepIndexSortKey, type: AttributeType.STRING },
      projectionType: ProjectionType.KEYS_ONLY,
    });
    this.table = table;
  }
}
