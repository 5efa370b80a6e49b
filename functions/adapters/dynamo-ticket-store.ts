import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { randomUUID } from "node:crypto";
import { releaseFor } from "../domain/quotas.js";
import { QuotaExceededError } from "../errors.js";
import { listOwnerTickets, ownerQueryInput } from "./ticket-queries.js";
import type { TicketPage, TicketQuery, TicketStore } from "../ports.js";
import type { Ticket } from "../schemas.js";
import type { Credentials } from "./aws.js";
import { callDynamo, DynamoJson } from "./dynamo-json.js";
import { TICKET_TABLE } from "./ticket-table.js";

export interface DynamoTableOptions {
  table: string;
  region: string;
  /** A DynamoDB-compatible endpoint; AWS's regional endpoint when omitted. */
  endpoint?: string;
  /** Static credentials; the Lambda role's from the environment when omitted. */
  credentials?: Credentials;
}

type Item = Parameters<typeof unmarshall>[0];
const toItem = (value: Record<string, unknown>) => marshall(value, { removeUndefinedValues: true });

/**
 * Reads and updates tickets (new ones come from `DynamoTicketWriter`) in one DynamoDB table: key
 * `uploadId`, GSI `byOwner` (`owner`, `createdAt`), TTL `ttl`. The same GetItem, UpdateItem,
 * TransactWriteItems, DeleteItem, BatchGetItem and Query inputs the SDK's document client sent,
 * as aws4-signed DynamoDB JSON requests (dynamo-json.ts), marshalled by `@aws-sdk/util-dynamodb`;
 * errors are the SDK's (`name`, `$metadata`, `CancellationReasons`), so callers tell them apart
 * as before. Wire tests hold every request and error to the SDK's.
 */
export class DynamoTicketStore implements TicketStore {
  private readonly dynamo: DynamoJson;
  private readonly table: string;

  constructor(private readonly options: DynamoTableOptions) {
    this.dynamo = new DynamoJson(options.region, options.endpoint);
    this.table = options.table;
  }

  private call<T>(operation: string, input: unknown): Promise<T> {
    return callDynamo<T>(this.dynamo, operation, input, this.options.credentials);
  }

  async get(uploadId: string): Promise<Ticket | undefined> {
    const { Item } = await this.call<{ Item?: Item }>("GetItem", { TableName: this.table, Key: toItem({ uploadId }), ConsistentRead: true });
    return Item ? (unmarshall(Item) as Ticket) : undefined;
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
      Key: toItem({ uploadId: ticket.uploadId }),
      UpdateExpression: `SET ${set.join(", ")}${remove.length ? ` REMOVE ${remove.join(", ")}` : ""}`,
      ConditionExpression: "#version = :expected",
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: toItem(values),
    };
    try {
      if (release && release.bytesDelta !== 0) {
        // The ticket's change and its bytes move together, or neither does.
        await this.call("TransactWriteItems", {
          // As the SDK does: a retry of a transaction that landed is not applied twice.
          ClientRequestToken: randomUUID(),
          TransactItems: [
            { Update: update },
            {
              Update: {
                TableName: this.table,
                Key: toItem({ uploadId: release.dayKey }),
                UpdateExpression: "ADD bytes :delta",
                ExpressionAttributeValues: toItem({ ":delta": release.bytesDelta, ...(release.limit !== undefined ? { ":room": release.limit - release.bytesDelta } : {}) }),
                // Bytes that come back (a re-upload after a rejection) must still fit the day.
                ...(release.limit !== undefined ? { ConditionExpression: "attribute_not_exists(bytes) OR bytes <= :room" } : {}),
              },
            },
          ],
        });
      } else {
        await this.call("UpdateItem", update);
      }
    } catch (error) {
      if (checkFailed(error) || conditionFailed(error)) return false;
      if (release?.limit !== undefined && conditionFailed(error, 1)) {
        throw new QuotaExceededError("The upload would exceed today's bytes.", [{ path: "quota.bytesPerDay", message: `limit ${release.limit}` }], 0);
      }
      throw error;
    }
    // A freed pending slot: only if this ticket still holds it (its lease may have run out and
    // gone to another). If this is lost, the slot frees itself when the lease ends.
    if (release?.slotKey) {
      await this.call("DeleteItem", {
        TableName: this.table,
        Key: toItem({ uploadId: release.slotKey }),
        ConditionExpression: "holder = :id",
        ExpressionAttributeValues: toItem({ ":id": ticket.uploadId }),
      }).catch((error: unknown) => {
        if (!checkFailed(error)) throw error;
      });
    }
    return true;
  }

  /** The day counter and pending slots of one owner and profile, for `GET /usage`. */
  async usage(dayKey: string, slotKeys: readonly string[]): Promise<{ uploads: number; bytes: number; slots: Array<{ holder?: string; leaseUntil?: string }> }> {
    const day = await this.call<{ Item?: Item }>("GetItem", { TableName: this.table, Key: toItem({ uploadId: dayKey }), ConsistentRead: true });
    const slots = slotKeys.length
      ? ((await this.call<{ Responses?: Record<string, Item[]> }>("BatchGetItem", {
          RequestItems: { [this.table]: { Keys: slotKeys.map((uploadId) => toItem({ uploadId })), ConsistentRead: true } },
        })).Responses?.[this.table] ?? []).map((item) => unmarshall(item))
      : [];
    const counter = day.Item ? unmarshall(day.Item) : {};
    return { uploads: Number(counter.uploads ?? 0), bytes: Number(counter.bytes ?? 0), slots: slots as Array<{ holder?: string; leaseUntil?: string }> };
  }

  async listByOwner(owner: string, query: TicketQuery): Promise<TicketPage> {
    return listOwnerTickets(query, async (limit, start) => {
      const input = ownerQueryInput(this.table, owner, query, limit, start && toItem(start));
      const result = await this.call<{ Items?: Item[]; LastEvaluatedKey?: Item }>("Query", { ...input, ExpressionAttributeValues: toItem(input.ExpressionAttributeValues) });
      return { items: (result.Items ?? []).map((i) => unmarshall(i) as Ticket), ...(result.LastEvaluatedKey ? { last: unmarshall(result.LastEvaluatedKey) } : {}) };
    });
  }

}

/** A conditional write whose condition failed. */
export const checkFailed = (error: unknown) => (error as { name?: string } | undefined)?.name === "ConditionalCheckFailedException";

/** A transaction cancelled because the condition of its item `index` failed (0: the ticket's version). */
const conditionFailed = (error: unknown, index = 0) =>
  (error as { name?: string; CancellationReasons?: Array<{ Code?: string }> }).name === "TransactionCanceledException" &&
  (error as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons?.[index]?.Code === "ConditionalCheckFailed";
