import { ConditionalCheckFailedException, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { BatchGetCommand, DeleteCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { releaseFor } from "../domain/quotas.js";
import { QuotaExceededError } from "../errors.js";
import { listOwnerTickets, ownerQueryInput } from "./ticket-queries.js";
import type { TicketPage, TicketQuery, TicketStore } from "../ports.js";
import type { Ticket } from "../schemas.js";
import { TICKET_TABLE } from "./ticket-table.js";


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

  async update(ticket: Ticket, changes: Partial<Ticket>): Promise<boolean> {
    const release = releaseFor(ticket, changes);
    const all = release ? { ...changes, quotaBytes: release.quotaBytes } : changes;
    const names: Record<string, string> = { "#version": "version" };
    const values: Record<string, unknown> = { ":expected": ticket.version, ":one": 1 };
    const set = ["#version = #version + :one"];
    const remove: string[] = [];
    Object.entries(all).forEach(([name, value], i) => {
      names[`#a${i}`] = name;
      if (value === undefined) remove.push(`#a${i}`);
      else {
        values[`:v${i}`] = value;
        set.push(`#a${i} = :v${i}`);
      }
    });
    // Out of the sweeper's sparse index as soon as the ticket is no longer pending.
    if ((all.status ?? ticket.status) !== "pending") {
      names["#sweep"] = TICKET_TABLE.sweepShardAttribute;
      remove.push("#sweep");
    }
    const update = {
      TableName: this.table,
      Key: { uploadId: ticket.uploadId },
      UpdateExpression: `SET ${set.join(", ")}${remove.length ? ` REMOVE ${remove.join(", ")}` : ""}`,
      ConditionExpression: "#version = :expected",
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
    try {
      if (release && release.bytesDelta !== 0) {
        // The ticket's change and its bytes move together, or neither does.
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              { Update: update },
              {
                Update: {
                  TableName: this.table,
                  Key: { uploadId: release.dayKey },
                  UpdateExpression: "ADD bytes :delta",
                  ExpressionAttributeValues: { ":delta": release.bytesDelta, ...(release.limit !== undefined ? { ":room": release.limit - release.bytesDelta } : {}) },
                  // Bytes that come back (a re-upload after a rejection) must still fit the day.
                  ...(release.limit !== undefined ? { ConditionExpression: "attribute_not_exists(bytes) OR bytes <= :room" } : {}),
                },
              },
            ],
          }),
        );
      } else {
        await this.client.send(new UpdateCommand(update));
      }
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || conditionFailed(error)) return false;
      if (release?.limit !== undefined && conditionFailed(error, 1)) {
        throw new QuotaExceededError("The upload would exceed today's bytes.", [{ path: "quota.bytesPerDay", message: `limit ${release.limit}` }], 0);
      }
      throw error;
    }
    // A freed pending slot: only if this ticket still holds it (its lease may have run out and
    // gone to another). If this is lost, the slot frees itself when the lease ends.
    if (release?.slotKey) {
      await this.client
        .send(
          new DeleteCommand({
            TableName: this.table,
            Key: { uploadId: release.slotKey },
            ConditionExpression: "holder = :id",
            ExpressionAttributeValues: { ":id": ticket.uploadId },
          }),
        )
        .catch((error: unknown) => {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        });
    }
    return true;
  }

  /** The day counter and pending slots of one owner and profile, for `GET /usage`. */
  async usage(dayKey: string, slotKeys: readonly string[]): Promise<{ uploads: number; bytes: number; slots: Array<{ holder?: string; leaseUntil?: string }> }> {
    const day = await this.client.send(new GetCommand({ TableName: this.table, Key: { uploadId: dayKey }, ConsistentRead: true }));
    const slots = slotKeys.length
      ? ((await this.client.send(new BatchGetCommand({ RequestItems: { [this.table]: { Keys: slotKeys.map((uploadId) => ({ uploadId })), ConsistentRead: true } } })))
          .Responses?.[this.table] ?? [])
      : [];
    return { uploads: Number(day.Item?.uploads ?? 0), bytes: Number(day.Item?.bytes ?? 0), slots: slots as Array<{ holder?: string; leaseUntil?: string }> };
  }

  async listByOwner(owner: string, query: TicketQuery): Promise<TicketPage> {
    return listOwnerTickets(query, async (limit, start) => {
      const result = await this.client.send(new QueryCommand(ownerQueryInput(this.table, owner, query, limit, start)));
      return { items: (result.Items ?? []) as Ticket[], ...(result.LastEvaluatedKey ? { last: result.LastEvaluatedKey } : {}) };
    });
  }

}

/** A transaction cancelled because the condition of its item `index` failed (0: the ticket's version). */
const conditionFailed = (error: unknown, index = 0) =>
  (error as { name?: string; CancellationReasons?: Array<{ Code?: string }> }).name === "TransactionCanceledException" &&
  (error as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons?.[index]?.Code === "ConditionalCheckFailed";
