/**
 * `npm run bench [-- --json FILE] [-- --quick]`: the sign paths' cost side by side with
 * hand-written floors and the naive SDK baselines, a batch of 100 part URLs, cold imports of
 * every function bundle, the record handler against the ceiling of its own store calls, quotas
 * (one TransactWriteItems) against DynamoDB Local, the local server under load, the client's
 * throughput with and without per-part digests, and what a
 * million uploads cost at the measured durations. All in one process and one run: compare the
 * ratios, not the absolute figures, on a noisy machine.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { createPresignedPost } from "@aws-sdk/s3-presigned-post";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { marshall } from "@aws-sdk/util-dynamodb";
import autocannon from "autocannon";
import { dynamoClient, s3Client } from "../functions/adapters/clients.js";
import { DynamoTicketStore } from "../functions/adapters/dynamo-ticket-store.js";
import { DynamoTicketWriter } from "../functions/adapters/dynamo-ticket-writer.js";
import { PostPresigner } from "../functions/adapters/post-presigner.js";
import { UrlPresigner } from "../functions/adapters/url-presigner.js";
import { systemClock, ulidIds } from "../functions/deps.js";
import { DEMO_PROFILES } from "../functions/domain/demo-profiles.js";
import { transitionEvent } from "../functions/domain/events.js";
import { parseProfiles } from "../functions/domain/profiles.js";
import { signMultipart, signPut } from "../functions/domain/sign.js";
import { newWebhookSecret } from "../functions/domain/webhook-signature.js";
import { makeDownloadHandler } from "../functions/handlers/upload-object.js";
import { makeSignPartsHandler } from "../functions/handlers/multipart.js";
import { makeDeliverHandler } from "../functions/handlers/deliver-webhook.js";
import { makePublishHandler } from "../functions/handlers/publish-events.js";
import { makeRecordHandler } from "../functions/handlers/record-upload.js";
import { makeSignPostHandler } from "../functions/handlers/sign-post.js";
import { makeSignPutHandler } from "../functions/handlers/sign-put.js";
import { makeGetUploadHandler } from "../functions/handlers/get-upload.js";
import { makeListUploadsHandler } from "../functions/handlers/list-uploads.js";
import type { HttpEvent } from "../functions/http.js";
import { logger } from "../functions/log.js";
import type { ObjectInfo, PostSigner, PostSigningRequest, PutSigner, TicketWriter } from "../functions/ports.js";
import type { Ticket } from "../functions/schemas.js";
import { buildBundles, coldImports, ENTRIES, importNodeVersion, sizeOf } from "./bundles.js";
import { clientDigestThroughput } from "./client-digest.js";
import { costPerMillion, COST_LINES, uploadDesign, type Measured } from "./cost.js";
import { rawPresignPost, rawPresignPut } from "./floor.js";
import { round, timeCalls, timeInterleaved, type Summary } from "./measure.js";
import { COLD_START_SHARE, MEMORY_MB, PER_UPLOAD, PRICE_REGION, PRICES_TAKEN } from "./prices.js";
import { AWS_CALL_MS, memoryRows, recommend, type FunctionLoad } from "./memory.js";
import { clientThroughput } from "./throughput.js";
import { startEmbeddedDynamo } from "../local/embedded.js";
import { encodeEventKey } from "../local/s3-events.js";
import { ensureTable } from "../local/resources.js";
import { javaAvailable, startDynamoLocal, type DynamoLocal } from "../test/support/dynamodb-local.js";
import { CAPTURED_TOKEN_CLAIMS, EXAMPLE_CREDENTIALS as credentials, httpEvent, MemoryMultipartStore, MemoryObjectStore, MemoryTicketStore } from "../test/support/fixtures.js";

// The record handler logs every decision; a benchmark wants only its figures.
logger.setLogLevel("ERROR");
// The SDK (the baselines, the record handler's store) warns that it will need Node 22.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

const jsonFile = process.argv.includes("--json") ? process.argv[process.argv.indexOf("--json") + 1] : undefined;
const quick = process.argv.includes("--quick");
const N = (n: number) => (quick ? Math.ceil(n / 10) : n);
/** Calls that wait on a server: far fewer in a quick run, which only checks that every figure is reported. */
const NS = (n: number) => (quick ? Math.ceil(n / 25) : n);

const region = "us-east-1";
const bucket = "uploads-bench";
const table = "tickets-bench";
const key = "uploads/alice/01KAGX5Z2N3Q4R5S6T7V8W9XYZ/me.png";
const metadata = { "upload-id": "01KAGX5Z2N3Q4R5S6T7V8W9XYZ", caption: "hi" };
const headers = { "content-type": "image/png", "content-length": "12345", "if-none-match": "*", "x-amz-meta-upload-id": metadata["upload-id"], "x-amz-meta-caption": "hi" };
const signable = new Set(Object.keys(headers));
const signedAt = new Date("2026-11-21T10:00:00Z");
const MiB = 1024 ** 2;
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "base64");
const PARTS = 100;

