/**
 * The construct package as a platform engineer gets it: `npm pack` at the repository root (its
 * `prepack` builds the package into a temp folder here), installed with aws-cdk-lib and constructs
 * only (from npm's cache: tests reach nothing but 127.0.0.1) into a throw-away CDK app, which
 * synthesizes with plain `node app.mjs`: no esbuild, no TypeScript, none of our sources.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { functionEntries } from "../../lib/upload-function.js";

const ROOT = join(import.meta.dirname, "../..");
/** A ceiling that catches something big sneaking into the package; not a goal. */
const TARBALL_BUDGET_BYTES = 8_000_000;

interface PackedFile { path: string; size: number }
interface Template { Resources: Record<string, { Type: string; Properties: Record<string, any> }> }

/** The app: a stack with the broker on a user pool of its own, record-upload given more memory, and one invalid profile on request. */
const APP = `
import { App, Duration, Stack } from "aws-cdk-lib";
import { UserPool } from "aws-cdk-lib/aws-cognito";
import { UploadBroker, DEMO_PROFILES } from "upload-broker";

const app = new App();
const stack = new Stack(app, "Consumer", { env: { account: "123456789012", region: "eu-west-1" } });
const pool = UserPool.fromUserPoolId(stack, "Pool", "eu-west-1_Example1");
const client = pool.addClient("Web");
const profiles = process.env.BAD_PROFILE ? [{ name: "Bad Name!", maxBytes: -1 }] : [...DEMO_PROFILES, { name: "docs", contentTypes: ["application/pdf"], maxBytes: 10485760 }];
new UploadBroker(stack, "Broker", {
  profiles,
  corsOrigins: ["https://app.example.com"],
  existingUserPool: pool,
  existingUserPoolClients: [client],
  functionProps: { "record-upload": { memorySize: 1024, timeout: Duration.minutes(2) } },
});
app.synth();
`;

/** A TypeScript consumer: the props are typed (each @ts-expect-error fails the check if they were `any`). */
const TYPED = `
import { Duration, Stack } from "aws-cdk-lib";
import { UploadBroker, type UploadBrokerProps } from "upload-broker";
const props: UploadBrokerProps = { functionProps: { "sign-put": { memorySize: 512, timeout: Duration.seconds(20) } }, profiles: [{ name: "avatar", contentTypes: ["image/png"], maxBytes: 1024 }] };
// @ts-expect-error: no function is named sign-it
const misspelt: UploadBrokerProps = { functionProps: { "sign-it": { memorySize: 512 } } };
// @ts-expect-error: maxBytes is a number
const wrong: UploadBrokerProps = { profiles: [{ name: "avatar", contentTypes: ["image/png"], maxBytes: "1 MB" }] };
export const broker = (stack: Stack) => [new UploadBroker(stack, "Broker", props).functions["record-upload"].function.functionName, misspelt, wrong];
`;

const pascal = (entry: string) => entry.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());
interface LockEntry { version?: string; resolved?: string; dependencies?: Record<string, string>; dev?: boolean; [key: string]: unknown }

/**
 * The throw-away app's package.json and package-lock.json: aws-cdk-lib, constructs and the tarball,
 * locked to what this repository's lock holds, so that `npm ci --offline` takes every tarball from
 * npm's cache (filled by our own npm ci) and asks the registry nothing.
 */
