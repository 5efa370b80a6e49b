import type { CreateTableCommandInput } from "@aws-sdk/client-dynamodb";

/** Names the table, the stack and local mode share. */
export const TICKET_TABLE = {
  partitionKey: "uploadId",
  ownerIndex: "byOwner",
  ownerIndexSortKey: "createdAt",
  ttlAttribute: "ttl",
} as const;

/** The table definition for DynamoDB-compatible servers (tests, local mode). */
export function ticketTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [
      { AttributeName: TICKET_TABLE.partitionKey, AttributeType: "S" },
      { AttributeName: "owner", AttributeType: "S" },
      { AttributeName: TICKET_TABLE.ownerIndexSortKey, AttributeType: "S" },
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
    ],
  };
}