type Row = { name: string; unit: string; median?: number; p99?: number; value?: number | string };
const rows: Row[] = [];
const figures: Record<string, unknown> = {};
const notes: string[] = [];
const started = Date.now();
const log = (line: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${line}\n`);

/** The bench's profiles: the demo ones, one with a daily quota, one for multipart batches. */
const PROFILES = parseProfiles(
  [
    ...DEMO_PROFILES,
    { ...DEMO_PROFILES[0]!, name: "avatar-quota", quota: { uploadsPerDay: 1_000_000_000, bytesPerDay: 1_000_000_000_000_000 } },
    { name: "video", contentTypes: ["video/mp4"], maxBytes: 1024 * 1024 * MiB, methods: ["multipart"] },
  ],
  "bench profiles",
);
const principal = { sub: CAPTURED_TOKEN_CLAIMS.sub as string, groups: CAPTURED_TOKEN_CLAIMS["cognito:groups"] as string[] };

/** A ticket store in memory, as cheap as a port can be. */
const memoryTickets = (): TicketWriter => {
  const items = new Map<string, unknown>();
  return { create: async (t) => void items.set(t.uploadId, t) };
};

/** The captured API Gateway event (token and authorizer claims that agree) with this body. */
const event = (body: unknown, extra: Partial<HttpEvent> = {}): HttpEvent => Object.assign(httpEvent({ body }), extra);
const putBody = { profile: "avatar", filename: "me.png", contentType: "image/png", size: 12345, metadata: { caption: "hi" } };
const postBody = { profile: "avatar", filename: "me.png", contentType: "image/png", maxBytes: 100000, metadata: { caption: "hi" } };

/** A handler that answers anything but `status` measures the wrong thing: refuse to time it. */
async function expectStatus(name: string, fn: () => Promise<{ statusCode?: number; body?: string }>, status: number) {
  const result = await fn();
  if (result.statusCode !== status) throw new Error(`${name} answered ${result.statusCode}, not ${status}: ${result.body}`);
}

function record(name: string, summary: Summary, unit = "µs") {
  rows.push({ name, unit, ...summary });
  figures[name] = summary;
  log(`  ${name}: median ${summary.median} ${unit}, p99 ${summary.p99} ${unit}`);
}
function value(name: string, v: number, unit: string) {
  rows.push({ name, unit, value: v });
  figures[name] = v;
  log(`  ${name}: ${v} ${unit}`);
}
const median = (name: string) => (figures[name] as Summary).median;

const s3 = s3Client({ region, credentials });

/** The naive design's signer: the SDK's presigners on a module-scope S3Client. */
const sdkSigner = {
  async presignPut(r: Parameters<PutSigner["presignPut"]>[0]) {
    const command = new PutObjectCommand({ Bucket: bucket, Key: r.key, ContentType: r.contentType, ContentLength: r.contentLength, Metadata: r.metadata, IfNoneMatch: "*" });
    const url = await getSignedUrl(s3, command, { expiresIn: r.expiresInSeconds, signableHeaders: signable, unhoistableHeaders: signable, signingDate: r.signedAt });
    const h: Record<string, string> = { "content-type": r.contentType, "content-length": String(r.contentLength), "if-none-match": "*" };
    for (const [n, v] of Object.entries(r.metadata)) h[`x-amz-meta-${n}`] = v;
    return { url, headers: h };
  },
  async presignGet(r: { key: string; responseHeaders: Record<string, string>; expiresInSeconds: number; signedAt: Date }) {
    const command = new GetObjectCommand({
      Bucket: bucket, Key: r.key,
      ResponseContentDisposition: r.responseHeaders["content-disposition"], ResponseContentType: r.responseHeaders["content-type"],
    });
    return getSignedUrl(s3, command, { expiresIn: r.expiresInSeconds, signingDate: r.signedAt });
  },
};

async function signing() {
  log("signing (compute)…");
  const fast = new UrlPresigner({ bucket, region, credentials });
  const request = { key, contentType: "image/png", contentLength: 12345, metadata, expiresInSeconds: 300, signedAt };
  const origin = `https://${bucket}.s3.${region}.amazonaws.com`;
  const floorInput = { origin, path: `/${key}`, region, ...credentials, headers, expiresInSeconds: 300, signedAt };
  const signature = (url: string) => new URL(url).searchParams.get("X-Amz-Signature");
  if (signature(rawPresignPut(floorInput)) !== signature((await fast.presignPut(request)).url)) {
    throw new Error("the SigV4 floor disagrees with UrlPresigner: it would not be measuring the same work");
  }

  // The POST floor signs what the sign-post handler hands PostPresigner: capture one request.
  let captured: PostSigningRequest | undefined;
  const postPresigner = new PostPresigner({ bucket, region, credentials });
  const fixedPost = new PostPresigner({ bucket, region, credentials, now: () => signedAt });
  const spy: PostSigner = { presignPost: (r) => ((captured ??= structuredClone(r)), postPresigner.presignPost(r)) };
  const deps = { profiles: PROFILES, writer: memoryTickets(), clock: systemClock, ids: ulidIds };
  await expectStatus("sign-post handler", () => makeSignPostHandler({ ...deps, signer: spy })(event(postBody)), 201);
  const postRequest = { ...captured!, signedAt };
  const postFloorInput = { url: `${origin}/`, bucket, region, ...credentials, ...postRequest, signedAt };
  const byHand = rawPresignPost(postFloorInput);
  const { expiresAt: _, ...bySigner } = await fixedPost.presignPost(postRequest);
  if (JSON.stringify(byHand) !== JSON.stringify(bySigner)) {
    throw new Error(`the POST policy floor disagrees with PostPresigner:\n${JSON.stringify(byHand)}\n${JSON.stringify(bySigner)}`);
  }

  // Every real call signs new strings (a fresh ULID and timestamp): so do the measurements,
  // or V8's string caches flatter whatever signs the same key over and over.
  let n = 0;
  const freshKey = () => `${key}.${n++}`;
  const naive = () =>
    getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key: freshKey(), ContentType: "image/png", ContentLength: 12345, Metadata: metadata, IfNoneMatch: "*" }), {
      expiresIn: 300, signableHeaders: signable, unhoistableHeaders: signable,
    });
  const naivePost = () =>
    createPresignedPost(s3, {
      Bucket: bucket, Key: `${postRequest.key}.${n++}`, Fields: postRequest.fields,
      Conditions: postRequest.conditions as never, Expires: postRequest.expiresInSeconds,
    });
  const put = makeSignPutHandler({ ...deps, signer: fast });
  const post = makeSignPostHandler({ ...deps, signer: postPresigner });
  const putEvent = event(putBody);
  const postEvent = event(postBody);
  await expectStatus("sign-put handler", () => put(putEvent), 201);
  // Side by side, in rounds, so that the ratios compare like with like on a noisy machine.
  const summaries = await timeInterleaved(
    {
      "floor: raw SigV4 presign (node:crypto)": () => rawPresignPut({ ...floorInput, path: `/${freshKey()}`, signedAt: new Date() }),
      "baseline: getSignedUrl(S3Client, PutObjectCommand)": naive,
      "UrlPresigner.presignPut (aws4)": () => fast.presignPut({ ...request, key: freshKey(), signedAt: new Date() }),
      "sign-put handler, in-memory ports": () => put(putEvent),
      "floor: raw POST policy (node:crypto)": () => rawPresignPost({ ...postFloorInput, key: `${postRequest.key}.${n++}`, signedAt: new Date() }),
      "baseline: createPresignedPost(S3Client)": naivePost,
      "PostPresigner.presignPost (aws4)": () => postPresigner.presignPost({ ...postRequest, key: `${postRequest.key}.${n++}` }),
      "sign-post handler, in-memory ports": () => post(postEvent),
    },
    { iterations: NS(10000), warmup: NS(2000) },
  );
  for (const [name, summary] of Object.entries(summaries)) record(name, summary);
}