function throwAwayApp(dir: string, tarball: string): void {
  const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, LockEntry> };
  const ours = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string; dependencies: Record<string, string>; peerDependencies: Record<string, string> };
  const spec = `file:../${tarball}`;
  const dependencies = { ...Object.fromEntries(Object.keys(ours.peerDependencies).map((n) => [n, lock.packages[`node_modules/${n}`]!.version!])), "upload-broker": spec };
  const packages: Record<string, LockEntry> = {
    "": { name: "throw-away-cdk-app", dependencies },
    "node_modules/upload-broker": { version: ours.version, resolved: spec, dependencies: ours.dependencies, peerDependencies: ours.peerDependencies },
  };
  // The closure of what the package needs, at the paths this lock installs it (bundled ones inside their package).
  const locate = (from: string, name: string): string => {
    for (let at = from; ; at = at.slice(0, Math.max(0, at.lastIndexOf("/node_modules/")))) {
      const key = at ? `${at}/node_modules/${name}` : `node_modules/${name}`;
      if (lock.packages[key]) return key;
      if (!at) throw new Error(`package-lock.json has no ${name} (needed by ${from})`);
    }
  };
  const add = (key: string) => {
    if (packages[key]) return;
    const { dev: _, ...entry } = lock.packages[key]!;
    packages[key] = entry;
    for (const name of Object.keys(entry.dependencies ?? {})) add(locate(key, name));
  };
  for (const name of [...Object.keys(ours.peerDependencies), ...Object.keys(ours.dependencies)]) add(`node_modules/${name}`);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "throw-away-cdk-app", private: true, type: "module", dependencies }));
  writeFileSync(join(dir, "package-lock.json"), JSON.stringify({ name: "throw-away-cdk-app", lockfileVersion: 3, requires: true, packages }));
}

