/**
 * The only place that reads API Gateway events and builds API responses. Every error
 * becomes the contract's `{"error":{code,message,details?}}`; unknown ones are logged once
 * and answered with a generic 500.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { safeParse } from "zod/mini";
import type * as z from "zod/v4/core";
import { principalFromClaims, type Principal } from "./domain/principal.js";
import { MAX_BODY_BYTES } from "./domain/limits.js";
import { AppError, BodyTooLargeError, InvalidJsonError, ValidationError, type ErrorDetail } from "./errors.js";

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
export const created = (body: unknown) => json(201, body);

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
    return json(error.status, { error: { code, message, ...(details ? { details } : {}) } });
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

/** The caller, from the claims the JWT authorizer verified; none → 401. */
export function principalFrom(event: HttpEvent): Principal {
  const context = event?.requestContext as { authorizer?: { jwt?: { claims?: unknown } } } | undefined;
  return principalFromClaims(context?.authorizer?.jwt?.claims);
}

/** Parses and validates a JSON body: too big → 413, not a JSON object → 400, schema → 422. */
export function parseBody<S extends z.$ZodType>(event: HttpEvent, schema: S): z.output<S> {
  const raw = typeof event?.body === "string" ? event.body : "";
  if (raw.length > (event.isBase64Encoded ? (MAX_BODY_BYTES * 4) / 3 + 4 : MAX_BODY_BYTES)) {
    throw new BodyTooLargeError(MAX_BODY_BYTES);
  }
  const text = event.isBase64Encoded ? decodeBase64(raw) : raw;
  // A UTF-16 unit is at most 3 UTF-8 bytes, so a short plain body needs no count.
  if (!event.isBase64Encoded && raw.length > MAX_BODY_BYTES / 3 && Buffer.byteLength(raw) > MAX_BODY_BYTES) {
    throw new BodyTooLargeError(MAX_BODY_BYTES);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidJsonError();
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new InvalidJsonError();
  const result = safeParse(schema, value);
  if (!result.success) throw new ValidationError(result.error.issues.flatMap(toDetails));
  return result.data;
}

/** A base64 body as text, refused by its decoded size (not the size of its re-encoded text). */
function decodeBase64(raw: string): string {
  const bytes = Buffer.from(raw, "base64");
  if (bytes.length > MAX_BODY_BYTES) throw new BodyTooLargeError(MAX_BODY_BYTES);
  return bytes.toString("utf8");
}

/** Validates the query string: schema violations → 422. */
export function parseQuery<S extends z.$ZodType>(event: HttpEvent, schema: S): z.output<S> {
  const result = safeParse(schema, event?.queryStringParameters ?? {});
  if (!result.success) throw new ValidationError(result.error.issues.flatMap(toDetails));
  return result.data;
}

/** A path parameter of the route, `""` when absent. */
export const pathParameter = (event: HttpEvent, name: string): string => event?.pathParameters?.[name] ?? "";

function toDetails(issue: z.$ZodIssue): ErrorDetail[] {
  const path = issue.path.map(String).join(".");
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({ path: path ? `${path}.${key}` : key, message: "unknown field" }));
  }
  return [{ path: path || "body", message: issue.message }];
}
