import { marshall } from "@aws-sdk/util-dynamodb";
import { randomInt } from "node:crypto";
import { quotaError, type QuotaReservation } from "../domain/quotas.js";
import type { Ticket } from "../schemas.js";
import type { Credentials } from "./aws.js";
import type { DynamoAnswer } from "./dynamo-json.js";
import { backoff } from "./dynamo-json.js";
import { itemOf } from "./dynamo-ticket-writer.js";

/** Transactions that lost a race on a busy counter are tried again this many times. */
const MAX_CONFLICTS = 25;

type SendRetrying = (operation: string, body: string, credentials: Credentials) => Promise<DynamoAnswer & { attempts: number }>;

/**
 * The ticket and its quota reservation in one TransactWriteItems: the day's counter grows only
 * while it stays within the limits, and a pending slot (tried from a random one on) is taken
 * only if free or its lease ran out. Nothing is read first; over a limit, nothing is written.
 */
export async function reserve(table: string, ticket: Ticket, reservation: QuotaReservation, credentials: Credentials, sendRetrying: SendRetrying): Promise<void> {
  const { quota, bytes, now } = reservation;
  const slots = reservation.pending?.slotKeys ?? [];
  const start = slots.length ? randomInt(slots.length) : 0;
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
    const outcome = await sendRetrying("TransactWriteItems", JSON.stringify({ TransactItems: items }), credentials);
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