async function multipartBatch() {
  log(`multipart: one batch of ${PARTS} part URLs…`);
  const signer = new UrlPresigner({ bucket, region, credentials });
  const objects = new MemoryObjectStore();
  const multipart = new MemoryMultipartStore(objects);
  const tickets = new MemoryTicketStore();
  const base = { profiles: PROFILES, clock: systemClock };
  const started = await signMultipart(
    { ...base, writer: tickets, ids: ulidIds, multipart },
    principal,
    { profile: "video", filename: "film.mp4", contentType: "video/mp4", size: PARTS * 8 * MiB, partSize: 8 * MiB, metadata: {} } as never,
  );
  if (started.partCount !== PARTS) throw new Error(`the multipart plan has ${started.partCount} parts, not ${PARTS}`);
  const ticket = (await tickets.get(started.uploadId))!;
  const handler = makeSignPartsHandler({ ...base, tickets, objects, multipart, signer });
  const partNumbers = Array.from({ length: PARTS }, (_, i) => i + 1);
  const partsEvent = event({ partNumbers }, { pathParameters: { uploadId: started.uploadId } });
  await expectStatus("sign-parts handler", () => handler(partsEvent), 200);

  // The part floor signs what presignPart signs: content-length and host, UploadPart's query.
  const origin = `https://${bucket}.s3.${region}.amazonaws.com`;
  const partFloor = (partNumber: number, at: Date) =>
    rawPresignPut({
      origin, path: `/${ticket.key}`, region, ...credentials, headers: { "content-length": String(8 * MiB) }, expiresInSeconds: 3600, signedAt: at,
      operation: [["partNumber", String(partNumber)], ["uploadId", ticket.s3UploadId!], ["x-id", "UploadPart"]],
    });
  const signature = (url: string) => new URL(url).searchParams.get("X-Amz-Signature");
  const viaSigner = await signer.presignPart({ key: ticket.key, s3UploadId: ticket.s3UploadId!, partNumber: 7, contentLength: 8 * MiB, expiresInSeconds: 3600, signedAt });
  if (signature(partFloor(7, signedAt)) !== signature(viaSigner.url)) throw new Error("the part URL floor disagrees with UrlPresigner.presignPart");

  const origin2 = `https://${bucket}.s3.${region}.amazonaws.com`;
  let n = 0;
  const summaries = await timeInterleaved(
    {
      [`floor: ${PARTS} × raw SigV4 presign (PUT)`]: () => {
        const at = new Date();
        for (let i = 0; i < PARTS; i++) rawPresignPut({ origin: origin2, path: `/${key}.${n++}`, region, ...credentials, headers, expiresInSeconds: 300, signedAt: at });
      },
      [`floor: ${PARTS} raw part presigns (UploadPart)`]: () => {
        const at = new Date();
        for (let i = 1; i <= PARTS; i++) partFloor(i, at);
      },
      [`UrlPresigner.presignPart × ${PARTS}`]: () => {
        const at = new Date();
        return Promise.all(partNumbers.map((partNumber) =>
          signer.presignPart({ key: ticket.key, s3UploadId: ticket.s3UploadId!, partNumber, contentLength: 8 * MiB, expiresInSeconds: 3600, signedAt: at })));
      },
      [`sign-parts handler (${PARTS} parts), in-memory ports`]: () => handler(partsEvent),
    },
    { iterations: NS(500), warmup: NS(50) },
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
    await ensureTable(client, table);
    const writer = new DynamoTicketWriter({ table, region, endpoint, credentials });
    const deps = { profiles: PROFILES, writer, clock: systemClock, ids: ulidIds };
    const put = makeSignPutHandler({ ...deps, signer: new UrlPresigner({ bucket, region, credentials }) });
    const post = makeSignPostHandler({ ...deps, signer: new PostPresigner({ bucket, region, credentials }) });
    // The naive design: the SDK's presigner and the document client's PutItem.
    const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    const sdkWriter: TicketWriter = {
      create: async (t) => void (await doc.send(new PutCommand({ TableName: table, Item: t, ConditionExpression: "attribute_not_exists(uploadId)" }))),
    };
    const naivePut = makeSignPutHandler({ ...deps, writer: sdkWriter, signer: sdkSigner as unknown as PutSigner });
    await expectStatus("sign-put handler (dynalite)", () => put(event(putBody)), 201);
    await expectStatus("naive sign-put (dynalite)", () => naivePut(event(putBody)), 201);
    const timed = await timeInterleaved(
      {
        "sign-put handler, dynalite tickets": () => put(event(putBody)),
        "sign-post handler, dynalite tickets": () => post(event(postBody)),
        "naive sign-put: getSignedUrl + DynamoDBDocumentClient PutItem, dynalite": () => naivePut(event(putBody)),
      },
      { iterations: NS(1000), warmup: NS(100), rounds: 5 },
    );
    for (const [name, summary] of Object.entries(timed)) record(name, summary);

    // The record handler: tickets in dynalite, objects as S3 would report them (in memory:
    // the HeadObject stand-in). Against the ceiling of its own store calls on other tickets.
    const store = new DynamoTicketStore({ table, region, endpoint, credentials });
    const objects = new Map<string, ObjectInfo>();
    const count = NS(500);
    const signDeps = { ...deps, signer: new UrlPresigner({ bucket, region, credentials }) };
    const made: Array<{ key: string; uploadId: string }> = [];
    for (let i = 0; i < 2 * count; i++) {
      const t = await signPut(signDeps, principal, putBody);
      objects.set(t.key, { size: 12345, contentType: "image/png", etag: `"e${i}"`, lastModified: new Date(), metadata: { "upload-id": t.uploadId, caption: "hi" } });
      made.push({ key: t.key, uploadId: t.uploadId });
    }
    const pending = (await store.get(made[0]!.uploadId))!;
    // S3 as the record step sees it, in memory: HeadObject, and the ranged GET of the object's
    // first bytes that a content check reads (a real 1×1 PNG). Calls are counted for the cost table.
    const calls = { head: 0, readHead: 0 };
    const head = async (k: string) => (calls.head++, objects.get(k));
    const readHead = async () => (calls.readHead++, PNG);
    const handler = makeRecordHandler({ bucket, tickets: store, clock: systemClock, profiles: PROFILES, objects: { head, readHead, delete: async (k: string) => (objects.delete(k), true) } } as never);
    const eventFor = (k: string) => ({ Records: [{ eventName: "ObjectCreated:Put", s3: { bucket: { name: bucket }, object: { key: encodeEventKey(k), eTag: objects.get(k)!.etag } } }] });
    const ceiling = async ({ key: k, uploadId }: { key: string; uploadId: string }) => {
      const ticket = (await store.get(uploadId))!;
      const object = (await head(k))!;
      if (recordReadsHead) await readHead();
      const at = object.lastModified.toISOString();
      const changes = { status: "completed", key: k, size: object.size, etag: object.etag, completedAt: at, objectModifiedAt: at, rejectReason: undefined, ttl: undefined } as const;
      if (!(await store.update(ticket, changes))) throw new Error("the ceiling's conditional update failed");
    };
    const first = await handler(eventFor(made[0]!.key));
    if (first.results[0]?.outcome !== "completed") throw new Error(`the record handler answered ${JSON.stringify(first.results)}`);
    // The ceiling makes the same store calls as the handler: the ranged GET too if it reads one.
    const recordReadsHead = calls.readHead > 0;
    const handlerCalls = { head: 0, readHead: 0 };
    // In rounds, taking turns, as the other side-by-side figures.
    let handlerNs = 0n;
    let ceilingNs = 0n;
    let done = 0;
    const rounds = 5;
    const per = Math.floor((count - 1) / rounds);
    for (let r = 0; r < rounds; r++) {
      const a = made.slice(1 + r * per, 1 + (r + 1) * per);
      const b = made.slice(count + r * per, count + (r + 1) * per);
      const before = { ...calls };
      let t = process.hrtime.bigint();
      for (const m of a) await handler(eventFor(m.key));
      handlerNs += process.hrtime.bigint() - t;
      handlerCalls.head += calls.head - before.head;
      handlerCalls.readHead += calls.readHead - before.readHead;
      t = process.hrtime.bigint();
      for (const m of b) await ceiling(m);
      ceilingNs += process.hrtime.bigint() - t;
      done += a.length;
    }
    figures["record handler S3 calls per event"] = { head: round(handlerCalls.head / done), rangedGet: round(handlerCalls.readHead / done) };
    const completed = (await store.get(made[1]!.uploadId))!;
    if (completed.status !== "completed") throw new Error(`the record handler left the ticket ${completed.status}`);
    value("record handler (one event per object), dynalite", round(done / (Number(handlerNs) / 1e9), 1), "events/s");
    value("ceiling: GetItem + HeadObject (+ ranged GET) stand-ins + UpdateItem, dynalite", round(done / (Number(ceilingNs) / 1e9), 1), "events/s");

    // Status, list and download handlers on the completed tickets (owned by the captured caller).
    const statusDeps = { tickets: store, clock: systemClock };
    const getUpload = makeGetUploadHandler(statusDeps);
    const listUploads = makeListUploadsHandler(statusDeps);
    const after = (signer: unknown) =>
      makeDownloadHandler({ tickets: store, clock: systemClock, signer, objects: undefined, multipart: undefined } as never);
    const download = after(new UrlPresigner({ bucket, region, credentials }));
    const naiveDownload = after(sdkSigner);
    let i = 0;
    const idEvent = () => event(undefined, { body: undefined, pathParameters: { uploadId: made[1 + (i++ % (done - 1))]!.uploadId } });
    const listEvent = event(undefined, { body: undefined, queryStringParameters: { limit: "20" } });
    await expectStatus("get-upload handler", () => getUpload(idEvent()), 200);
    await expectStatus("list-uploads handler", () => listUploads(listEvent), 200);
    await expectStatus("download handler", () => download(idEvent()), 200);
    await expectStatus("naive download", () => naiveDownload(idEvent()), 200);

    // publish-events: one stream record (pending → completed) per invocation, publisher in memory.
    const publish = makePublishHandler({ bucket, publisher: { publish: async () => undefined } });
    const image = (t: Ticket) => marshall(t, { removeUndefinedValues: true });
    const streamEvent = { Records: [{ eventID: "1", eventName: "MODIFY", dynamodb: { SequenceNumber: "1", ApproximateCreationDateTime: Date.now() / 1000, OldImage: image(pending), NewImage: image(completed) } }] };
    const published = await publish(streamEvent);
    if (published.batchItemFailures.length) throw new Error("publish-events failed its record");

    // deliver-webhook: that change's EventBridge event signed and handed to a sender in memory (the POST is one AWS_CALL_MS-like wait).
    const hookSecret = newWebhookSecret();
    const deliver = makeDeliverHandler({ url: "https://hooks.example.com/upload-broker", secret: async () => hookSecret, send: async () => 204 });
    const change = transitionEvent(pending, completed, bucket)!;
    const busEvent = { version: "0", id: randomUUID(), "detail-type": change.detailType, source: change.source, account: "123456789012", time: change.detail.at, region, resources: [], detail: change.detail };
    if (!(await deliver(busEvent)).delivered) throw new Error("deliver-webhook did not deliver its event");

    const reads = await timeInterleaved(
      {
        "get-upload handler, dynalite": () => getUpload(idEvent()),
        "list-uploads handler (20 tickets), dynalite": () => listUploads(listEvent),
        "download handler (upload-object), dynalite": () => download(idEvent()),
        "naive download: getSignedUrl(GetObjectCommand) + GetItem, dynalite": () => naiveDownload(idEvent()),
        "publish-events handler (one stream record), in-memory publisher": () => publish(streamEvent),
        "deliver-webhook handler (one event, signed), in-memory sender": () => deliver(busEvent),
      },
      { iterations: NS(1000), warmup: NS(100), rounds: 5 },
    );
    for (const [name, summary] of Object.entries(reads)) record(name, summary);
  });
}

