import { marshall } from "@aws-sdk/util-dynamodb";
import type { QuotaReservation } from "../domain/quotas.js";
import type { TicketWriter } from "../ports.js";
import type { Ticket } from "../schemas.js";
import { resolveCredentials, type Credentials } from "./aws.js";
import { backoff, DynamoJson, RETRYABLE } from "./dynamo-json.js";
import { DYNAMODB_ATTEMPTS } from "./signed-http.js";
import { sweepShardOf, TICKET_TABLE } from "./ticket-table.js";

export interface DynamoTicketWriterOptions {
  table: string;
  region: string;
  /** A DynamoDB-compatible endpoint; AWS's regional endpoint when omitted. */
  endpoint?: string;
  /** Static credentials; the Lambda role's from the environment when omitted. */
  credentials?: Credentials;
}

const ATTEMPTS = DYNAMODB_ATTEMPTS;

/**
 * Writes new tickets with one conditional `PutItem`, signed by `aws4` (a test holds its
 * signature to the SDK's SignatureV4 on the wire) and marshalled by `@aws-sdk/util-dynamodb`,
 * over a keep-alive agent. The sign functions make this single call, and the full DynamoDB
 * client would cost them more cold-start time (~40 ms) than everything else they load. A quota
 * profile's TransactWriteItems (dynamo-quota-reservation.ts) is imported on its first use.
 * Throttling, 5xx and network errors are retried (4 attempts, as the SDK's DynamoDB client); an existing id is refused.
 * Credentials come from the Lambda environment unless given.
 */
export class DynamoTicketWriter implements TicketWriter {
  private readonly dynamo: DynamoJson;

  constructor(private readonly options: DynamoTicketWriterOptions) {
    this.dynamo = new DynamoJson(options.region, options.endpoint);
  }

  async create(ticket: Ticket, reservation?: QuotaReservation): Promise<void> {
    // The quota path loads on the first quota profile's request only.
    if (reservation) return (await import("./dynamo-quota-reservation.js")).reserve(this.options.table, ticket, reservation, resolveCredentials(this.options.credentials), (op, body, c) => this.sendRetrying(op, body, c));
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

  /** One request, retried on throttling, 5xx and network errors; `attempts` says how many it took. */
  async sendRetrying(operation: string, body: string, credentials: Credentials) {
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
export function itemOf(ticket: Ticket) {
  const item = marshall(ticket, { removeUndefinedValues: true });
  if (ticket.status === "pending") item[TICKET_TABLE.sweepShardAttribute] = { S: sweepShardOf(ticket.uploadId) };
  return item;
}


