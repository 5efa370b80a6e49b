import { isUtf8 } from "node:buffer";
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from "aws-lambda";
import type { HttpEvent } from "../functions/http.js";

const TEXT = /^(?:text\/|application\/(?:json|x-www-form-urlencoded|xml)|[^;]*\+json)/i;

/**
 * The API Gateway HTTP API (payload 2.0) event for a request, as the Lambda would get it:
 * lowercase headers and repeated values joined with commas, query parameters, path
 * parameters, the authorizer's claims, and a base64 body for non-text content (or text
 * content that is not valid UTF-8).
 */
export function toHttpEvent(
  req: IncomingMessage,
  body: Buffer,
  route: { routeKey: string; pathParameters?: Record<string, string> },
  claims?: Record<string, string>,
): HttpEvent {
  const url = new URL(req.url ?? "/", "http://localhost");
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && name !== "cookie") headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = name in query ? `${query[name]},${value}` : value;
  // A text body that is not UTF-8 goes as base64, as bytes: decoding it here would hide the
  // bad bytes behind U+FFFD and triple their size.
  const text = body.length === 0 || (TEXT.test(headers["content-type"] ?? "") && isUtf8(body));
  const now = new Date();
  const event: Omit<APIGatewayProxyEventV2WithJWTAuthorizer, "requestContext"> & { requestContext: Record<string, unknown> } = {
    version: "2.0",
    routeKey: route.routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(req.headers.cookie ? { cookies: req.headers.cookie.split(/;\s*/) } : {}),
    headers,
    ...(url.search ? { queryStringParameters: query } : {}),
    ...(route.pathParameters ? { pathParameters: route.pathParameters } : {}),
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      ...(claims ? { authorizer: { jwt: { claims, scopes: [] }, principalId: "", integrationLatency: 0 } } : {}),
      domainName: headers.host ?? "localhost",
      domainPrefix: (headers.host ?? "localhost").split(".")[0]!,
      http: {
        method: req.method ?? "GET",
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: randomUUID(),
      routeKey: route.routeKey,
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body: text ? body.toString("utf8") : body.toString("base64") } : {}),
    isBase64Encoded: !text,
  };
  return event as unknown as HttpEvent;
}
