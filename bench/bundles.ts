/**
 * Builds each Lambda entry as the stack does (esbuild settings, linked source map), plus the
 * naive baseline (S3Client + getSignedUrl + createPresignedPost, minified the same way), and
 * times their import in fresh `node` processes.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { BUNDLE_SETTINGS, functionEntries } from "../lib/upload-function.js";
import { DEMO_PROFILES } from "../functions/domain/demo-profiles.js";
import { profilesEnvironment } from "../functions/config.js";
import { EXAMPLE_CREDENTIALS } from "../test/support/fixtures.js";
import { NODE22 } from "../test/deployed/lambda-host.js";
import { summarize, type Summary } from "./measure.js";

/** Every Lambda entry, from the route table (and the event handlers). */
export const ENTRIES = functionEntries();
const ROOT = fileURLToPath(new URL("..", import.meta.url));

const NAIVE = `
import { S3Client, PutObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { createPresignedPost } from "@aws-sdk/s3-presigned-post";
const s3 = new S3Client({});
export const handler = (input) => getSignedUrl(s3, new PutObjectCommand(input));
export const post = (input) => createPresignedPost(s3, input);
`;

/**
 * The naive design of the cost table: one function for every route and event, with the full
 * SDK clients it would use (S3 with both presigners, DynamoDB's document client, EventBridge).
 */
const NAIVE_FULL = `${NAIVE}
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const events = new EventBridgeClient({});
export const get = (input) => doc.send(new GetCommand(input));
export const put = (input) => doc.send(new PutCommand(input));
export const query = (input) => doc.send(new QueryCommand(input));
export const update = (input) => doc.send(new UpdateCommand(input));
export const publish = (input) => events.send(new PutEventsCommand(input));
`;

/**
 * Bundles every entry, the baselines and `extra` (name → entry file) into a temp folder;
 * returns name → file.
 */
export async function buildBundles(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), "upload-broker-bench-"));
  writeFileSync(join(ROOT, ".bench-naive.mjs"), NAIVE);
  writeFileSync(join(ROOT, ".bench-naive-full.mjs"), NAIVE_FULL);
  const entries: Record<string, string> = { naive: join(ROOT, ".bench-naive.mjs"), "naive-full": join(ROOT, ".bench-naive-full.mjs") };
  for (const entry of ENTRIES) entries[entry] = join(ROOT, "functions", "entries", `${entry}.ts`);
  Object.assign(entries, extra);
  const files: Record<string, string> = {};
  try {
    // One build of every entry: esbuild parses the modules they share once, each entry still
    // gets a bundle of its own (no code splitting), as the stack builds it.
    await build({
      entryPoints: entries,
      outdir: dir,
      outExtension: { ".js": ".mjs" },
      bundle: true,
      platform: "node",
      format: "esm",
      target: BUNDLE_SETTINGS.target,
      mainFields: [...BUNDLE_SETTINGS.mainFields],
      banner: { js: BUNDLE_SETTINGS.banner },
      minify: BUNDLE_SETTINGS.minify,
      external: [...BUNDLE_SETTINGS.external],
      sourcemap: "linked",
      sourcesContent: false,
      logLevel: "error",
    });
    for (const name of Object.keys(entries)) files[name] = join(dir, `${name}.mjs`);
  } finally {
    execFileSync("rm", ["-f", join(ROOT, ".bench-naive.mjs"), join(ROOT, ".bench-naive-full.mjs")]);
  }
  return files;
}

export const sizeOf = (file: string) => statSync(file).size;

/** The environment a deployed function has (no network is touched while importing). */
const LAMBDA_ENV = {
  PATH: process.env.PATH ?? "",
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: EXAMPLE_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: EXAMPLE_CREDENTIALS.secretAccessKey,
  AWS_SESSION_TOKEN: "session",
  BUCKET_NAME: "uploads-bench",
  TABLE_NAME: "tickets-bench",
  // As the stack writes them: validated at synth, with their checksum.
  ...profilesEnvironment(DEMO_PROFILES),
  EVENT_BUS_NAME: "uploads-bench",
  // deliver-webhook as a stack with a webhook configures it.
  WEBHOOK_URL: "https://hooks.example.com/upload-broker",
  WEBHOOK_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:upload-broker-webhook-AbCdEf",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
};

/**
 * The Node.js the imports run on: Lambda's major (22, the rehearsal's, from `npm ci --prefix
 * test/deployed/node22`), else this machine's. The two differ where it matters: on Node 22 an
 * ESM import of `node:http` loads undici (its lazy `WebSocket` getter), some 20 ms.
 */
export const IMPORT_NODE = existsSync(NODE22) ? NODE22 : process.execPath;
export const importNodeVersion = () => execFileSync(IMPORT_NODE, ["--version"], { encoding: "utf8" }).trim();

/**
 * What the Lambda runtime has loaded when it imports a handler (aws-lambda-nodejs-runtime-interface-client:
 * `RAPIDClient` requires `http` and makes its keep-alive Agent for the Runtime API,
 * `ResponseStream` requires `net`, the loader `fs` and `path`, the log patch `util`). A
 * bundle's import costs what it adds to that, as in Lambda.
 */
const RUNTIME_PRELUDE = `import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
new (require("http").Agent)({ keepAlive: true, maxSockets: 1 });
for (const m of ["net", "fs", "path", "util"]) require(m);`;

/** Import time of a bundle in one fresh node process, after the runtime's own modules, in microseconds. */
function importOnce(file: string, nodeOptions = ""): number {
  const script = `${RUNTIME_PRELUDE}\nconst t = performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now() - t);`;
  const env = nodeOptions ? { ...LAMBDA_ENV, NODE_OPTIONS: nodeOptions } : LAMBDA_ENV;
  return Number(execFileSync(IMPORT_NODE, ["--input-type=module", "-e", script], { env, encoding: "utf8" }).trim()) * 1000;
}

/**
 * Import times of bundles in `runs` fresh node processes each, in microseconds. Runs take
 * turns (a, b, c, a, b, c, …) so that a machine that speeds up or slows down meanwhile weighs
 * on all of them alike. `nodeOptions` gives a bundle the NODE_OPTIONS it runs with.
 */
export function coldImports(bundles: Array<{ name: string; file: string; nodeOptions?: string }>, runs: number): Record<string, Summary> {
  const samples: Record<string, number[]> = Object.fromEntries(bundles.map((b) => [b.name, []]));
  for (let run = 0; run < runs; run++) {
    for (const b of bundles) samples[b.name]!.push(importOnce(b.file, b.nodeOptions));
  }
  return Object.fromEntries(Object.entries(samples).map(([name, s]) => [name, summarize(s)]));
}
