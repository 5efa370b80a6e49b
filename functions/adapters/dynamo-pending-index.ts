import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import type { PendingIndex } from "../ports.js";
import type { Ticket } from "../schemas.js";
import { callDynamo, DynamoJson } from "./dynamo-json.js";
import { checkFailed, type DynamoTableOptions } from "./dynamo-ticket-store.js";
import { TICKET_TABLE } from "./ticket-table.js";

type Item = Parameters<typeof unmarshall>[0];

/**
 * The sweeper's view of the ticket table: the sparse `pendingByExpiry` index (one Query per
 * shard, `expiresAt < before`, never a scan), and taking a ticket out of it. aws4-signed
 * DynamoDB JSON requests, as the ticket store's.
 */
export class DynamoPendingIndex implements PendingIndex {
  private readonly dynamo: DynamoJson;

  constructor(private readonly options: DynamoTableOptions) {
    this.dynamo = new DynamoJson(options.region, options.endpoint);
  }

  private call<T>(operation: string, input: unknown): Promise<T> {
    return callDynamo<T>(this.dynamo, operation, input, this.options.credentials);
  }

  async expiredBefore(before: string, limit: number): Promise<string[]> {
    const found: Array<{ uploadId: string; expiresAt: string }> = [];
    for (let shard = 0; shard < TICKET_TABLE.sweepShards; shard++) {
      let start: Item | undefined;
      const first = found.length;
      do {
        const page = await this.call<{ Items?: Item[]; LastEvaluatedKey?: Item }>("Query", {
          TableName: this.options.table,
          IndexName: TICKET_TABLE.sweepIndex,
          KeyConditionExpression: "#shard = :shard AND #expires < :before",
          ExpressionAttributeNames: { "#shard": TICKET_TABLE.sweepShardAttribute, "#expires": TICKET_TABLE.sweepIndexSortKey },
          ExpressionAttributeValues: marshall({ ":shard": String(shard), ":before": before }),
          Limit: limit,
          ...(start ? { ExclusiveStartKey: start } : {}),
        });
        for (const item of page.Items ?? []) found.push(unmarshall(item) as { uploadId: string; expiresAt: string });
        start = page.LastEvaluatedKey;
      } while (start && found.length - first < limit);
    }
    return found
      .sort((a, b) => a.expiresAt.localeCompare(b.expiresAt))
      .slice(0, limit)
      .map((item) => item.uploadId);
  }

  async unlist(ticket: Ticket): Promise<boolean> {
    try {
      await this.call("UpdateItem", {
        TableName: this.options.table,
        Key: marshall({ uploadId: ticket.uploadId }),
        UpdateExpression: "SET #version = #version + :one REMOVE #shard",
        ConditionExpression: "#version = :expected AND #status = :pending",
        ExpressionAttributeNames: { "#version": "version", "#shard": TICKET_TABLE.sweepShardAttribute, "#status": "status" },
        ExpressionAttributeValues: marshall({ ":one": 1, ":expected": ticket.version, ":pending": "pending" }),
      });
      return true;
    } catch (error) {
      if (checkFailed(error)) return false;
      throw error;
    }
  }
}
