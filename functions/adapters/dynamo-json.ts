/**
 * DynamoDB's JSON protocol over one keep-alive agent, each request signed by `aws4`: what the
 * sign functions' ticket writer and the status functions' reader send instead of loading the
 * SDK's clients (tests hold both signatures to the SDK's SignatureV4 on the wire).
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import aws4 from "aws4";
import { awsDomain, resolveCredentials, type Credentials } from "./aws.js";
import { AwsServiceError, sanitizeErrorCode, withRetries } from "./signed-http.js";

const TIMEOUT_MS = 3000;

/** Throttling and service errors worth another try (with 5xx and network errors). */
export const RETRYABLE = /^(?:ThrottlingException|ProvisionedThroughputExceededException|RequestLimitExceeded|InternalServerError|ServiceUnavailable|LimitExceededException)$/;

export type CancellationReason = { Code?: string; Item?: Record<string, { N?: string }> };

/** DynamoDB's answer: 200 with its JSON `text`, or an error's type, message and (transactions) reasons. */
export interface DynamoAnswer {
  status: number;
  text: string;
  type: string;
  message: string;
  reasons?: CancellationReason[];
}

export class DynamoJson {
  private readonly url: URL;
  private readonly agent: HttpAgent;

  constructor(private readonly region: string, endpoint?: string) {
    this.url = new URL(endpoint ?? `https://dynamodb.${region}.${awsDomain(region)}`);
    this.agent = this.url.protocol === "https:" ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  }

  /** One signed request; network errors and timeouts throw. */
  async send(operation: string, body: string, credentials: Credentials): Promise<DynamoAnswer> {
    const signed = aws4.sign(
      {
        host: this.url.host,
        method: "POST",
        path: this.url.pathname,
        service: "dynamodb",
        region: this.region,
        headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": `DynamoDB_20120810.${operation}` },
        body,
      },
      credentials,
    );
    const { protocol, hostname, port, pathname } = this.url;
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const request = (protocol === "https:" ? httpsRequest : httpRequest)(
        { protocol, hostname, ...(port ? { port: Number(port) } : {}), method: "POST", path: pathname, headers: signed.headers as OutgoingHttpHeaders, agent: this.agent, timeout: TIMEOUT_MS },
        resolve,
      );
      request.on("timeout", () => request.destroy(new Error(`DynamoDB did not answer within ${TIMEOUT_MS} ms`)));
      request.on("error", reject);
      request.end(body);
    });
    const chunks: Buffer[] = [];
    for await (const chunk of response) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const status = response.statusCode ?? 0;
    return status === 200 ? { status, text, type: "", message: "" } : { status, text, ...parseError(text) };
  }
}

/**
 * One DynamoDB call under the retry policy of signed-http.ts: its parsed JSON answer, or the
 * error the SDK would throw for the same answer (`name` the error type, `$metadata`, and a
 * cancelled transaction's `CancellationReasons`).
 */
export async function callDynamo<T>(dynamo: DynamoJson, operation: string, input: unknown, given?: Credentials): Promise<T> {
  const body = JSON.stringify(input);
  const credentials = resolveCredentials(given);
  return withRetries(async () => {
    const answer = await dynamo.send(operation, body, credentials);
    if (answer.status === 200) return JSON.parse(answer.text) as T;
    const error = new AwsServiceError(answer.type || "UnknownError", answer.message || "UnknownError", answer.status);
    if (answer.reasons) error.CancellationReasons = answer.reasons;
    throw error;
  });
}

/**
 * DynamoDB errors are `{"__type":"com.amazonaws.dynamodb.v20120810#Name","message":"…"}`; a
 * cancelled transaction adds one `CancellationReasons` entry per item.
 */
function parseError(text: string): { type: string; message: string; reasons?: CancellationReason[] } {
  try {
    const json = JSON.parse(text) as { __type?: string; code?: string; message?: string; Message?: string; CancellationReasons?: CancellationReason[] };
    return {
      type: sanitizeErrorCode(json.__type ?? json.code ?? ""),
      message: json.message ?? json.Message ?? "",
      ...(json.CancellationReasons ? { reasons: json.CancellationReasons } : {}),
    };
  } catch {
    return { type: "", message: text.slice(0, 200) };
  }
}

/** A jittered, doubling pause before try `attempt + 1`. */
export const backoff = (attempt: number) => new Promise((r) => setTimeout(r, Math.random() * 50 * 2 ** attempt));
