/**
 * The only place that reads API Gateway events and builds API responses. Every error
 * becomes the contract's `{"error":{code,message,details?}}`; unknown ones are logged once
 * and answered with a generic 500.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { safeParse } from "zod/mini";
import type * as z from "zod/v4/core";
import { decodeJwt } from "jose";
import { principalFromClaims, type Principal } from "./domain/principal.js";
import { MAX_BODY_BYTES } from "./domain/limits.js";
import { AppError, BodyTooLargeError, ForbiddenError, InvalidJsonError, NotFoundError, QuotaExceededError, UnauthorizedError, ValidationError, type ErrorDetail } from "./errors.js";

/** An HTTP API (payload 2.0) event, with or without the JWT authorizer's context. */
export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;
export type HttpHandler = (event: HttpEvent) => Promise<HttpResult>;

const HEADERS = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" };

export const json = (statusCode: number, body: unknown): HttpResult => ({
  statusCode,
  headers: HEADERS,
  body: JSON.stringify(body),
});
export const ok = (body: unknown) => json(200, body);

/** Wraps a handler so that whatever it throws becomes a contract error response. */
export function httpHandler(fn: HttpHandler): HttpHandler {
  return async (event) => {
    try {
      return await fn(event);
    } catch (error) {
      logUnexpected(error);
      return errorResponse(error);
    }
  };
}

/** The contract's error body for `error`; anything but an `AppError` is a generic 500. */
export function errorResponse(error: unknown): HttpResult {
  if (error instanceof AppError) {
    const { code, message, details } = error;
    const result = json(error.status, { error: { code, message, ...(details ? { details } : {}) } });
    if (error instanceof QuotaExceededError) result.headers = { ...HEADERS, "retry-after": String(error.retryAfterSeconds) };
    return result;
  }
  return json(500, { error: { code: "internal", message: "Something went wrong on our side; please try again." } });
}

/**
 * Logs an unexpected error (not an `AppError`) once, with its stack and cause. Through
 * `console.error`: the functions log in Lambda's JSON format, which adds timestamp, level and
 * request id, and a logging library here would weigh on every HTTP function's cold start.
 */
export function logUnexpected(error: unknown): void {
  if (error instanceof AppError) return;
  console.error(error);
}

/**
 * Claims the authorizer passed that the decoded token must carry too, value for value. `exp`
 * is always among them: API Gateway refuses tokens without it.
 */
const BOUND_CLAIMS = ["sub", "iss", "exp", "iat", "jti"] as const;

/**
 * The caller, from the token itself. The JWT authorizer has verified the `Authorization`
 * header's token (signature, issuer, audience, times) before the function runs, but hands its
 * claims over as strings with arrays flattened (`["Former staff"]` arrives as `[Former staff]`),
 * so groups cannot be read from them safely. The payload is decoded from the same header and
 * must agree with every bound claim the authorizer verified; no authorizer context, no token or
 * any disagreement → 401.
 */
export function principalFrom(event: HttpEvent): Principal {
  const context = event?.requestContext as { authorizer?: { jwt?: { claims?: unknown } } } | undefined;
  const verified = context?.authorizer?.jwt?.claims;
  const token = BEARER.exec(event?.headers?.authorization?.trim() ?? "")?.[1];
  if (typeof verified !== "object" || verified === null || !("exp" in verified) || !token) throw new UnauthorizedError();
  let payload: Record<string, unknown>;
  try {
    payload = decodeJwt(token);
  } catch {
    throw new UnauthorizedError();
  }
  for (const name of BOUND_CLAIMS) {
    const expected = (verified as Record<string, unknown>)[name];
    if (expected !== undefined && String(expected) !== claimText(payload[name])) throw new UnauthorizedError();
  }
  return principalFromClaims(payload);
}

/** Who signed an IAM-authorized request, as API Gateway's IAM authorizer names it. */
export interface IamCaller {
  /** The signer's ARN: an IAM user, or a role's session (`arn:aws:sts::…:assumed-role/…`). */
  arn: string;
  accountId: string;
}

