import { ConditionalCheckFailedException, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { TicketPage, TicketPosition, TicketQuery, TicketStore } from "../ports.js";
import type { Ticket } from "../schemas.js";
import { TICKET_TABLE } from "./ticket-table.js";

/** Query pages one list request may read while a status filter skips tickets. */
const MAX_QUERY_PAGES = 10;

const STATUS_FILTERS: Record<NonNullable<TicketQuery["status"]>, string> = {
  completed: "#status = :status",
  rejected: "#status = :status",
  aborted: "#status = :status",
  deleted: "#status = :status",
  pending: "#status = :pending AND expiresAt >= :cut",
  expired: "#status = :pending AND expiresAt < :cut",
};

/** Reads and updates tickets (new ones come from `DynamoTicketWriter`) in one DynamoDB table: key `uploadId`, GSI `byOwner` (`owner`, `createdAt`), TTL `ttl`. */
export class DynamoTicketStore implements TicketStore {
  private readonly client: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
  ) {
    this.client = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async get(uploadId: string): Promise<Ticket | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.table, Key: { uploadId }, ConsistentRead: true }));
    return Item as Ticket | undefined;
  }

  async update(uploadId: string, expectedVersion: number, changes: Partial<Ticket>): Promise<boolean> {
    const names: Record<string, string> = { "#version": "version" };
    const values: Record<string, unknown> = { ":expected": expectedVersion, ":one": 1 };
    const set = ["#version = #version + :one"];
    const remove: string[] = [];
    Object.entries(changes).forEach(([name, value], i) => {
      names[`#a${i}`] = name;
      if (value === undefined) remove.push(`#a${i}`);
      else {
        values[`:v${i}`] = value;
        set.push(`#a${i} = :v${i}`);
      }
    });
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { uploadId },
          UpdateExpression: `SET ${set.join(", ")}${remove.length ? ` REMOVE ${remove.join(", ")}` : ""}`,
          ConditionExpression: "#version = :expected",
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async listByOwner(owner: string, query: TicketQuery): Promise<TicketPage> {
    const items: Ticket[] = [];
    let start: Record<string, unknown> | undefined = query.after && { ...query.after };
    for (let page = 0; page < MAX_QUERY_PAGES && items.length < query.limit; page++) {
      const filter = query.status && STATUS_FILTERS[query.status];
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: TICKET_TABLE.ownerIndex,
          KeyConditionExpression: "#owner = :owner",
          ScanIndexForward: false,
          Limit: query.limit - items.length,
          ...(start ? { ExclusiveStartKey: start } : {}),
          ...(filter ? { FilterExpression: filter } : {}),
          ExpressionAttributeNames: { "#owner": "owner", ...(filter ? { "#status": "status" } : {}) },
          ExpressionAttributeValues: {
            ":owner": owner,
            ...(filter?.includes(":status") ? { ":status": query.status } : {}),
            ...(filter?.includes(":pending") ? { ":pending": "pending", ":cut": query.expiredBefore } : {}),
          },
        }),
      );
      items.push(...((result.Items ?? []) as Ticket[]));
      start = result.LastEvaluatedKey;
      if (!start) break;
    }
    return { items, ...(start ? { next: start as unknown as TicketPosition } : {}) };
  }
}
