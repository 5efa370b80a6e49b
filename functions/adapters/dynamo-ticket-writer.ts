import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { marshall } from "@aws-sdk/util-dynamodb";
import aws4 from "aws4";
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

  async create(ticket: Ticket): Promise<void> {
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
    return { status: response.statusCode ?? 0, type: error.type, message: error.message };
  }
}

function toOptions(url: URL) {
  return { protocol: url.protocol, hostname: url.hostname, ...(url.port ? { port: Number(url.port) } : {}) };
}

/** DynamoDB errors are `{"__type":"com.amazonaws.dynamodb.v20120810#Name","message":"…"}`. */
function parseError(text: string): { type: string; message: string } {
  try {
    const json = JSON.parse(text) as { __type?: string; message?: string; Message?: string };
    return { type: (json.__type ?? "").split("#").pop() ?? "", message: json.message ?? json.Message ?? "" };
  } catch {
    return { type: "", message: text.slice(0, 200) };
  }
}

const backoff = (attempt: number) => new Promise((r) => setTimeout(r, Math.random() * 50 * 2 ** attempt));
