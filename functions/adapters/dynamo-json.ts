/**
 * DynamoDB's JSON protocol over one keep-alive agent, each request signed by `aws4`
 * (signed-http.ts): what the ticket writer, store and pending index send instead of loading the
 * SDK's clients (wire tests hold every request and error to the SDK's).
 */
import { awsDomain, endpointFromEnv, resolveCredentials, type Credentials } from "./aws.js";
import { AwsServiceError, DYNAMODB_ATTEMPTS, sanitizeErrorCode, SignedHttp, withRetries } from "./signed-http.js";

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
  private readonly http: SignedHttp;

  constructor(region: string, endpoint?: string) {
    this.http = new SignedHttp("dynamodb", region, endpoint ?? endpointFromEnv("DYNAMODB") ?? `https://dynamodb.${region}.${awsDomain(region)}`, undefined, TIMEOUT_MS);
  }

  /** One signed request; network errors and timeouts throw. */
  async send(operation: string, body: string, credentials: Credentials): Promise<DynamoAnswer> {
    const answer = await this.http.send(
      { method: "POST", path: "/", headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": `DynamoDB_20120810.${operation}` }, body },
      credentials,
    );
    const text = answer.body.toString("utf8");
    return answer.status === 200 ? { status: 200, text, type: "", message: "" } : { status: answer.status, text, ...parseError(text) };
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
  }, DYNAMODB_ATTEMPTS);
}

/**
 * JSON protocol errors (DynamoDB, EventBridge) are `{"__type":"com.amazonaws.dynamodb.v20120810#Name","message":"…"}`; a
 * cancelled transaction adds one `CancellationReasons` entry per item.
 */
export function parseError(text: string): { type: string; message: string; reasons?: CancellationReason[] } {
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
