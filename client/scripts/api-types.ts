/**
 * Writes the client's API types from the broker's route table: each route's path parameters,
 * query, body and answer, as JSON Schema through the same conversion `openapi.json` uses
 * (shared answers such as `TicketView` named once), turned into TypeScript by
 * json-schema-to-typescript. The published `.d.ts` imports nothing outside `client/`, and
 * `client/test/schema-types.ts` proves each type equal to the schema's `z.infer`.
 */
import { compile, type JSONSchema } from "json-schema-to-typescript";
import { jsonSchema, responseSchema } from "../../functions/openapi.js";
import { routes } from "../../functions/routes.js";
import { WebhookEvent } from "../../functions/domain/events.js";
import { ErrorBody } from "../../functions/schemas.js";

type Schema = Record<string, unknown>;

/** An object that may have no properties at all (`{}` in TypeScript would take anything but null). */
function closeEmptyObjects(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(closeEmptyObjects);
  if (!value || typeof value !== "object") return value;
  const schema = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, closeEmptyObjects(v)])) as Schema;
  const empty = schema.type === "object" && schema.additionalProperties === false && Object.keys((schema.properties as Schema | undefined) ?? {}).length === 0;
  return empty ? { ...schema, tsType: "Record<string, never>" } : schema;
}

/** The whole module's text. */
export async function apiTypesSource(): Promise<string> {
  const components: Record<string, Schema> = {};
  const properties: Record<string, Schema> = {};
  for (const route of routes) {
    const fields: Record<string, Schema> = {};
    if (route.params) fields.params = jsonSchema(route.params, "input", components);
    if (route.query) fields.query = jsonSchema(route.query, "input", components);
    if (route.body) fields.body = jsonSchema(route.body, "input", components);
    fields.response = jsonSchema(responseSchema(route), "output", components);
    properties[route.id] = {
      description: `\`${route.method} ${route.path}\`: ${route.summary}`,
      type: "object",
      properties: fields,
      required: Object.keys(fields),
      additionalProperties: false,
    };
  }
  jsonSchema(ErrorBody, "output", components);
  jsonSchema(WebhookEvent, "output", components);
  const document = {
    title: "Routes",
    description: "Every route of the broker, by operation id: path parameters, query, JSON body and success answer.",
    type: "object",
    properties,
    required: Object.keys(properties),
    additionalProperties: false,
    $defs: Object.fromEntries(Object.entries(components).map(([id, schema]) => [id, { ...schema, title: id === "Error" ? "ErrorBody" : id }])),
  };
  const text = JSON.stringify(document).replaceAll('"#/components/schemas/', '"#/$defs/');
  const source = await compile(closeEmptyObjects(JSON.parse(text)) as JSONSchema, "Routes", {
    bannerComment: "// Generated from functions/routes.ts by client/scripts/api-types.ts (npm run build in client/). Do not edit.",
    additionalProperties: false,
    unreachableDefinitions: true,
    ignoreMinAndMaxItems: true,
    format: true,
    style: { printWidth: 120 },
  });
  return source;
}