/** sign-put with a quota profile (one TransactWriteItems) and without (one PutItem), same server. */
async function quotas(local: Promise<DynamoLocal | undefined>) {
  log("quotas against DynamoDB Local…");
  const server = await local;
  if (!server) {
    const note = "quota rows skipped: no Java runtime for DynamoDB Local (dynalite has no transactions)";
    notes.push(note);
    figures["quota rows skipped"] = note;
    log(`  ${note}`);
    return;
  }
  try {
    const client = dynamoClient({ region, endpoint: server.endpoint, credentials });
    await ensureTable(client, table);
    const deps = { profiles: PROFILES, writer: new DynamoTicketWriter({ table, region, endpoint: server.endpoint, credentials }), clock: systemClock, ids: ulidIds };
    const put = makeSignPutHandler({ ...deps, signer: new UrlPresigner({ bucket, region, credentials }) });
    const quotaBody = { ...putBody, profile: "avatar-quota" };
    await expectStatus("sign-put (quota)", () => put(event(quotaBody)), 201);
    const timed = await timeInterleaved(
      {
        "sign-put handler, no quota (PutItem), DynamoDB Local": () => put(event(putBody)),
        "sign-put handler, daily quota (TransactWriteItems), DynamoDB Local": () => put(event(quotaBody)),
      },
      { iterations: NS(1000), warmup: NS(100), rounds: 5 },
    );
    for (const [name, summary] of Object.entries(timed)) record(name, summary);
  } finally {
    await server.stop();
  }
}

