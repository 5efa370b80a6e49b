/**
 * Writes the client's API types from the broker's route table: each route's body, query and
 * answer, through zod's JSON Schema output (the same conversion `openapi.json` uses), printed
 * as plain TypeScript. The published `.d.ts` imports nothing outside `client/`, and
 * `client/test/schema-types.ts` proves each type equal to the schema's `z.infer`.
 */
import * as z from "zod/mini";
import type { $ZodType } from "zod/v4/core";
import { routes } from "../../functions/routes.js";
import { ErrorBody } from "../../functions/schemas.js";

type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
};

const indent = (text: string) => text.replace(/\n/g, "\n  ");
const name = (key: string) => (/^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key));

/** JSON Schema (draft 2020-12, as zod emits it) → a TypeScript type expression. */
function print(schema: JsonSchema): string {
  if (schema.anyOf ?? schema.oneOf) return (schema.anyOf ?? schema.oneOf)!.map(print).join(" | ");
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (Array.isArray(schema.type)) return schema.type.map((type) => print({ ...schema, type })).join(" | ");
  switch (schema.type) {
    case "string": return "string";
    case "number": case "integer": return "number";
    case "boolean": return "boolean";
    case "null": return "null";
    case "array": return `Array<${print(schema.items ?? {})}>`;
    case "object": {
      const required = new Set(schema.required ?? []);
      const lines = Object.entries(schema.properties ?? {}).map(([key, value]) => `${name(key)}${required.has(key) ? "" : "?"}: ${print(value)};`);
      const extra = schema.additionalProperties;
      if (extra && typeof extra === "object") lines.push(`[key: string]: ${print(extra)};`);
      return lines.length ? `{\n  ${indent(lines.join("\n"))}\n}` : "Record<string, never>";
    }
    default: return "unknown";
  }
}

const json = (schema: $ZodType, io: "input" | "output") => z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any" }) as JsonSchema;

/** The whole module's text. */
export function apiTypesSource(): string {
  const entries = routes.map((route) => {
    const parts = [
      "params" in route ? `params: ${print(json(route.params, "input"))};` : "",
      "query" in route ? `query: ${print(json(route.query, "input"))};` : "",
      "body" in route ? `body: ${print(json(route.body, "input"))};` : "",
      `response: ${print(json(route.response, "output"))};`,
    ].filter(Boolean);
    return `/** \`${route.method} ${route.path}\`: ${route.summary} */\n${route.id}: {\n  ${indent(parts.join("\n"))}\n};`;
  });
  return `// Generated from functions/routes.ts by client/scripts/api-types.ts (npm run build in client/). Do not edit.

/** Every route of the broker: path parameters, query, JSON body and success answer. */
export interface Routes {
  ${indent(entries.join("\n"))}
}

/** The contract's error body. */
export type ErrorBody = ${print(json(ErrorBody, "output"))};
`;
}
