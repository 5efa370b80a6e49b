/**
 * The OpenAPI 3.1 document, generated from the route table and the very zod schemas the
 * handlers validate with (zod 4's JSON Schema output, draft 2020-12, which OpenAPI 3.1 uses).
 * `npm run openapi` writes it to `openapi.json`; `GET /openapi.json` serves that file.
 */
import * as z from "zod/mini";
import type { $ZodType } from "zod/v4/core";
import { routes, type ErrorStatus, type Route } from "./routes.js";
import { ErrorBody } from "./schemas.js";

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

function jsonSchema(schema: $ZodType, io: "input" | "output"): JsonSchema {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any" }) as JsonSchema;
  return rest;
}

/** Path or query parameters: one per property of the object schema. */
function parameters(schema: $ZodType | undefined, where: "path" | "query") {
  if (!schema) return [];
  const { properties = {}, required = [] } = jsonSchema(schema, "input") as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return { name, in: where, required: where === "path" || required.includes(name), schema: rest, ...(description ? { description } : {}) };
  });
}

const json = (schema: unknown) => ({ "application/json": { schema } });

function operation(route: Route) {
  const responses: Record<string, unknown> = {
    [route.status]: { description: route.status === 201 ? "Created" : "OK", content: json(jsonSchema(route.response, "output")) },
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
    security: route.auth === "jwt" ? [{ bearerJwt: [] }] : [],
    ...(route.params || route.query ? { parameters: [...parameters(route.params, "path"), ...parameters(route.query, "query")] } : {}),
    ...(route.body
      ? { requestBody: { required: true, description: `JSON, at most ${route.bodyLimit} bytes`, content: json(jsonSchema(route.body, "input")) } }
      : {}),
    responses,
  };
}

/** The whole document, from `routes` (every route, once). */
export function openApiDocument(table: readonly Route[] = routes) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of table) (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(route);
  return {
    openapi: "3.1.0",
    info: {
      title: "upload-broker",
      version: "2.0.0",
      description:
        "Upload tickets for direct-to-S3 uploads: presigned PUT URLs, POST policies and multipart uploads, bound to the caller (JWT `sub`) and to a named profile.",
    },
    paths,
    components: {
      securitySchemes: { bearerJwt: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
      schemas: { Error: jsonSchema(ErrorBody, "output") },
    },
  };
}
