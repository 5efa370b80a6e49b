/**
 * `npm run bench [-- --json FILE]`: the sign path's cost side by side with a hand-written
 * SigV4 floor and the naive SDK baseline, cold imports of every function bundle, the record
 * handler's throughput and the local server under load. All in one process and one run:
 * compare the ratios, not the absolute figures, on a noisy machine.
 */
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import autocannon from "autocannon";
import { ulid } from "ulid";
import { dynamoClient, s3Client } from "../functions/adapters/clients.js";
import { DynamoTicketStore } from "../functions/adapters/dynamo-ticket-store.js";
import { DynamoTicketWriter } from "../functions/adapters/dynamo-ticket-writer.js";
import { PostPresigner } from "../functions/adapters/post-presigner.js";
import { PutPresigner } from "../functions/adapters/put-presigner.js";
import { systemClock, ulidIds } from "../functions/deps.js";
import { DEMO_PROFILES } from "../functions/domain/demo-profiles.js";
import { signPut } from "../functions/domain/sign.js";
import { makeRecordHandler } from "../functions/handlers/record.js";
import { makeSignPostHandler, makeSignPutHandler } from "../functions/handlers/sign.js";
import type { HttpEvent } from "../functions/http.js";
import { logger } from "../functions/log.js";
import type { ObjectInfo, TicketWriter } from "../functions/ports.js";
import { buildBundles, coldImports, ENTRIES, sizeOf } from "./bundles.js";
import { startEmbeddedDynamo } from "../local/embedded.js";
import { encodeEventKey } from "../local/s3-events.js";
import { EXAMPLE_CREDENTIALS as credentials } from "../test/support/fixtures.js";
import { ensureTable } from "../local/resources.js";
import { rawPresignPut } from "./floor.js";
import { round, timeCalls, timeInterleaved, type Summary } from "./measure.js";

// The record handler logs every decision; a benchmark wants only its figures.
logger.setLogLevel("ERROR");
// The SDK (the baseline, sign-post, the record handler) warns that it will need Node 22.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

const jsonFile = process.argv.includes("--json") ? process.argv[process.argv.indexOf("--json") + 1] : undefined;
const quick = process.argv.includes("--quick");
const N = (n: number) => (quick ? Math.ceil(n / 10) : n);

const region = "us-east-1";
const bucket = "uploads-bench";
const key = "uploads/alice/01KAGX5Z2N3Q4R5S6T7V8W9XYZ/me.png";
const metadata = { "upload-id": "01KAGX5Z2N3Q4R5S6T7V8W9XYZ", caption: "hi" };
const headers = { "content-type": "image/png", "content-length": "12345", "if-none-match": "*", "x-amz-meta-upload-id": metadata["upload-id"], "x-amz-meta-caption": "hi" };
const signable = new Set(Object.keys(headers));
const signedAt = new Date("2026-11-21T10:00:00Z");

const rows: Array<{ name: string; unit: string } & Partial<Summary> & { value?: number }> = [];
const figures: Record<string, unknown> = {};
const started = Date.now();
const log = (line: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${line}\n`);

/** A ticket store in memory, as cheap as a port can be. */
const memoryTickets = (): TicketWriter => {
  const items = new Map<string, unknown>();
  return { create: async (t) => void items.set(t.uploadId, t) };
};

const captured = JSON.parse(readFileSync(new URL("../test/events/http-api-sign-put.json", import.meta.url), "utf8")) as HttpEvent;
const event = (body: unknown): HttpEvent => ({ ...captured, body: JSON.stringify(body) });
const putBody = { profile: "avatar", filename: "me.png", contentType: "image/png", size: 12345, metadata: { caption: "hi" } };
const postBody = { profile: "avatar", filename: "me.png", contentType: "image/png", maxBytes: 100000, metadata: { caption: "hi" } };

function record(name: string, summary: Summary, unit = "µs") {
  rows.push({ name, unit, ...summary });
  figures[name] = summary;
  log(`  ${name}: median ${summary.median} ${unit}, p99 ${summary.p99} ${unit}`);
}

async function signing() {
  log("signing (compute)…");
  const fast = new PutPresigner({ bucket, region, credentials });
  const request = { key, contentType: "image/png", contentLength: 12345, metadata, expiresInSeconds: 300, signedAt };
  const floorInput = {
    origin: `https://${bucket}.s3.${region}.amazonaws.com`, path: `/${key}`, region, ...credentials, headers, expiresInSeconds: 300, signedAt,
  };
  const signature = (url: string) => new URL(url).searchParams.get("X-Amz-Signature");
  if (signature(rawPresignPut(floorInput)) !== signature((await fast.presignPut(request)).url)) {
    throw new Error("the SigV4 floor disagrees with PutPresigner: it would not be measuring the same work");
  }

  const s3 = s3Client({ region, credentials });
  // Every real call signs new strings (a fresh ULID and timestamp): so do the measurements,
  // or V8's string caches flatter whatever signs the same key over and over.
  let n = 0;
  const freshKey = () => `${key}.${n++}`;
  const naive = () =>
    getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key: freshKey(), ContentType: "image/png", ContentLength: 12345, Metadata: metadata, IfNoneMatch: "*" }), {
      expiresIn: 300, signableHeaders: signable, unhoistableHeaders: signable,
    });
  const deps = { profiles: DEMO_PROFILES, tickets: memoryTickets(), clock: systemClock, ids: ulidIds };
  const put = makeSignPutHandler({ ...deps, signer: fast });
  const post = makeSignPostHandler({ ...deps, signer: new PostPresigner({ bucket, region, credentials }) });
  const putEvent = event(putBody);
  const postEvent = event(postBody);
  // Side by side, in rounds, so that the ratios compare like with like on a noisy machine.
  const summaries = await timeInterleaved(
    {
      "floor: raw SigV4 presign (node:crypto)": () => rawPresignPut({ ...floorInput, path: `/${freshKey()}`, signedAt: new Date() }),
      "baseline: getSignedUrl(S3Client, PutObjectCommand)": naive,
      "PutPresigner.presignPut (aws4)": () => fast.presignPut({ ...request, key: freshKey(), signedAt: new Date() }),
      "sign-put handler, in-memory ports": () => put(putEvent),
      "sign-post handler, in-memory ports": () => post(postEvent),
    },
    { iterations: N(10000), warmup: 2000 },
  );
  for (const [name, summary] of Object.entries(summaries)) record(name, summary);
}

