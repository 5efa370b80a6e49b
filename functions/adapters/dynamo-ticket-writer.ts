import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { marshall } from "@aws-sdk/util-dynamodb";
import { randomInt } from "node:crypto";
import aws4 from "aws4";
import { quotaError, type QuotaReservation } from "../domain/quotas.js";
import type { TicketWriter } from "../ports.js";
import type { Ticket } from "../schemas.js";
import { awsDomain, resolveCredentials, type Credentials } from "./aws.js";

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
const TIMEOUT_MS = 3000;
const RETRYABLE = /^(?:ThrottlingException|ProvisionedThroughputExceededException|RequestLimitExceeded|InternalServerError|ServiceUnavailable|LimitExceededException)$/;

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
  private readonly url: URL;
  private readonly agent: HttpAgent;

  constructor(private readonly options: DynamoTicketWriterOptions) {
    this.url = new URL(options.endpoint ?? `https://dynamodb.${options.region}.${awsDomain(options.region)}`);
    this.agent = this.url.protocol === "https:" ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  }

  async create(ticket: Ticket, reservation?: QuotaReservation): Promise<void> {
    if (reservation) return this.reserve(ticket, reservation);
    const body = JSON.stringify({
      TableName: this.options.table,
      Item: marshall(ticket, { removeUndefinedValues: true }),
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
    for (let tried = 0; tried < Math.max(1, slots.length); ) {
      const slot = slots.length ? (start + tried) % slots.length : undefined;
      if (slot !== undefined) ticket.quotaSlot = slot;
      const items: unknown[] = [{ Put: { TableName: table, Item: marshall(ticket, { removeUndefinedValues: true }), ConditionExpression: "attribute_not_exists(uploadId)" } }];
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
      if (outcome.status === 200) return;
      const reasons = outcome.reasons ?? [];
      const failed = (i: number) => reasons[i]?.Code === "ConditionalCheckFailed";
      if (outcome.type !== "TransactionCanceledException") throw new Error(`DynamoDB TransactWriteItems failed: ${outcome.status} ${outcome.type}: ${outcome.message}`);
      if (failed(0)) {
        if (outcome.attempts > 1) return; // our own earlier attempt landed, its answer lost
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

  private async send(operation: string, body: string, credentials: Credentials) {
    const signed = aws4.sign(
      {
        host: this.url.host,
        method: "POST",
        path: this.url.pathname,
        service: "dynamodb",
        region: this.options.region,
        headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": `DynamoDB_20120810.${operation}` },
        body,
      },
      credentials,
    );
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const request = (this.url.protocol === "https:" ? httpsRequest : httpRequest)(
        { ...toOptions(this.url), method: "POST", path: this.url.pathname, headers: signed.headers as OutgoingHttpHeaders, agent: this.agent, timeout: TIMEOUT_MS },
        resolve,
      );
      request.on("timeout", () => request.destroy(new Error(`DynamoDB did not answer within ${TIMEOUT_MS} ms`)));
      request.on("error", reject);
      request.end(body);
    });
    const chunks: Buffer[] = [];
    for await (const chunk of response) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    if (response.statusCode === 200) return { status: 200, type: "", message: "" };
    const error = parseError(text);
    return { status: response.statusCode ?? 0, ...error };
  }
}

function toOptions(url: URL) {
  return { protocol: url.protocol, hostname: url.hostname, ...(url.port ? { port: Number(url.port) } : {}) };
}

type CancellationReason = { Code?: string; Item?: Record<string, { N?: string }> };

/**
 * DynamoDB errors are `{"__type":"com.amazonaws.dynamodb.v20120810#Name","message":"…"}`; a
 * cancelled transaction adds one `CancellationReasons` entry per item.
 */
function parseError(text: string): { type: string; message: string; reasons?: CancellationReason[] } {
  try {
    const json = JSON.parse(text) as { __type?: string; message?: string; Message?: string; CancellationReasons?: CancellationReason[] };
    return {
      type: (json.__type ?? "").split("#").pop() ?? "",
      message: json.message ?? json.Message ?? "",
      ...(json.CancellationReasons ? { reasons: json.CancellationReasons } : {}),
    };
  } catch {
    return { type: "", message: text.slice(0, 200) };
  }
}

const backoff = (attempt: number) => new Promise((r) => setTimeout(r, Math.random() * 50 * 2 ** attempt));
