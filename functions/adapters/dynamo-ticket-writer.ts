import { marshall } from "@aws-sdk/util-dynamodb";
import { randomInt } from "node:crypto";
import { quotaError, type QuotaReservation } from "../domain/quotas.js";
import type { TicketWriter } from "../ports.js";
import type { Ticket } from "../schemas.js";
import { resolveCredentials, type Credentials } from "./aws.js";
import { backoff, DynamoJson, RETRYABLE } from "./dynamo-json.js";
import { sweepShardOf, TICKET_TABLE } from "./ticket-table.js";

export interface DynamoTicketWriterOptions {
  table: string;
  region: string;
  /** A DynamoDB-compatible endpoint; AWS's regional endpoint when omitted. */
  endpoint?: string;
  /** Static credentials; the Lambda role's from the environment when omitted. */
  credentials?: Credentials;
}

const ATTEMPTS = 3;
/** Transactions that lost a race on a busy counter are tried again this many times. */
const MAX_CONFLICTS = 25;

/**
 * Writes new tickets with one conditional `PutItem`, signed by `aws4` (a test holds its
 * signature to the SDK's SignatureV4 on the wire) and marshalled by `@aws-sdk/util-dynamodb`,
 * over a keep-alive agent. The sign functions make this single call, and the full DynamoDB
 * client would cost them more cold-start time (~40 ms) than everything else they load; reads
 * and updates use the SDK's client.
 * Throttling, 5xx and network errors are retried (3 attempts); an existing id is refused.
 * Credentials come from the Lambda environment unless given.
 */
export class DynamoTicketWriter implements TicketWriter {
  private readonly dynamo: DynamoJson;

  constructor(private readonly options: DynamoTicketWriterOptions) {
    this.dynamo = new DynamoJson(options.region, options.endpoint);
  }

  async create(ticket: Ticket, reservation?: QuotaReservation): Promise<void> {
    if (reservation) return this.reserve(ticket, reservation);
    const body = JSON.stringify({
      TableName: this.options.table,
      Item: itemOf(ticket),
      ConditionExpression: "attribute_not_exists(uploadId)",
    });
    const credentials = resolveCredentials(this.options.credentials); // none: fail now, not after retries
    for (let attempt = 1; ; attempt++) {
      let outcome: { status: number; type: string; message: string };
      try {
        outcome = await this.send("PutItem", body, credentials);
      } catch (error) {
        if (attempt < ATTEMPTS) {
          await backoff(attempt);
          continue;
        }
        throw new Error(`DynamoDB PutItem failed after ${attempt} attempts`, { cause: error });
      }
      if (outcome.status === 200) return;
      if (outcome.type === "ConditionalCheckFailedException") {
        // On a retry, the ticket that "already exists" is our own earlier attempt, which
        // landed although its answer was lost: the id is a fresh ULID.
        if (attempt > 1) return;
        throw new Error(`ticket ${ticket.uploadId} already exists; refusing to overwrite it`);
      }
      if (attempt < ATTEMPTS && (outcome.status >= 500 || RETRYABLE.test(outcome.type))) {
        await backoff(attempt);
        continue;
      }
      throw new Error(`DynamoDB PutItem failed: ${outcome.status} ${outcome.type}: ${outcome.message}`);
    }
  }