async function withDynalite<T>(fn: (endpoint: string) => Promise<T>): Promise<T> {
  const server = await startEmbeddedDynamo(undefined);
  try {
    return await fn(server.endpoint);
  } finally {
    await server.close();
  }
}

async function againstDynalite() {
  log("handlers and record against dynalite…");
  await withDynalite(async (endpoint) => {
    const client = dynamoClient({ region, endpoint, credentials });
    const table = "tickets-bench";
    await ensureTable(client, table);
    const deps = { profiles: DEMO_PROFILES, tickets: new DynamoTicketWriter({ table, region, endpoint, credentials }), clock: systemClock, ids: ulidIds };
    const put = makeSignPutHandler({ ...deps, signer: new PutPresigner({ bucket, region, credentials }) });
    const post = makeSignPostHandler({ ...deps, signer: new PostPresigner({ bucket, region, credentials }) });
    record("sign-put handler, dynalite tickets", await timeCalls(() => put(event(putBody)), { iterations: N(1000), warmup: 100 }));
    record("sign-post handler, dynalite tickets", await timeCalls(() => post(event(postBody)), { iterations: N(1000), warmup: 100 }));

    // The record handler: tickets in dynalite, objects as S3 would report them.
    const store = new DynamoTicketStore(client, table);
    const objects = new Map<string, ObjectInfo>();
    const count = N(500);
    const keys: string[] = [];
    const signDeps = { ...deps, signer: new PutPresigner({ bucket, region, credentials }) };
    for (let i = 0; i < count; i++) {
      const t = await signPut(signDeps, { sub: `user${i % 20}`, groups: [] }, putBody);
      objects.set(t.key, { size: 12345, contentType: "image/png", etag: `e${i}`, lastModified: new Date(), metadata: { "upload-id": t.uploadId, caption: "hi" } });
      keys.push(t.key);
    }
    const handler = makeRecordHandler({
      bucket, tickets: store, clock: systemClock,
      objects: { head: async (k) => objects.get(k), delete: async (k) => (objects.delete(k), true) },
    });
    const eventFor = (k: string) => ({ Records: [{ eventName: "ObjectCreated:Put", s3: { bucket: { name: bucket }, object: { key: encodeEventKey(k) } } }] });
    const start = process.hrtime.bigint();
    for (const k of keys) await handler(eventFor(k));
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const perSecond = round(count / seconds, 1);
    rows.push({ name: "record handler (one event per object), dynalite", unit: "events/s", value: perSecond });
    figures["record handler events/s"] = perSecond;
    log(`  record handler: ${perSecond} events/s`);
  });
}