/**
 * The caller of an IAM-authorized route. API Gateway has verified the SigV4 signature and the
 * caller's `execute-api:Invoke` permission before the function runs; an event without that
 * authorizer's context (a JWT route's, or none) is refused with 403, so a user's token never
 * reaches an admin route even if a route were misconfigured.
 */
export function iamCallerFrom(event: HttpEvent): IamCaller {
  const context = event?.requestContext as { authorizer?: { iam?: { userArn?: unknown; accountId?: unknown } } } | undefined;
  const iam = context?.authorizer?.iam;
  if (typeof iam?.userArn !== "string" || iam.userArn === "" || typeof iam.accountId !== "string") {
    throw new ForbiddenError("This route takes requests signed with AWS credentials (SigV4) only.");
  }
  return { arn: iam.userArn, accountId: iam.accountId };
}

/** API Gateway takes the token with or without the `Bearer` scheme. */
const BEARER = /^(?:Bearer\s+)?([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/i;

/** A claim as API Gateway writes it into the authorizer context. */
const claimText = (value: unknown) => (typeof value === "string" ? value : typeof value === "number" ? String(value) : undefined);

/**
 * Parses and validates a JSON body: more than `limit` bytes as received → 413, not UTF-8 or
 * not a JSON object → 400, schema → 422.
 */
export function parseBody<S extends z.$ZodType>(event: HttpEvent, schema: S, limit = MAX_BODY_BYTES): z.output<S> {
  const result = safeParse(schema, parseJsonObject(event, limit));
  if (!result.success) throw new ValidationError(result.error.issues.flatMap(toDetails));
  return result.data;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
/** zod's records and objects skip this key silently, so a body holding it is refused outright. */
const PROTO = "__proto__";

/** The body as a JSON object; sizes count the bytes received (a base64 body's decoded bytes). */
export function parseJsonObject(event: HttpEvent, limit = MAX_BODY_BYTES): Record<string, unknown> {
  const raw = typeof event?.body === "string" ? event.body : "";
  let text = raw;
  if (event.isBase64Encoded) {
    if (raw.length > (limit * 4) / 3 + 4) throw new BodyTooLargeError(limit);
    const bytes = Buffer.from(raw, "base64");
    if (bytes.length > limit) throw new BodyTooLargeError(limit);
    try {
      text = utf8.decode(bytes);
    } catch {
      throw new InvalidJsonError("The request body must be UTF-8 encoded JSON.");
    }
  } else if (raw.length > limit || (raw.length > limit / 3 && Buffer.byteLength(raw) > limit)) {
    // A UTF-16 unit is at most 3 UTF-8 bytes, so a short plain body needs no count.
    throw new BodyTooLargeError(limit);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidJsonError();
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new InvalidJsonError();
  // An escape can spell the key too (`\u005f_proto__`), so any escape means a look.
  if (text.includes(PROTO) || text.includes("\\u")) {
    const found = protoPaths(value, "");
    if (found.length > 0) throw new ValidationError(found.map((path) => ({ path, message: "unknown field" })));
  }
  return value as Record<string, unknown>;
}

function protoPaths(value: unknown, path: string): string[] {
  if (typeof value !== "object" || value === null) return [];
  const here = path ? `${path}.` : "";
  return Object.keys(value).flatMap((key) =>
    key === PROTO ? [`${here}${key}`] : protoPaths((value as Record<string, unknown>)[key], `${here}${key}`),
  );
}

/** Validates the query string: schema violations → 422. */
export function parseQuery<S extends z.$ZodType>(event: HttpEvent, schema: S): z.output<S> {
  const result = safeParse(schema, event?.queryStringParameters ?? {});
  if (!result.success) throw new ValidationError(result.error.issues.flatMap(toDetails));
  return result.data;
}

/** Validates the path parameters: a path that names nothing valid names nothing → 404. */
export function parseParams<S extends z.$ZodType>(event: HttpEvent, schema: S): z.output<S> {
  const result = safeParse(schema, event?.pathParameters ?? {});
  if (!result.success) throw new NotFoundError();
  return result.data;
}

function toDetails(issue: z.$ZodIssue): ErrorDetail[] {
  const path = issue.path.map(String).join(".");
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({ path: path ? `${path}.${key}` : key, message: "unknown field" }));
  }
  return [{ path: path || "body", message: issue.message }];
}
