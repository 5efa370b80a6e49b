/**
 * Holds real answers to the committed OpenAPI document: the schema of the route and status
 * they came from (the error body for every error status). An answer with a status the route
 * does not declare, or a body its schema refuses, fails the test that received it.
 */
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { expect } from "vitest";
import { routes, type EntryRoute as Route } from "../../functions/routes.js";

const document = JSON.parse(readFileSync(new URL("../../openapi.json", import.meta.url), "utf8")) as {
  paths: Record<string, Record<string, { responses: Record<string, { content?: { "application/json"?: { schema: unknown } } }> }>>;
  components: { schemas: Record<string, unknown> };
};

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema({ $id: "openapi", components: document.components });

const compiled = new Map<string, ReturnType<typeof ajv.compile>>();
function validatorFor(route: Route, status: number) {
  const id = `${route.id} ${status}`;
  if (!compiled.has(id)) {
    const response = document.paths[route.path]?.[route.method.toLowerCase()]?.responses[String(status)];
    if (!response) throw new Error(`${route.method} ${route.path} answered ${status}, which the OpenAPI document does not declare`);
    const schema = JSON.parse(JSON.stringify(response.content?.["application/json"]?.schema ?? {}).replaceAll('"#/components', '"openapi#/components'));
    compiled.set(id, ajv.compile(schema));
  }
  return compiled.get(id)!;
}

const patterns = routes.map((route) => ({ route, pattern: new RegExp(`^${route.path.replace(/\./g, "\\.").replace(/\{\w+\}/g, "[^/]+")}$`) }));

/** The route of a request, by method and path (e.g. `GET /uploads/01J…`). */
export function routeOf(method: string, path: string): Route | undefined {
  const pathname = path.split("?")[0]!;
  return patterns.find((p) => p.route.method === method && p.pattern.test(pathname))?.route;
}

/** Fails unless `body` is what the document says `route` answers with `status`. */
export function expectDocumented(route: Route, status: number, body: unknown): void {
  const validate = validatorFor(route, status);
  expect(validate(body) ? [] : validate.errors, `${route.method} ${route.path} ${status} against openapi.json`).toEqual([]);
}

/** `fetch` that holds every answer of a contract route to the document (other URLs pass as they are). */
export async function documentedFetch(input: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(input, init);
  const url = new URL(input);
  const route = routeOf((init.method ?? "GET").toUpperCase(), url.pathname);
  if (route) expectDocumented(route, response.status, await response.clone().json());
  return response;
}

/** A handler wrapped so that each answer is held to the document for `route`. */
export function documented<E>(routeId: Route["id"], handler: (event: E) => Promise<{ statusCode?: number; body?: string }>) {
  const route = routes.find((r) => r.id === routeId)!;
  return async (event: E) => {
    const result = await handler(event);
    expectDocumented(route, result.statusCode ?? 200, JSON.parse(result.body ?? "null"));
    return result;
  };
}