  /**
   * The ticket and its quota reservation in one TransactWriteItems: the day's counter grows only
   * while it stays within the limits, and a pending slot (tried from a random one on) is taken
   * only if free or its lease ran out. Nothing is read first; over a limit, nothing is written.
   */
  private async reserve(ticket: Ticket, reservation: QuotaReservation): Promise<void> {
    const credentials = resolveCredentials(this.options.credentials);
    const { quota, bytes, now } = reservation;
    const slots = reservation.pending?.slotKeys ?? [];
    const start = slots.length ? randomInt(slots.length) : 0;
    const table = this.options.table;
    const day = quota.uploadsPerDay !== undefined || quota.bytesPerDay !== undefined;
    let conflicts = 0;
    let sent = 0;
    for (let tried = 0; tried < Math.max(1, slots.length); ) {
      const slot = slots.length ? (start + tried) % slots.length : undefined;
      if (slot !== undefined) ticket.quotaSlot = slot;
      const items: unknown[] = [{ Put: { TableName: table, Item: itemOf(ticket), ConditionExpression: "attribute_not_exists(uploadId)" } }];
      if (day) {
        const limits = [
          ...(quota.uploadsPerDay !== undefined ? ["(attribute_not_exists(uploads) OR uploads < :maxUploads)"] : []),
          ...(quota.bytesPerDay !== undefined ? ["(attribute_not_exists(bytes) OR bytes <= :room)"] : []),
        ];
        items.push({
          Update: {
            TableName: table,
            Key: { uploadId: { S: reservation.dayKey } },
            UpdateExpression: "ADD uploads :one, bytes :bytes SET #ttl = :ttl",
            ConditionExpression: limits.join(" AND "),
            ExpressionAttributeNames: { "#ttl": "ttl" },
            ExpressionAttributeValues: marshall({
              ":one": 1, ":bytes": bytes, ":ttl": reservation.dayEndsAt + 24 * 3600,
              ...(quota.uploadsPerDay !== undefined ? { ":maxUploads": quota.uploadsPerDay } : {}),
              ...(quota.bytesPerDay !== undefined ? { ":room": quota.bytesPerDay - bytes } : {}),
            }),
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          },
        });
      }
      if (slot !== undefined) {
        const leaseUntil = reservation.pending!.leaseUntil;
        items.push({
          Put: {
            TableName: table,
            Item: marshall({ uploadId: slots[slot]!, holder: ticket.uploadId, leaseUntil, ttl: Math.floor(Date.parse(leaseUntil) / 1000) + 24 * 3600 }),
            ConditionExpression: "attribute_not_exists(holder) OR leaseUntil < :now",
            ExpressionAttributeValues: marshall({ ":now": now.toISOString() }),
          },
        });
      }
      const outcome = await this.sendRetrying("TransactWriteItems", JSON.stringify({ TransactItems: items }), credentials);
      sent++;
      if (outcome.status === 200) return;
      const reasons = outcome.reasons ?? [];
      const failed = (i: number) => reasons[i]?.Code === "ConditionalCheckFailed";
      if (outcome.type !== "TransactionCanceledException") throw new Error(`DynamoDB TransactWriteItems failed: ${outcome.status} ${outcome.type}: ${outcome.message}`);
      if (failed(0)) {
        // The id is a fresh ULID: a ticket that "already exists" is one of our own earlier sends,
        // which landed although its answer was lost.
        if (outcome.attempts > 1 || sent > 1) return;
        throw new Error(`ticket ${ticket.uploadId} already exists; refusing to overwrite it`);
      }
      if (day && failed(1)) {
        const counted = reasons[1]?.Item?.uploads?.N;
        throw quotaError(quota.uploadsPerDay !== undefined && Number(counted ?? 0) >= quota.uploadsPerDay ? "uploadsPerDay" : "bytesPerDay", quota, now);
      }
      if (slot !== undefined && failed(day ? 2 : 1)) {
        tried++;
        continue;
      }
      // Another transaction on the same counter or slot at the same moment: try again shortly.
      if (reasons.some((r) => r.Code === "TransactionConflict") && ++conflicts <= MAX_CONFLICTS) {
        await backoff(Math.min(conflicts, 6));
        continue;
      }
      throw new Error(`DynamoDB TransactWriteItems was cancelled: ${reasons.map((r) => r.Code).join(", ")}`);
    }
    throw quotaError("pending", quota, now);
  }

  /** One request, retried on throttling, 5xx and network errors; `attempts` says how many it took. */
  private async sendRetrying(operation: string, body: string, credentials: Credentials) {
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await this.send(operation, body, credentials);
        if (outcome.status === 200 || attempt >= ATTEMPTS || !(outcome.status >= 500 || RETRYABLE.test(outcome.type))) return { ...outcome, attempts: attempt };
      } catch (error) {
        if (attempt >= ATTEMPTS) throw new Error(`DynamoDB ${operation} failed after ${attempt} attempts`, { cause: error });
      }
      await backoff(attempt);
    }
  }

  private send(operation: string, body: string, credentials: Credentials) {
    return this.dynamo.send(operation, body, credentials);
  }
}

/**
 * The ticket as a DynamoDB item; a pending one also carries its sweep shard, which puts it in the
 * sweeper's sparse index (set here, not in the domain: it is the table's layout, not the ticket's).
 */
function itemOf(ticket: Ticket) {
  const item = marshall(ticket, { removeUndefinedValues: true });
  if (ticket.status === "pending") item[TICKET_TABLE.sweepShardAttribute] = { S: sweepShardOf(ticket.uploadId) };
  return item;
}