describe("the construct package, installed into a throw-away CDK app", () => {
  const dir = mkdtempSync(join(tmpdir(), "upload-broker-construct-"));
  const app = join(dir, "app");
  const out = join(app, "cdk.out");
  const pkg = join(app, "node_modules", "upload-broker");
  let files: PackedFile[];
  let tarballBytes: number;
  let template: Template;

  const synth = (env: Record<string, string> = {}) =>
    spawnSync(process.execPath, ["app.mjs"], { cwd: app, env: { PATH: process.env.PATH ?? "", CDK_OUTDIR: out, ...env }, encoding: "utf8" });

  beforeAll(() => {
    // `prepack` builds dist/ (bin/build-package.ts); the listing below then reads what was packed.
    execFileSync("npm", ["pack", "--pack-destination", dir], { cwd: ROOT, stdio: "pipe" });
    const [listing] = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: ROOT, encoding: "utf8" })) as Array<{ filename: string; size: number; files: PackedFile[] }>;
    files = listing!.files;
    tarballBytes = readFileSync(join(dir, listing!.filename)).length;
    console.log(`upload-broker package: ${listing!.filename}, ${tarballBytes} bytes, ${files.length} files`);

    mkdirSync(app);
    throwAwayApp(app, listing!.filename);
    try {
      execFileSync("npm", ["ci", "--offline", "--no-audit", "--no-fund", "--ignore-scripts"], { cwd: app, stdio: "pipe" });
    } catch (error) {
      throw new Error(`npm ci --offline failed (aws-cdk-lib, constructs and zod come from npm's cache, filled by our npm ci): ${(error as { stderr?: Buffer }).stderr}`);
    }
    writeFileSync(join(app, "app.mjs"), APP);
    const run = synth();
    if (run.status !== 0) throw new Error(`node app.mjs failed:\n${run.stderr}`);
    template = JSON.parse(readFileSync(join(out, "Consumer.template.json"), "utf8")) as Template;
  }, 300_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const resources = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);
  const lambda = (entry: string) => {
    const found = resources("AWS::Lambda::Function").filter(([id]) => id.startsWith(`Broker${pascal(entry)}Function`));
    expect(found, entry).toHaveLength(1);
    return found[0]![1].Properties;
  };

  it("ships the construct's JS, its declarations and a bundle per function: no TypeScript source, test, local-mode or script file", () => {
    const paths = files.map((f) => f.path);
    expect(paths.filter((p) => p.endsWith(".ts") && !p.endsWith(".d.ts"))).toEqual([]);
    expect(paths.filter((p) => /^(functions|lib|test|local|bin|bench|client|docs)\//.test(p))).toEqual([]);
    expect(paths.filter((p) => !p.startsWith("dist/functions/")).sort()).toEqual(expect.arrayContaining(["dist/index.js", "dist/types/lib/index.d.ts", "package.json", "README.md"]));
    for (const entry of functionEntries()) expect(paths, entry).toEqual(expect.arrayContaining([`dist/functions/${entry}/index.mjs`, `dist/functions/${entry}/index.mjs.map`]));
    expect(tarballBytes).toBeLessThan(TARBALL_BUDGET_BYTES);
  });

  it("installs with its peers only: no esbuild, TypeScript or tsx, no AWS SDK or Lambda runtime package", () => {
    const manifest = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")) as Record<string, Record<string, string> | undefined>;
    expect(Object.keys(manifest.peerDependencies ?? {}).sort()).toEqual(["aws-cdk-lib", "constructs"]);
    // zod validates profiles at synth; the route types the props reach name API Gateway's event types.
    expect(Object.keys(manifest.dependencies ?? {})).toEqual(["@types/aws-lambda", "zod"]);
    for (const absent of ["esbuild", "typescript", "tsx", "@aws-sdk/client-s3", "aws4", "any-ascii", "file-type"]) expect(existsSync(join(app, "node_modules", absent)), absent).toBe(false);
  });

  it("synthesizes every function from the package's pre-built bundles, lazy packages beside them", () => {
    const entries = functionEntries();
    expect(resources("AWS::Lambda::Function").filter(([id]) => id.startsWith("Broker"))).toHaveLength(entries.length);
    for (const entry of entries) {
      const fn = lambda(entry);
      expect(fn.Handler).toBe("index.handler");
      expect(fn.Runtime).toBe("nodejs22.x");
      const asset = join(out, `asset.${(fn.Code.S3Key as string).replace(/\.zip$/, "")}`);
      expect(readFileSync(join(asset, "index.mjs"), "utf8"), entry).toBe(readFileSync(join(pkg, "dist/functions", entry, "index.mjs"), "utf8"));
      expect(existsSync(join(asset, "node_modules/any-ascii/any-ascii.js")), entry).toBe(true);
      expect(existsSync(join(asset, "node_modules/file-type/package.json")), entry).toBe(true);
    }
  });

  it("gives record-upload the memory and timeout the app set, the others the defaults", () => {
    expect(lambda("record-upload")).toMatchObject({ MemorySize: 1024, Timeout: 120 });
    expect(lambda("sign-put")).toMatchObject({ MemorySize: 256, Timeout: 10 });
    expect(lambda("sweep")).toMatchObject({ MemorySize: 256, Timeout: 30 });
  });

  it("trusts the app's own user pool and app client, and creates none", () => {
    expect(resources("AWS::Cognito::UserPool")).toEqual([]);
    const authorizers = resources("AWS::ApiGatewayV2::Authorizer");
    const clients = resources("AWS::Cognito::UserPoolClient");
    expect([authorizers.length, clients.length]).toEqual([1, 1]);
    const [[, authorizer], [clientId]] = [authorizers[0]!, clients[0]!];
    expect(authorizer.Properties.JwtConfiguration.Audience).toEqual([{ Ref: clientId }]);
    expect(JSON.stringify(authorizer.Properties.JwtConfiguration.Issuer)).toMatch(/https:\/\/cognito-idp\.eu-west-1\..*\/eu-west-1_Example1/);
  });

  it("refuses an invalid profile at synth with a message naming the profile and the field", () => {
    const run = synth({ BAD_PROFILE: "1" });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('Invalid upload profiles:\nUploadBroker profiles: profile "Bad Name!" (#0): name: ');
    expect(run.stderr).toMatch(/UploadBroker profiles: profile "Bad Name!" \(#0\): maxBytes: /);
  });

  it("gives a TypeScript app typed props", () => {
    writeFileSync(join(app, "typed.ts"), TYPED);
    writeFileSync(join(app, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "nodenext", target: "es2022", strict: true, noEmit: true, skipLibCheck: true, types: [] }, files: ["typed.ts"] }));
    const tsc = join(ROOT, "node_modules/typescript/bin/tsc");
    const run = spawnSync(process.execPath, [tsc, "-p", app], { cwd: app, encoding: "utf8" });
    expect(run.stdout + run.stderr).toBe("");
    expect(run.status).toBe(0);
  });
});