/** What a dependency costs alone: a bundle with only it, built and imported like the functions. */
const PROBES: Record<string, string> = {
  "probe: empty bundle": "export const handler = () => 1;",
  "probe: Powertools Logger": 'import { Logger } from "@aws-lambda-powertools/logger"; export const logger = new Logger({ serviceName: "x" }); export const handler = () => logger;',
  "probe: Powertools Metrics": 'import { Metrics } from "@aws-lambda-powertools/metrics"; export const metrics = new Metrics({ namespace: "x", serviceName: "x" }); export const handler = () => metrics;',
  "probe: node:https + aws4": 'import { request } from "node:https"; import aws4 from "aws4"; export const handler = () => [request, aws4];',
  // What signed-http.ts avoids by taking node:http through require: on Node 22 the ES module
  // namespace reads every export, and the lazy WebSocket getter loads undici.
  "probe: node:http as an ES module import": 'import { request } from "node:http"; export const handler = () => request;',
  // The floor every HTTP function shares at start (docs/performance.md, "Where a cold import's time goes").
  "probe: zod, sign-put's schemas + loadConfig()": 'import { SignPutRequest } from "../functions/schemas/sign.js"; import { loadConfig } from "../functions/config.js"; export const config = loadConfig(); export const handler = () => SignPutRequest;',
  "probe: lean transport (signed-http, ticket writer, URL presigner)": 'export * from "../functions/adapters/signed-http.js"; export * from "../functions/adapters/dynamo-ticket-writer.js"; export * from "../functions/adapters/url-presigner.js";',
};

