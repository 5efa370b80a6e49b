/**
 * docs/contributing.md's promise, proven on a scratch copy of the project: a new route is its
 * response schema, its route object with its handler, and one line in its entry's list. The stack, local mode, the
 * OpenAPI document, the client's types and the Lambda entry's dispatch all pick it up with no
 * other edit; a handler answering the wrong shape fails the typecheck.
 */
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "..", "..");
const TSC = join(ROOT, "node_modules", ".bin", "tsc");

/** The route a contributor adds: its answer's schema among the response schemas… */
const RESPONSE = `
export const UsageLimitsResponse = z.object({ profiles: z.array(z.string()), sub: z.string() });
`;
/** …one object and its handler in the feature's module… */
const ROUTE = `
export const makeUsageLimitsHandler = endpoint(
  {
    id: "usageLimits", method: "GET", path: "/usage/limits", auth: "jwt",
    summary: "The caller's quota limits.", status: 200, response: "UsageLimitsResponse", errors: [...AUTHED],
    access: { table: ["dynamodb:Query"] },
  },
  (deps: UsageDeps) => async ({ user }) => ({ profiles: deps.profiles.filter((p) => p.quota).map((p) => p.name), sub: user.sub }),
);

`;
/** …and the one line in its entry's list. */
const LIST_BEFORE = `httpEntry("usage", [makeUsageHandler])`;
const LIST_AFTER = `httpEntry("usage", [makeUsageHandler, makeUsageLimitsHandler])`;

/** What the scratch copy reports of itself (run there with tsx). */
const PROBE = `
import { App, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { UploadBroker } from "./lib/upload-broker.js";
import { openApiDocument } from "./functions/openapi.js";
import { apiTypesSource } from "./client/scripts/api-types.js";
import { startLocalServer } from "./local/server.js";
import { loadLocalConfig } from "./local/config.js";

const app = new App({ context: { "aws:cdk:bundling-stacks": [] } });
const stack = new Stack(app, "Scratch");
new UploadBroker(stack, "Broker");
const template = Template.fromStack(stack).toJSON();
const resources = Object.entries(template.Resources) as [string, { Type: string; Properties: any }][];
const route = resources.find(([, r]) => r.Type === "AWS::ApiGatewayV2::Route" && r.Properties.RouteKey === "GET /usage/limits");
const integration = route && resources.find(([id]) => id === route[1].Properties.Target["Fn::Join"][1][1].Ref)?.[1];
const fnId = integration?.Properties.IntegrationUri["Fn::GetAtt"][0];
const role = resources.find(([id]) => id === template.Resources[fnId]?.Properties.Role["Fn::GetAtt"][0])?.[0];
const policies = resources.filter(([, r]) => r.Type === "AWS::IAM::Policy" && r.Properties.Roles.some((x: any) => x.Ref === role));
const actions = policies.flatMap(([, p]) => p.Properties.PolicyDocument.Statement.flatMap((s: any) => [s.Action].flat()));

process.env.BUCKET_NAME = "uploads"; process.env.TABLE_NAME = "tickets"; process.env.PROFILES = JSON.stringify([{ name: "avatar", contentTypes: ["image/png"], maxBytes: 1000 }]);
const { handler } = await import("./functions/entries/usage.js");
const dispatched = await handler({ routeKey: "GET /usage/limits", rawPath: "/usage/limits", headers: {}, requestContext: { http: { method: "GET" } } } as any);

const server = await startLocalServer(loadLocalConfig({ PORT: "0", LOCAL_DATA_DIR: process.argv[2]! }));
const { token } = await (await fetch(server.url + "/dev/token", { method: "POST", body: JSON.stringify({ sub: "alice" }) })).json() as { token: string };
const local = await fetch(server.url + "/usage/limits", { headers: { authorization: "Bearer " + token } });
const localBody = await local.json();
await server.close();

console.log(JSON.stringify({
  function: fnId, actions,
  openApi: openApiDocument().paths["/usage/limits"]?.get?.operationId,
  clientTypes: /usageLimits: \\{[^]*?response: \\{[^]*?sub: string/.test(await apiTypesSource()),
  dispatched: dispatched.statusCode,
  local: { status: local.status, body: localBody },
}));
`;

describe("adding a route", () => {
  let scratch: string;
  const usage = () => join(scratch, "functions", "handlers", "usage.ts");

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), "upload-broker-route-"));
    for (const part of ["functions", "lib", "local", "bin", "types", "client/scripts", "client/src", "openapi.json", "package.json", "package-lock.json", "cdk.json"]) {
      cpSync(join(ROOT, part), join(scratch, part), { recursive: true });
    }
    symlinkSync(join(ROOT, "node_modules"), join(scratch, "node_modules"), "dir");
    const tsconfig = JSON.parse(readFileSync(join(ROOT, "tsconfig.json"), "utf8")) as { include: string[] };
    tsconfig.include = tsconfig.include.filter((part) => !["test", "bench", "vitest.config.ts"].includes(part));
    writeFileSync(join(scratch, "tsconfig.json"), JSON.stringify(tsconfig));
    const source = readFileSync(usage(), "utf8");
    expect(source).toContain(LIST_BEFORE);
    writeFileSync(usage(), source.replace(`export const usageEntry = ${LIST_BEFORE}`, `${ROUTE}export const usageEntry = ${LIST_AFTER}`));
    const responses = join(scratch, "functions", "schemas", "responses.ts");
    writeFileSync(responses, readFileSync(responses, "utf8") + RESPONSE);
    writeFileSync(join(scratch, "probe.ts"), PROBE);
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("is picked up by the stack (route and grant), the entry's dispatch, local mode, OpenAPI and the client's types", async () => {
    const { stdout } = await run(process.execPath, ["--import", "tsx", "probe.ts", join(scratch, "data")], { cwd: scratch, timeout: 120_000 });
    const seen = JSON.parse(stdout.trim().split("\n").at(-1)!);
    expect(seen.function).toMatch(/^BrokerUsage/);
    expect(seen.actions).toContain("dynamodb:Query");
    expect(seen.openApi).toBe("usageLimits");
    expect(seen.clientTypes).toBe(true);
    expect(seen.dispatched).toBe(401); // its route, reached: no token
    expect(seen.local).toEqual({ status: 200, body: { profiles: [], sub: "alice" } });
  }, 180_000);

  it("typechecks, and a handler that answers the wrong shape does not", async () => {
    const clean = await run(TSC, ["--noEmit", "-p", scratch], { cwd: scratch, timeout: 120_000 }).then(() => "", (error: { stdout: string }) => error.stdout);
    expect(clean).toBe("");
    writeFileSync(usage(), readFileSync(usage(), "utf8").replace("sub: user.sub }", "sub: 42 }"));
    const failed = await run(TSC, ["--noEmit", "-p", scratch], { cwd: scratch, timeout: 120_000 }).then(() => "", (error: { stdout: string }) => error.stdout);
    expect(failed).toMatch(/functions\/handlers\/usage\.ts\(\d+,\d+\): error/);
  }, 180_000);
});
