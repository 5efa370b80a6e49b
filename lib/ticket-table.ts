import { RemovalPolicy } from "aws-cdk-lib";
import { AttributeType, ProjectionType, Table, type ITable, type TableProps } from "aws-cdk-lib/aws-dynamodb";
import { Construct } from "constructs";
import { TICKET_TABLE } from "../functions/adapters/ticket-table.js";
import { ConfigError } from "../functions/errors.js";
import { DEFAULT_REMOVAL_POLICY, DEFAULT_TABLE_PROPS, TICKET_TABLE_KEYS } from "./secure-defaults.js";

/** Table settings an operator may override; the key schema and TTL attribute are fixed. */
export type TicketTableOverrides = Omit<TableProps, "partitionKey" | "sortKey" | "timeToLiveAttribute" | "removalPolicy">;

export interface TicketTableProps {
  /**
   * Use this table instead of creating one. It must have the ticket schema: partition key
   * `uploadId` (S), GSI `byOwner` (`owner` S, `createdAt` S, projection ALL), TTL on `ttl`.
   * @default - a new table with the secure defaults
   */
  readonly existingTable?: ITable;
  /** Overrides for the new table; an error together with `existingTable`. @default - secure defaults only */
  readonly tableProps?: TicketTableOverrides;
  /** @default RemovalPolicy.RETAIN (and deletion protection on) */
  readonly removalPolicy?: RemovalPolicy;
}

/** The ticket table: on demand, point-in-time recovery, TTL, and the `byOwner` index for listing. */
export class TicketTable extends Construct {
  readonly table: ITable;

  constructor(scope: Construct, id: string, props: TicketTableProps = {}) {
    super(scope, id);
    if (props.existingTable && props.tableProps) {
      throw new ConfigError("TicketTable: pass either existingTable or tableProps, not both.");
    }
    if (props.existingTable) {
      this.table = props.existingTable;
      return;
    }
    const removalPolicy = props.removalPolicy ?? DEFAULT_REMOVAL_POLICY;
    const table = new Table(this, "Table", {
      ...DEFAULT_TABLE_PROPS,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      ...props.tableProps,
      ...TICKET_TABLE_KEYS,
      removalPolicy,
    });
    table.addGlobalSecondaryIndex({
      indexName: TICKET_TABLE.ownerIndex,
      partitionKey: { name: "owner", type: AttributeType.STRING },
      sortKey: { name: TICKET_TABLE.ownerIndexSortKey, type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });
    this.table = table;
  }
}