async function coldStarts() {
  log("bundles and cold imports…");
  const files = await buildBundles();
  const bundles: Array<{ name: string; file: string; nodeOptions?: string }> = ["naive", ...ENTRIES].map((name) => ({ name, file: files[name]! }));
  // What the stack no longer sets: Node applying the shipped source map at start.
  bundles.push({ name: "sign-put+source-maps", file: files["sign-put"]!, nodeOptions: "--enable-source-maps" });
  const summaries = coldImports(bundles, quick ? 3 : 21);
  for (const { name, file } of bundles) {
    const summary = summaries[name]!;
    const bytes = sizeOf(file);
    const label =
      name === "naive" ? "baseline bundle (S3Client + getSignedUrl + createPresignedPost)"
      : name === "sign-put+source-maps" ? "sign-put bundle, NODE_OPTIONS=--enable-source-maps"
      : `${name} bundle`;
    rows.push({ name: `cold import: ${label}`, unit: "µs", ...summary, value: bytes });
    figures[`cold import ${name}`] = { ...summary, bytes };
    log(`  ${name}: ${bytes} bytes, import median ${round(summary.median / 1000, 1)} ms`);
  }
}

async function load() {
  log("local server under load…");
  const dir = mkdtempSync(join(tmpdir(), "upload-broker-bench-local-"));
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
  const child = spawn(process.execPath, ["--import", "tsx", "local/main.ts"], {
    env: { ...process.env, PORT: String(port), LOCAL_DATA_DIR: dir, POWERTOOLS_LOG_LEVEL: "ERROR", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    stdio: "ignore",
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      if (await fetch(`${base}/health`).then((r) => r.ok, () => false)) break;
      if (i > 300) throw new Error("local server did not start");
      await new Promise((r) => setTimeout(r, 100));
    }
    const { token } = (await (await fetch(`${base}/dev/token`, { method: "POST", body: '{"sub":"bench"}' })).json()) as { token: string };
    const result = await autocannon({
      url: `${base}/sign/put`,
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(putBody),
      connections: 10,
      duration: quick ? 2 : 8,
    });
    const summary = {
      requestsPerSecond: round(result.requests.average, 1),
      latencyP50ms: result.latency.p50,
      latencyP99ms: result.latency.p99,
      errors: result.errors + result.timeouts,
      non2xx: result.non2xx,
    };
    rows.push({ name: "local server: POST /sign/put (10 connections)", unit: "req/s", value: summary.requestsPerSecond, median: summary.latencyP50ms * 1000, p99: summary.latencyP99ms * 1000 });
    figures["local server load"] = summary;
    log(`  ${summary.requestsPerSecond} req/s, p99 ${summary.latencyP99ms} ms, ${summary.errors} errors, ${summary.non2xx} non-2xx`);
  } finally {
    child.kill("SIGINT");
    await new Promise((r) => setTimeout(r, 300));
    rmSync(dir, { recursive: true, force: true });
  }
}

function ratios() {
  const median = (name: string) => (figures[name] as Summary).median;
  const floor = median("floor: raw SigV4 presign (node:crypto)");
  const naive = median("baseline: getSignedUrl(S3Client, PutObjectCommand)");
  const put = median("sign-put handler, in-memory ports");
  const naiveImport = (figures["cold import naive"] as Summary).median;
  const putImport = (figures["cold import sign-put"] as Summary).median;
  return {
    "sign-put handler / SigV4 floor (target ≤ 5)": round(put / floor),
    "sign-put handler / naive SDK (target ≤ 0.15)": round(put / naive),
    "PutPresigner / naive SDK": round(median("PutPresigner.presignPut (aws4)") / naive),
    "sign-post handler / naive SDK": round(median("sign-post handler, in-memory ports") / naive),
    "sign-put cold import / naive bundle (target ≤ 0.4)": round(putImport / naiveImport),
    "sign-post cold import / naive bundle": round((figures["cold import sign-post"] as Summary).median / naiveImport),
    "sign-put cold import, --enable-source-maps / without": round((figures["cold import sign-put+source-maps"] as Summary).median / putImport),
  };
}

await signing();
await againstDynalite();
await coldStarts();
await load();
const r = ratios();

const pad = (s: string, n: number) => s.padEnd(n);
console.log(`\n${pad("measurement", 80)}${pad("median", 12)}${pad("p99", 12)}other`);
for (const row of rows) {
  const fmt = (n?: number) => (n === undefined ? "" : row.unit === "µs" && n >= 10000 ? `${round(n / 1000, 1)} ms` : `${round(n, 1)} µs`);
  const other = row.name.startsWith("cold import") ? `${row.value} bytes` : row.value !== undefined ? `${row.value} ${row.unit}` : "";
  console.log(`${pad(row.name, 80)}${pad(fmt(row.median), 12)}${pad(fmt(row.p99), 12)}${other}`);
}
console.log("\nratios (same run):");
for (const [name, value] of Object.entries(r)) console.log(`  ${pad(name, 60)}${value}`);
if (jsonFile) {
  writeFileSync(jsonFile, JSON.stringify({ node: process.version, figures, ratios: r }, null, 2));
  console.log(`\nwrote ${jsonFile}`);
}
// Keep-alive sockets of the SDK clients would hold the process open for a while.
process.exit(0);
