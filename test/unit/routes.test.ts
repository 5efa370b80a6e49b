/**
 * The routes, declared once: ids and keys are unique, every Lambda entry file exists and
 * dispatches exactly its routes, and the committed OpenAPI document is the one the routes
 * generate, valid OpenAPI 3.1.
 */
import { existsSync, readFileSync } from "node:fs";
import { validate, compileErrors } from "@readme/openapi-parser";
import { describe, expect, it, vi } from "vitest";
import { DEMO_PROFILES } from "../../functions/domain/demo-profiles.js";
import { makeOpenApiHandler } from "../../functions/handlers/public.js";
import { openApiDocument } from "../../functions/openapi.js";
import { HTTP_ENTRIES, httpEntries, routeKey, routes } from "../../functions/routes.js";
import { bodyOf, httpEvent } from "../support/fixtures.js";

describe("the route table", () => {
  it("names each route once, by id and by method and path", () => {
    expect(new Set(routes.map((r) => r.id)).size).toBe(routes.length);
    expect(new Set(routes.map(routeKey)).size).toBe(routes.length);
  });

  it("names Lambda entries that exist, each with a handler export file", () => {
    for (const entry of httpEntries()) expect(existsSync(new URL(`../../functions/entries/${entry}.ts`, import.meta.url)), entry).toBe(true);
  });

  it.each(routes.map((r) => [r.id, r] as const))("%s: declares the errors every route of its kind can answer", (_id, route) => {
    expect(route.errors).toContain(500);
    if (route.auth === "jwt") expect(route.errors).toContain(401);
    if (route.body) expect(route.errors).toEqual(expect.arrayContaining([400, 413, 422]));
    if (route.body) expect(route.bodyLimit).toBeGreaterThan(0);
  });

  it.each(HTTP_ENTRIES.map((e) => [e.name, e] as const))(
    "the %s Lambda entry dispatches exactly its routes (keys derived from them) and answers anything else with the contract's 404",
    async (name, entry) => {
      vi.stubEnv("BUCKET_NAME", "uploads");
      vi.stubEnv("TABLE_NAME", "tickets");
      vi.stubEnv("PROFILES", JSON.stringify(DEMO_PROFILES));
      const { handler } = (await import(`../../functions/entries/${name}.ts`)) as { handler: (event: unknown) => Promise<{ statusCode: number; body: string }> };
      vi.unstubAllEnvs();
      for (const { route } of entry.endpoints) {
        // No authorizer context: a JWT route answers 401 before any call, an IAM one 403, a public one its answer.
        const result = await handler({ ...httpEvent({ claims: null }), routeKey: routeKey(route), rawPath: route.path });
        expect(result.statusCode, route.id).toBe({ jwt: 401, iam: 403, none: 200 }[route.auth]);
        if (route.auth === "iam") {
          // A user's valid token (the JWT authorizer's context) never opens an admin route.
          const withToken = await handler({ ...httpEvent(), routeKey: routeKey(route), rawPath: route.path });
          expect(withToken.statusCode, route.id).toBe(403);
          expect(bodyOf(withToken).error.code).toBe("forbidden");
        }
      }
      const other = routes.find((route) => route.entry !== name)!;
      for (const routeKey_ of ["$default", routeKey(other)]) {
        const missing = await handler({ ...httpEvent(), routeKey: routeKey_, rawPath: "/nope" });
        expect(missing.statusCode).toBe(404);
        expect(bodyOf(missing).error.code).toBe("not_found");
      }
    },
  );
});

describe("openapi.json", () => {
  const committed = JSON.parse(readFileSync(new URL("../../openapi.json", import.meta.url), "utf8"));

  it("is the document the route table generates (run `npm run openapi` after changing a route)", () => {
    expect(committed).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
  });

  it("is valid OpenAPI 3.1 by a maintained validator", async () => {
    const result = await validate(structuredClone(committed));
    expect(result.valid ? "" : compileErrors(result)).toBe("");
  });

  it("has every route with its parameters, body, success and error answers, and the bearer scheme where the JWT is needed", () => {
    for (const route of routes) {
      const op = committed.paths[route.path][route.method.toLowerCase()];
      expect(op.operationId).toBe(route.id);
      expect(Object.keys(op.responses).map(Number).sort()).toEqual([route.status, ...route.errors].sort());
      expect(op.security).toEqual({ jwt: [{ bearerJwt: [] }], iam: [{ sigv4: [] }], none: [] }[route.auth]);
      if (route.body) expect(op.requestBody.content["application/json"].schema.type).toBe("object");
      for (const name of route.path.match(/\{(\w+)\}/g)?.map((p) => p.slice(1, -1)) ?? []) {
        expect(op.parameters).toContainEqual(expect.objectContaining({ name, in: "path", required: true }));
      }
    }
    expect(committed.components.securitySchemes.bearerJwt).toEqual({ type: "http", scheme: "bearer", bearerFormat: "JWT" });
  });

  it("names the shared answers once under components, and carries the package's version", () => {
    const text = JSON.stringify(committed.paths);
    expect(text).not.toContain('"rejectReason"');
    expect(text).toContain('"#/components/schemas/TicketView"');
    expect(committed.paths["/uploads/{uploadId}"].get.responses["200"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/TicketView" });
    expect(Object.keys(committed.components.schemas).sort()).toEqual(["AdminTicketView", "CompletionEventDetail", "Error", "Profile", "TicketView", "WebhookEvent"]);
    const hook = committed.webhooks.uploadEvent.post;
    expect(hook.requestBody.content["application/json"].schema).toEqual({ $ref: "#/components/schemas/WebhookEvent" });
    expect(hook.parameters.map((p: { name: string }) => p.name)).toEqual(["webhook-id", "webhook-timestamp", "webhook-signature"]);
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    expect(committed.info.version).toBe(pkg.version);
  });

  it("documents media types in any case, as the API accepts them", () => {
    const pattern = new RegExp(committed.paths["/sign/put"].post.requestBody.content["application/json"].schema.properties.contentType.pattern);
    expect(pattern.test("IMAGE/PNG")).toBe(true);
    expect(pattern.test("image/png; charset=x")).toBe(false);
  });

  it("GET /openapi.json serves it", async () => {
    expect(bodyOf(await makeOpenApiHandler()(httpEvent()))).toEqual(committed);
  });
});

describe("the answer check of the integration tests", () => {
  it("can fail: an undeclared status, a body its schema refuses", async () => {
    const { expectDocumented } = await import("../support/openapi.js");
    const route = routes.find((r) => r.id === "getUpload")!;
    expect(() => expectDocumented(route, 418, {})).toThrow(/does not declare/);
    expect(() => expectDocumented(route, 404, { error: { code: "Not Found" } })).toThrow();
    expect(() => expectDocumented(route, 200, { uploadId: 1 })).toThrow();
    expectDocumented(route, 404, { error: { code: "not_found", message: "No such upload." } });
  });
});
