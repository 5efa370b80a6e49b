/**
 * The OpenAPI 3.1 document, generated from the route table and the very zod schemas the
 * handlers validate with (zod 4's JSON Schema output, draft 2020-12, which OpenAPI 3.1 uses).
 * `npm run openapi` writes it to `openapi.json`; `GET /openapi.json` serves that file.
 */
import { isDeepStrictEqual } from "node:util";
import * as z from "zod/mini";
import type { $ZodType } from "zod/v4/core";
import packageJson from "../package.json" with { type: "json" };
import { routes, type ErrorStatus, type Route } from "./routes.js";
import { CompletionEventDetail, WebhookEvent } from "./domain/events.js";
import * as schemas from "./schemas.js";
import { AdminTicketView, ErrorBody, PublicProfile, TicketView } from "./schemas.js";

/** The codes of the contract's error table, by status. */
export const ERROR_CODES: Record<ErrorStatus, string[]> = {
  400: ["invalid_json"],
  401: ["unauthorized"],
  403: ["forbidden"],
  404: ["not_found"],
  409: ["invalid_state"],
  413: ["file_too_large", "body_too_large"],
  415: ["unsupported_media_type"],
  422: ["validation_failed"],
  429: ["quota_exceeded"],
  500: ["internal"],
  501: ["storage_unsupported"],
};

type JsonSchema = Record<string, unknown>;

/** The answers several routes share: written once under `components.schemas`, and named so in the client's types. */
const COMPONENTS = new Map<$ZodType, string>([
  [TicketView, "TicketView"],
  [AdminTicketView, "AdminTicketView"],
  [PublicProfile, "Profile"],
  [ErrorBody, "Error"],
  [WebhookEvent, "WebhookEvent"],
  [CompletionEventDetail, "CompletionEventDetail"],
]);
const named = z.registry<{ id: string }>();
for (const [schema, id] of COMPONENTS) named.add(schema, { id });

/**
 * A zod schema as JSON Schema (draft 2020-12). Named schemas come out as `$ref`s to
 * `#/components/schemas/<name>`, their bodies collected into `components` (one per name).
 */
export function jsonSchema(schema: $ZodType, io: "input" | "output", components: Record<string, JsonSchema>): JsonSchema {
  const converted = z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any", metadata: named });
  const { $schema: _, $defs = {}, ...rest } = JSON.parse(JSON.stringify(converted).replaceAll('"#/$defs/', '"#/components/schemas/')) as JsonSchema & {
    $defs?: Record<string, JsonSchema>;
  };
  for (const [id, body] of Object.entries($defs)) {
    if (components[id] && !isDeepStrictEqual(components[id], body)) throw new Error(`components.schemas.${id} would have two different bodies (input and output?)`);
    components[id] = body;
  }
  return rest;
}

/** The schema a route answers with (routes name it, so that Lambda bundles need not build it). */
export const responseSchema = (route: Route): $ZodType => schemas[route.response];

/** Path or query parameters: one per property of the object schema. */
function parameters(schema: $ZodType | undefined, where: "path" | "query", components: Record<string, JsonSchema>) {
  if (!schema) return [];
  const { properties = {}, required = [] } = jsonSchema(schema, "input", components) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return { name, in: where, required: where === "path" || required.includes(name), schema: rest, ...(description ? { description } : {}) };
  });
}

const json = (schema: unknown) => ({ "application/json": { schema } });

function operation(route: Route, components: Record<string, JsonSchema>) {
  const responses: Record<string, unknown> = {
    [route.status]: { description: route.status === 201 ? "Created" : "OK", content: json(jsonSchema(responseSchema(route), "output", components)) },
  };
  for (const status of route.errors) {
    responses[status] = {
      description: ERROR_CODES[status].map((code) => `\`${code}\``).join(" or "),
      content: json({ $ref: "#/components/schemas/Error" }),
      ...(status === 429 ? { headers: { "Retry-After": { description: "Seconds until the quota allows again", schema: { type: "integer" } } } } : {}),
    };
  }
  return {
    operationId: route.id,
    summary: route.summary,
    security: route.auth === "jwt" ? [{ bearerJwt: [] }] : route.auth === "iam" ? [{ sigv4: [] }] : [],
    ...(route.params || route.query ? { parameters: [...parameters(route.params, "path", components), ...parameters(route.query, "query", components)] } : {}),
    ...(route.body
      ? { requestBody: { required: true, description: `JSON, at most ${route.bodyLimit} bytes`, content: json(jsonSchema(route.body, "input", components)) } }
      : {}),
    responses,
  };
}

const signatureHeader = (name: string, description: string) => ({ name, in: "header", required: true, schema: { type: "string" }, description });

/** What the broker POSTs to a webhook receiver, signed by the Standard Webhooks scheme. */
function webhook(components: Record<string, JsonSchema>) {
  return {
    post: {
      summary: "A ticket reached a final status (completed, rejected, aborted, deleted).",
      description:
        "POSTed to the deployed stack's `webhookUrl` (by its deliver-webhook function) and to local mode's `WEBHOOK_URL`, alike. Signed by the Standard Webhooks scheme (standardwebhooks.com): HMAC-SHA256 keyed by the secret's bytes (`whsec_` + base64; the stack's generated secret is the base64 alone, the same secret) over `<webhook-id>.<webhook-timestamp>.<raw body>`. Receivers check the signature over the raw body, refuse timestamps more than 5 minutes away and deliveries already seen, and process each event `id` once (retries keep the id, with a fresh timestamp and signature). `upload-broker-client/server` exports `verifyWebhook`, which does all of it.",
      parameters: [
        signatureHeader("webhook-id", "The event's id; the same on every retry of it."),
        signatureHeader("webhook-timestamp", "Unix seconds when this attempt was signed."),
        signatureHeader("webhook-signature", "`v1,<base64 HMAC-SHA256>`; several space-separated during a secret rotation."),
      ],
      requestBody: { required: true, content: json(jsonSchema(WebhookEvent, "output", components)) },
      responses: {
        "2XX": { description: "Received. No answer within 10 s, a 408, a 429 or a 5xx is retried (the stack: by Lambda, one and two minutes later, then the webhook's dead-letter queue; local mode: three times within seconds); any other answer is a refusal, not retried." },
      },
    },
  };
}

/** The whole document, from `routes` (every route, once). */
export function openApiDocument(table: readonly Route[] = routes) {
  const schemas: Record<string, JsonSchema> = {};
  jsonSchema(ErrorBody, "output", schemas);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of table) (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(route, schemas);
  return {
    openapi: "3.1.0",
    info: {
      title: "upload-broker",
      version: packageJson.version,
      description:
        "Upload tickets for direct-to-S3 uploads: presigned PUT URLs, POST policies and multipart uploads, bound to the caller (JWT `sub`) and to a named profile. HTTP contract v2 (see docs/api.md); `info.version` is the upload-broker release.",
    },
    paths,
    webhooks: { uploadEvent: webhook(schemas) },
    components: {
      securitySchemes: {
        bearerJwt: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
        // API Gateway's IAM authorizer: the request is signed with AWS Signature Version 4 (service `execute-api`).
        sigv4: {
          type: "apiKey", in: "header", name: "Authorization",
          description: "AWS Signature Version 4 (service `execute-api`) with credentials allowed `execute-api:Invoke` on the admin routes; see docs/api.md#admin-routes.",
          "x-amazon-apigateway-authtype": "awsSigv4",
        },
      },
      schemas: Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b))),
    },
  };
}
