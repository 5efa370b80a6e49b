import type { CreateTableCommandInput } from "@aws-sdk/client-dynamodb";

/** Names the table, the stack and local mode share. */
export const TICKET_TABLE = {
  partitionKey: "uploadId",
  ownerIndex: "byOwner",
  ownerIndexSortKey: "createdAt",
  ttlAttribute: "ttl",
  /**
   * The sweeper's sparse index: only a pending ticket carries `sweepShard` (the writer sets it,
   * every update to another status removes it), so the index holds exactly the tickets the
   * sweeper may have to look at, and it never scans the table.
   */
  sweepIndex: "pendingByExpiry",
  sweepShardAttribute: "sweepShard",
  sweepIndexSortKey: "expiresAt",
  /** Shards of the sweep index: new tickets spread over this many partitions, not one hot key. */
  sweepShards: 4,
} as const;

/** The sweep shard of a ticket, "0".."3": from the random last character of its ULID. */
export const sweepShardOf = (uploadId: string) => String((uploadId.charCodeAt(uploadId.length - 1) || 0) % TICKET_TABLE.sweepShards);

/** The table definition for DynamoDB-compatible servers (tests, local mode). */
export function ticketTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [
      { AttributeName: TICKET_TABLE.partitionKey, AttributeType: "S" },
      { AttributeName: "owner", AttributeType: "S" },
      { AttributeName: TICKET_TABLE.ownerIndexSortKey, AttributeType: "S" },
      { AttributeName: TICKET_TABLE.sweepShardAttribute, AttributeType: "S" },
      { AttributeName: TICKET_TABLE.sweepIndexSortKey, AttributeType: "S" },
    ],
    KeySchema: [{ AttributeName: TICKET_TABLE.partitionKey, KeyType: "HASH" }],
    GlobalSecondaryIndexes: [
      {
        IndexName: TICKET_TABLE.ownerIndex,
        KeySchema: [
          { AttributeName: "owner", KeyType: "HASH" },
          { AttributeName: TICKET_TABLE.ownerIndexSortKey, KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "ALL" },
      },
      {
        IndexName: TICKET_TABLE.sweepIndex,
        KeySchema: [
          { AttributeName: TICKET_TABLE.sweepShardAttribute, KeyType: "HASH" },
          { AttributeName: TICKET_TABLE.sweepIndexSortKey, KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "KEYS_ONLY" },
      },
    ],
  };
}
