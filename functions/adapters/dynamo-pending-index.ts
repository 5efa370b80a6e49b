import { ConditionalCheckFailedException, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { PendingIndex } from "../ports.js";
import type { Ticket } from "../schemas.js";
import { TICKET_TABLE } from "./ticket-table.js";

/**
 * The sweeper's view of the ticket table: the sparse `pendingByExpiry` index (one Query per
 * shard, `expiresAt < before`, never a scan), and taking a ticket out of it.
 */
export class DynamoPendingIndex implements PendingIndex {
  private readonly client: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
  ) {
    this.client = DynamoDBDocumentClient.from(client);
  }

  async expiredBefore(before: string, limit: number): Promise<string[]> {
    const found: Array<{ uploadId: string; expiresAt: string }> = [];
    for (let shard = 0; shard < TICKET_TABLE.sweepShards; shard++) {
      let start: Record<string, unknown> | undefined;
      const first = found.length;
      do {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: TICKET_TABLE.sweepIndex,
            KeyConditionExpression: "#shard = :shard AND #expires < :before",
            ExpressionAttributeNames: { "#shard": TICKET_TABLE.sweepShardAttribute, "#expires": TICKET_TABLE.sweepIndexSortKey },
            ExpressionAttributeValues: { ":shard": String(shard), ":before": before },
            Limit: limit,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        for (const item of page.Items ?? []) found.push(item as { uploadId: string; expiresAt: string });
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
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { uploadId: ticket.uploadId },
          UpdateExpression: "SET #version = #version + :one REMOVE #shard",
          ConditionExpression: "#version = :expected AND #status = :pending",
          ExpressionAttributeNames: { "#version": "version", "#shard": TICKET_TABLE.sweepShardAttribute, "#status": "status" },
          ExpressionAttributeValues: { ":one": 1, ":expected": ticket.version, ":pending": "pending" },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as { name?: string }).name === "ConditionalCheckFailedException") return false;
      throw error;
    }
  }
}
