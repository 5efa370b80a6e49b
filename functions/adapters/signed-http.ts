/**
 * One aws4-signed request to an AWS service over a keep-alive agent, and the retry policy of
 * every lean adapter: what the functions send instead of loading the SDK's clients (their
 * middleware stacks, endpoint rules and credential-provider chain cost each function more
 * cold-start time than all its own code). Wire tests hold each request to the SDK's, header
 * for header and signature for signature, and each error to the SDK's error for the same answer.
 */
import type * as Http from "node:http";
import type * as Https from "node:https";
import { createHash } from "node:crypto";
import { createRequire as requireFrom } from "node:module";
import aws4 from "aws4";
import { resolveCredentials, type Credentials } from "./aws.js";

// Through `require`, as the Lambda runtime itself loads `http` before the handler: on Node 22 an
// ESM import of `node:http` builds its namespace from every export, and its lazy `WebSocket`
// getter then loads undici (some 20 ms of every cold start, measured by the bench). Aliased: the
// bundles' banner declares `createRequire` itself.
const builtin = requireFrom(import.meta.url);
const { Agent: HttpAgent, request: httpRequest } = builtin("node:http") as typeof Http;
const { Agent: HttpsAgent, request: httpsRequest } = builtin("node:https") as typeof Https;
type IncomingMessage = Http.IncomingMessage;
type OutgoingHttpHeaders = Http.OutgoingHttpHeaders;

/** What one request sends: `path` already URI-encoded, `query` as sent (sorted or not). */
export interface SignedRequest {
  method: string;
  path: string;
  query?: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface SignedAnswer {
  status: number;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

/**
 * An AWS service error shaped as the SDK shapes it: `name` is the service's error code,
 * `$metadata.httpStatusCode` its status, `$fault` client or server; a cancelled DynamoDB
 * transaction carries `CancellationReasons`. Code that tells errors apart by these fields
 * (record.ts, the stores) treats both alike.
 */
export class AwsServiceError extends Error {
  readonly $metadata: { httpStatusCode: number; requestId?: string };
  readonly $fault: "client" | "server";
  CancellationReasons?: Array<{ Code?: string; Message?: string; Item?: Record<string, unknown> }>;

  constructor(name: string, message: string, status: number, requestId?: string) {
    super(message);
    this.name = name;
    this.$metadata = { httpStatusCode: status, ...(requestId ? { requestId } : {}) };
    this.$fault = status < 500 ? "client" : "server";
  }
}

/** The SDK's reading of a JSON protocol's error type: `ns#Name:extra,more` is `Name`. */
export const sanitizeErrorCode = (raw: string) => {
  const value = raw.split(",")[0]!.split(":")[0]!;
  return value.includes("#") ? value.split("#")[1]! : value;
};

/**
 * The retry policy, the SDK's standard one in small: 3 attempts (DynamoDB: 4, as the SDK's
 * DynamoDB client makes); a network error, a timeout, a 5xx, a 429 or a throttling code is
 * tried again after a full-jitter pause of up to 100 ms × 2^attempt; anything else is final at once.
 */
export const ATTEMPTS = 3;
export const DYNAMODB_ATTEMPTS = 4;
const THROTTLING =
  /^(?:Throttling|ThrottlingException|ThrottledException|RequestThrottledException|TooManyRequestsException|ProvisionedThroughputExceededException|TransactionInProgressException|RequestLimitExceeded|BandwidthLimitExceeded|LimitExceededException|RequestThrottled|SlowDown|PriorRequestNotComplete|EC2ThrottledException|RequestTimeout|RequestTimeoutException)$/;
export const retryable = (error: unknown): boolean => {
  if (!(error instanceof AwsServiceError)) return true; // network errors and timeouts
  const status = error.$metadata.httpStatusCode;
  return status >= 500 || status === 429 || THROTTLING.test(error.name);
};
const pause = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * 100 * 2 ** attempt));

/** Runs `attempt` under the retry policy: what it throws last is thrown. */
export async function withRetries<T>(attempt: () => Promise<T>, attempts = ATTEMPTS): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (n >= attempts || !retryable(error)) throw error;
      await pause(n);
    }
  }
}

/** Signed alike by both: headers the SDK's SignatureV4 never signs and aws4 would (cache-control…), and `range`, which the SDK signs and aws4 would not. */
const flags = (names: string[]) => Object.assign(Object.create(null) as Record<string, boolean>, Object.fromEntries(names.map((n) => [n, true])));
const UNSIGNABLE = flags(["cache-control", "from", "keep-alive", "max-forwards", "pragma", "referer", "te", "trailer", "transfer-encoding", "upgrade"]);
const SIGNED = flags(["range"]);

/** One service endpoint: a host, the signing name and region, and a keep-alive agent. */
export class SignedHttp {
  private readonly url: URL;
  private readonly agent: Http.Agent;

  constructor(
    private readonly service: string,
    private readonly region: string,
    endpoint: string,
    private readonly credentials?: Credentials,
    /** Socket idle time after which a request is given up (and retried). */
    private readonly timeoutMs = 5000,
  ) {
    this.url = new URL(endpoint);
    this.agent = this.url.protocol === "https:" ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  }

  /** One signed request, no retries: the answer whatever its status; network errors throw. */
  async send(request: SignedRequest, credentials: Credentials = resolveCredentials(this.credentials)): Promise<SignedAnswer> {
    const path = request.query ? `${request.path}?${request.query}` : request.path;
    const signed = aws4.sign(
      {
        host: this.url.host,
        method: request.method,
        path,
        service: this.service,
        region: this.region,
        // The payload's hash as a header, as the SDK sends it to every service.
        headers: { ...request.headers, "x-amz-content-sha256": createHash("sha256").update(request.body ?? "").digest("hex") },
        ...(request.body !== undefined ? { body: request.body } : {}),
        extraHeadersToInclude: SIGNED,
        extraHeadersToIgnore: UNSIGNABLE,
      } as aws4.Request,
      credentials,
    );
    const { protocol, hostname, port } = this.url;
    const answer = await new Promise<IncomingMessage>((resolve, reject) => {
      const outgoing = (protocol === "https:" ? httpsRequest : httpRequest)(
        {
          protocol,
          hostname,
          ...(port ? { port: Number(port) } : {}),
          method: request.method,
          path,
          headers: signed.headers as OutgoingHttpHeaders,
          agent: this.agent,
          timeout: this.timeoutMs,
        },
        resolve,
      );
      outgoing.on("timeout", () => outgoing.destroy(new Error(`${this.service} did not answer within ${this.timeoutMs} ms`)));
      outgoing.on("error", reject);
      outgoing.end(request.body);
    });
    const chunks: Buffer[] = [];
    for await (const chunk of answer) chunks.push(chunk as Buffer);
    return { status: answer.statusCode ?? 0, headers: answer.headers, body: Buffer.concat(chunks) };
  }
}