async function coldStarts() {
  log("bundles and cold imports…");
  // Inside the project, so that the probes resolve its node_modules.
  const probeDir = mkdtempSync(join(fileURLToPath(new URL("..", import.meta.url)), ".bench-probes-"));
  const probeFiles = Object.fromEntries(Object.entries(PROBES).map(([name, code], i) => {
    const file = join(probeDir, `probe-${i}.ts`);
    writeFileSync(file, code);
    return [name, file];
  }));
  const files = await buildBundles(probeFiles);
  rmSync(probeDir, { recursive: true, force: true });
  const bundles: Array<{ name: string; file: string; nodeOptions?: string }> = ["naive", "naive-full", ...ENTRIES, ...Object.keys(PROBES)].map((name) => ({ name, file: files[name]! }));
  // What the stack no longer sets: Node applying the shipped source map at start.
  bundles.push({ name: "sign-put+source-maps", file: files["sign-put"]!, nodeOptions: "--enable-source-maps" });
  const summaries = coldImports(bundles, quick ? 1 : 21);
  figures["cold import runtime"] = `Node.js ${importNodeVersion()}, each import after the modules the Lambda runtime loads itself (bench/bundles.ts)`;
  log(`  on ${figures["cold import runtime"]}`);
  for (const { name, file } of bundles) {
    const summary = summaries[name]!;
    const bytes = sizeOf(file);
    const label =
      name === "naive" ? "baseline bundle (S3Client + getSignedUrl + createPresignedPost)"
      : name === "naive-full" ? "naive design: one bundle, S3 + DynamoDB document + EventBridge clients"
      : name === "sign-put+source-maps" ? "sign-put bundle, NODE_OPTIONS=--enable-source-maps"
      : name.startsWith("probe: ") ? name
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
      duration: quick ? 1 : 8,
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

/** The client's multipart throughput without and with per-part MD5 (`integrity`), same run. */
async function clientDigests() {
  const size = quick ? 16 : 128;
  log(`client: ${size} MiB by multipart, without and with per-part MD5 (loopback broker and S3)`);
  const { plain, integrity } = await clientDigestThroughput(size, quick ? 1 : 3);
  value("client multipart throughput, no digests (loopback)", round(plain, 1), "MiB/s");
  value("client multipart throughput, per-part MD5 (loopback)", round(integrity, 1), "MiB/s");
}

/** Cold-import targets against the naive bundle: 0.4 for every function, 0.3 for the sign paths. */
const COLD_TARGET: Record<string, number> = { "sign-put": 0.3, "sign-post": 0.3 };

/** 256 MiB through upload-broker-client and through lib-storage's Upload, to RGW, in rounds. */
async function throughput() {
  log("client throughput against RGW…");
  const result = await clientThroughput(quick ? 1 : 3, quick ? 32 : 256, log);
  if (!result) {
    const note = "throughput rows skipped: no Ceph RGW (radosgw) on this machine";
    notes.push(note);
    figures["throughput skipped"] = note;
    return;
  }
  const mib = result.bytes / 1024 ** 2;
  const name = (who: string) => `client throughput ${mib} MiB to RGW: ${who}`;
  for (const [who, summary] of [["upload-broker-client (multipart, defaults)", result.client], ["upload-broker-client, to the ticket's final status", result.clientToFinalStatus], ["@aws-sdk/lib-storage Upload, direct", result.sdk], ["upload-broker-client, integrity (per-part MD5)", result.clientDigests], ["@aws-sdk/lib-storage Upload, direct, per-part CRC32", result.sdkDigests]] as const) {
    rows.push({ name: name(who), unit: "MiB/s", value: summary.median, median: summary.median, p99: summary.p99 });
    figures[name(who)] = { ...summary, unit: "MiB/s (p99: the slowest round)" };
  }
  figures["client throughput defaults"] = result.defaults;
}

function ratios() {
  const floor = median("floor: raw SigV4 presign (node:crypto)");
  const naive = median("baseline: getSignedUrl(S3Client, PutObjectCommand)");
  const put = median("sign-put handler, in-memory ports");
  const imp = (name: string) => (figures[`cold import ${name}`] as Summary).median;
  const naiveImport = imp("naive");
  const r: Record<string, number> = {
    "sign-put handler / SigV4 floor (target ≤ 5)": round(put / floor),
    "sign-put handler / naive SDK (target ≤ 0.15)": round(put / naive),
    "UrlPresigner / naive SDK": round(median("UrlPresigner.presignPut (aws4)") / naive),
    "sign-post handler / POST policy floor (target ≤ 2)": round(median("sign-post handler, in-memory ports") / median("floor: raw POST policy (node:crypto)")),
    "PostPresigner / POST policy floor": round(median("PostPresigner.presignPost (aws4)") / median("floor: raw POST policy (node:crypto)")),
    "sign-post handler / naive createPresignedPost": round(median("sign-post handler, in-memory ports") / median("baseline: createPresignedPost(S3Client)")),
    [`sign-parts handler (${PARTS} parts) / ${PARTS} × SigV4 floor (target ≤ 1.5)`]: round(median(`sign-parts handler (${PARTS} parts), in-memory ports`) / median(`floor: ${PARTS} × raw SigV4 presign (PUT)`)),
    [`sign-parts handler (${PARTS} parts) / ${PARTS} raw part presigns`]: round(median(`sign-parts handler (${PARTS} parts), in-memory ports`) / median(`floor: ${PARTS} raw part presigns (UploadPart)`)),
    "record handler / ceiling of its store calls (target ≥ 0.7)": round((figures["record handler (one event per object), dynalite"] as number) / (figures["ceiling: GetItem + HeadObject (+ ranged GET) stand-ins + UpdateItem, dynalite"] as number)),
    ...Object.fromEntries(ENTRIES.map((fn) => [`${fn} cold import / naive bundle (target ≤ ${COLD_TARGET[fn] ?? 0.4})`, round(imp(fn) / naiveImport)])),
    "Powertools Logger alone, cold import / naive bundle": round((imp("probe: Powertools Logger") - imp("probe: empty bundle")) / naiveImport),
    "Powertools Metrics alone, cold import / naive bundle": round((imp("probe: Powertools Metrics") - imp("probe: empty bundle")) / naiveImport),
    "zod with sign-put's schemas and loadConfig() (profiles with their checksum) alone, cold import / naive bundle": round((imp("probe: zod, sign-put's schemas + loadConfig()") - imp("probe: empty bundle")) / naiveImport),
    "node:http as an ES module import alone, cold import / naive bundle": round((imp("probe: node:http as an ES module import") - imp("probe: empty bundle")) / naiveImport),
    "lean transport alone, cold import / naive bundle": round((imp("probe: lean transport (signed-http, ticket writer, URL presigner)") - imp("probe: empty bundle")) / naiveImport),
    "empty bundle, cold import / naive bundle": round(imp("probe: empty bundle") / naiveImport),
    "naive design bundle cold import / naive bundle": round(imp("naive-full") / naiveImport),
    "sign-put cold import, --enable-source-maps / without": round(imp("sign-put+source-maps") / imp("sign-put")),
    "client throughput with per-part MD5 / without (loopback: the worst case)": round(
      (figures["client multipart throughput, per-part MD5 (loopback)"] as number) / (figures["client multipart throughput, no digests (loopback)"] as number),
    ),
    "naive sign-put / sign-put handler, dynalite": round(median("naive sign-put: getSignedUrl + DynamoDBDocumentClient PutItem, dynalite") / median("sign-put handler, dynalite tickets")),
  };
  const tp = (who: string) => (figures[Object.keys(figures).find((k) => k.startsWith("client throughput") && k.endsWith(who))!] as Summary | undefined)?.median;
  const client = tp("upload-broker-client (multipart, defaults)");
  const sdk = tp("@aws-sdk/lib-storage Upload, direct");
  if (client && sdk) r["client throughput / lib-storage Upload (target ≥ 0.9)"] = round(client / sdk);
  const clientDigests = tp("upload-broker-client, integrity (per-part MD5)");
  const sdkDigests = tp("@aws-sdk/lib-storage Upload, direct, per-part CRC32");
  if (clientDigests && sdkDigests) r["client throughput with digests / lib-storage with checksums"] = round(clientDigests / sdkDigests);
  if (figures["sign-put handler, daily quota (TransactWriteItems), DynamoDB Local"]) {
    r["sign-put with quota / without, DynamoDB Local"] = round(
      median("sign-put handler, daily quota (TransactWriteItems), DynamoDB Local") / median("sign-put handler, no quota (PutItem), DynamoDB Local"),
    );
  }
  return r;
}

/**
 * Handler CPU per invocation (ms on one core) for each function, from this run's figures; a
 * function without a handler figure of its own takes the named stand-in's. AWS calls: what one
 * invocation waits on (memory.ts adds AWS_CALL_MS each).
 */
const HANDLER_LOAD: Record<string, { figure: string; awsCalls: number }> = {
  "sign-put": { figure: "sign-put handler, in-memory ports", awsCalls: 1 },
  "sign-post": { figure: "sign-post handler, in-memory ports", awsCalls: 1 },
  multipart: { figure: `sign-parts handler (${PARTS} parts), in-memory ports`, awsCalls: 2 },
  uppy: { figure: `sign-parts handler (${PARTS} parts), in-memory ports`, awsCalls: 2 },
  "get-upload": { figure: "get-upload handler, dynalite", awsCalls: 1 },
  "list-uploads": { figure: "list-uploads handler (20 tickets), dynalite", awsCalls: 1 },
  usage: { figure: "get-upload handler, dynalite", awsCalls: 2 },
  public: { figure: "get-upload handler, dynalite", awsCalls: 1 },
  "upload-object": { figure: "download handler (upload-object), dynalite", awsCalls: 1 },
  "record-upload": { figure: "record handler (one event per object), dynalite", awsCalls: 4 },
  "scan-result": { figure: "record handler (one event per object), dynalite", awsCalls: 3 },
  sweep: { figure: "record handler (one event per object), dynalite", awsCalls: 8 },
  "publish-events": { figure: "publish-events handler (one stream record), in-memory publisher", awsCalls: 1 },
  // The POST to the receiver; the secret is read once per container in five minutes.
  "deliver-webhook": { figure: "deliver-webhook handler (one event, signed), in-memory sender", awsCalls: 1 },
};

function memoryTable() {
  const table: Record<string, unknown> = {};
  for (const fn of ENTRIES) {
    const spec = HANDLER_LOAD[fn] ?? { figure: "get-upload handler, dynalite", awsCalls: 1 };
    const f = figures[spec.figure];
    const handlerMs = typeof f === "number" ? 1000 / f : (f as Summary).median / 1000;
    const load: FunctionLoad = { fn, initMs: (figures[`cold import ${fn}`] as Summary).median / 1000, handlerMs, handlerFigure: spec.figure, awsCalls: spec.awsCalls };
    const sizes = memoryRows(load);
    table[fn] = { handlerFigure: spec.figure, handlerMs: round(handlerMs, 3), initMs: round(load.initMs, 1), awsCalls: spec.awsCalls, sizes, recommendedMb: recommend(sizes) };
  }
  figures["lambda memory"] = { awsCallMs: AWS_CALL_MS, functions: table };
  return table as Record<string, { sizes: ReturnType<typeof memoryRows>; recommendedMb: number }>;
}

/** The cost table: the broker as built, with a quota profile, and the naive one-function design. */
function costs(r: Record<string, number>) {
  const ms = (name: string) => median(name) / 1000;
  const init = (name: string) => (figures[`cold import ${name}`] as Summary).median / 1000;
  const fn = (name: keyof typeof MEMORY_MB, durationMs: number, bundle: string = name) => ({ fn: name, durationMs, initMs: init(bundle), memoryMb: MEMORY_MB[name] });
  const recordMs = 1000 / (figures["record handler (one event per object), dynalite"] as number);
  const s3Reads = figures["record handler S3 calls per event"] as { head: number; rangedGet: number };
  const recordS3Reads = s3Reads.head + s3Reads.rangedGet;
  const broker: Measured = {
    recordS3Reads,
    sign: fn("sign-put", ms("sign-put handler, dynalite tickets")),
    status: fn("get-upload", ms("get-upload handler, dynalite")),
    download: fn("upload-object", ms("download handler (upload-object), dynalite")),
    record: fn("record-upload", recordMs),
    publish: fn("publish-events", ms("publish-events handler (one stream record), in-memory publisher")),
  };
  // The naive design: one function, the full-SDK bundle's INIT for every cold start, the SDK's
  // presigners and document client where the broker has aws4; the same code elsewhere.
  const naive: Measured = {
    recordS3Reads,
    sign: fn("naive", ms("naive sign-put: getSignedUrl + DynamoDBDocumentClient PutItem, dynalite"), "naive-full"),
    status: fn("naive", broker.status.durationMs, "naive-full"),
    download: fn("naive", ms("naive download: getSignedUrl(GetObjectCommand) + GetItem, dynalite"), "naive-full"),
    record: fn("naive", recordMs, "naive-full"),
    publish: fn("naive", broker.publish.durationMs, "naive-full"),
  };
  const designs: Record<string, Measured> = { broker, naive };
  const quotaRatio = r["sign-put with quota / without, DynamoDB Local"];
  if (quotaRatio !== undefined) {
    designs["broker, quota profile"] = { ...broker, sign: { ...broker.sign, durationMs: broker.sign.durationMs * quotaRatio }, ticketWriteUnits: PER_UPLOAD.quotaWriteUnits };
  }
  const table = Object.fromEntries(Object.entries(designs).map(([name, m]) => [name, costPerMillion(uploadDesign(m))]));
  return { pricesTaken: PRICES_TAKEN, region: PRICE_REGION, coldStartShare: COLD_START_SHARE, perUpload: PER_UPLOAD, durations: designs, perMillionUploadsUSD: table };
}

// DynamoDB Local (Java) starts while the compute figures are taken.
const local = javaAvailable() ? startDynamoLocal() : Promise.resolve(undefined);
local.catch(() => undefined);

await signing();
await multipartBatch();
await againstDynalite();
await quotas(local);
await coldStarts();
await load();
await clientDigests();
await throughput();
const r = ratios();
const cost = costs(r);
const memory = memoryTable();

const pad = (s: string, n: number) => s.padEnd(n);
console.log(`\n${pad("measurement", 90)}${pad("median", 12)}${pad("p99", 12)}other`);
for (const row of rows) {
  const fmt = (n?: number) => (n === undefined ? "" : row.unit === "µs" && n >= 10000 ? `${round(n / 1000, 1)} ms` : `${round(n, 1)} µs`);
  const other = row.name.startsWith("cold import") ? `${row.value} bytes` : row.value !== undefined ? `${row.value} ${row.unit}` : "";
  console.log(`${pad(row.name, 90)}${pad(fmt(row.median), 12)}${pad(fmt(row.p99), 12)}${other}`);
}
for (const note of notes) console.log(`note: ${note}`);
console.log("\nratios (same run):");
for (const [name, v] of Object.entries(r)) console.log(`  ${pad(name, 84)}${v}`);

const designs = Object.keys(cost.perMillionUploadsUSD);
console.log(`\nUSD per million uploads (${cost.region} list prices of ${cost.pricesTaken}, bench/prices.ts; ${COLD_START_SHARE * 100}% cold starts):`);
console.log(`  ${pad("", 40)}${designs.map((d) => pad(d, 24)).join("")}`);
for (const line of [...COST_LINES, "total"] as const) {
  console.log(`  ${pad(line, 40)}${designs.map((d) => pad(`$${cost.perMillionUploadsUSD[d]![line].toFixed(2)}`, 24)).join("")}`);
}
console.log("\nLambda memory (warm / cold ms at 128 | 256 | 512 MB on this machine's core, USD per million invocations, 1% cold):");
for (const [fn, m] of Object.entries(memory)) {
  console.log(`  ${pad(fn, 16)}${m.sizes.map((s) => pad(`${s.warmMs}/${s.coldMs} ms $${s.usdPerMillion}`, 28)).join("")}→ ${m.recommendedMb} MB`);
}

// A compact table to paste into docs/performance.md.
const imp = (name: string) => figures[`cold import ${name}`] as Summary;
const naiveCold = imp("naive").median;
console.log(`\n| function | cold import median (ms) | p99 (ms) | / naive | target | memory |\n| --- | ---: | ---: | ---: | ---: | ---: |`);
console.log(`| naive bundle | ${round(naiveCold / 1000, 1)} | ${round(imp("naive").p99 / 1000, 1)} | 1.00 | | |`);
for (const fn of ENTRIES) {
  const ratio = round(imp(fn).median / naiveCold);
  const target = COLD_TARGET[fn] ?? 0.4;
  console.log(`| ${fn} | ${round(imp(fn).median / 1000, 1)} | ${round(imp(fn).p99 / 1000, 1)} | ${ratio.toFixed(2)}${ratio <= target ? "" : " ✗"} | ≤ ${target} | ${memory[fn]!.recommendedMb} MB |`);
}
for (const row of rows.filter((x) => x.unit === "MiB/s" && x.median !== undefined)) console.log(`| ${row.name} | ${row.median} MiB/s | ${row.p99} MiB/s (slowest) | | | |`);
const tpRatio = r["client throughput / lib-storage Upload (target ≥ 0.9)"];
if (tpRatio !== undefined) console.log(`| client / lib-storage | ${tpRatio} | | | ≥ 0.9 | |`);
const tpDigests = r["client throughput with digests / lib-storage with checksums"];
if (tpDigests !== undefined) console.log(`| client / lib-storage, digests on | ${tpDigests} | | | | |`);

if (jsonFile) {
  writeFileSync(jsonFile, JSON.stringify({ node: process.version, quick, load: loadavg(), figures, ratios: r, cost, notes }, null, 2));
  console.log(`\nwrote ${jsonFile}`);
}
// Keep-alive sockets of the SDK clients would hold the process open for a while.
process.exit(0);
