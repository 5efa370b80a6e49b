/**
 * Multipart uploads with real bytes against Ceph RGW and against `npm start`'s embedded S3 (its
 * door lists and checks parts as S3 does): the broker creates the upload, signs each part for its
 * exact length (S3 refuses any other), lists parts for resuming, completes from exactly parts
 * 1..N and checks the object as the record step does, which RGW's CompleteMultipartUpload
 * notification then runs again without changing anything.
 */
import { createHash } from "node:crypto";
import { AbortMultipartUploadCommand, ListPartsCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3MultipartStore } from "../../functions/adapters/s3-multipart-store.js";
import { S3ObjectStore } from "../../functions/adapters/s3-object-store.js";
import { parseProfiles } from "../../functions/domain/profiles.js";
import { makeCompleteHandler, makeListPartsHandler, makeSignMultipartHandler, makeSignPartsHandler } from "../../functions/handlers/multipart.js";
import { makeRecordHandler } from "../../functions/handlers/record-upload.js";
import type { HttpEvent } from "../../functions/http.js";
import type { SignMultipartResponse, SignPartsResponse } from "../../functions/schemas.js";
import { toAwsS3Event } from "../../local/s3-events.js";
import { bodyOf, httpEvent } from "../support/fixtures.js";
import { s3Targets, strictDeps, strictS3 } from "../support/integration.js";
import { documented } from "../support/openapi.js";
import { pushNotifications, type Notifications } from "../support/rgw-notifications.js";
import { mp4, withHead } from "../support/samples.js";

const MiB = 1024 * 1024;
const profiles = parseProfiles([
  { name: "video", contentTypes: ["video/mp4"], minBytes: 1, maxBytes: 64 * MiB, methods: ["multipart"], metadataKeys: ["title"] },
]);
// An MP4's ftyp box first: the record step checks that the bytes are the video/mp4 they claim to be.
const bytes = (size: number, seed: number) => withHead(mp4(0), Uint8Array.from({ length: size }, (_, i) => (i * 31 + seed) % 251));

describe.each(s3Targets)("multipart uploads against $name", ({ s3: target }) => {
  if (!target) return it.skip("needs Ceph RGW");
  let env: Awaited<ReturnType<typeof strictDeps>>;
  /** RGW's bucket notifications (local mode feeds its own bucket's events to its own record step). */
  let notifications: Notifications | undefined;
  let now = () => new Date();
  type Call = (event: HttpEvent) => Promise<{ statusCode?: number; body?: string }>;
  let start: Call, sign: Call, list: Call, complete: Call;
  const call = async (handler: Call, sub: string, uploadId?: string, body?: unknown) => {
    const event = httpEvent({ claims: { sub }, ...(body === undefined ? { raw: "" } : { body }) });
    const result = await handler({ ...event, ...(uploadId ? { pathParameters: { uploadId } } : {}) });
    return { status: result.statusCode, body: bodyOf(result) };
  };
  const begin = async (size: number, sub = "alice") =>
    (await call(start, sub, undefined, { profile: "video", filename: "holiday clip.mp4", contentType: "video/mp4", size, partSize: 5 * MiB, metadata: { title: "sea" } })).body as SignMultipartResponse;
  const partUrls = async (t: SignMultipartResponse, partNumbers: number[]) => (await call(sign, "alice", t.uploadId, { partNumbers })).body as SignPartsResponse;
  /** PUTs each part's bytes to its URL, all at once; the ETags by part number. */
  const putParts = async (urls: SignPartsResponse, file: Uint8Array, partSize = 5 * MiB) =>
    Promise.all(
      urls.parts.map(async (p) => {
        const body = file.slice((p.partNumber - 1) * partSize, p.partNumber * partSize);
        const res = await fetch(p.url, { method: "PUT", body });
        expect(res.status, `part ${p.partNumber}`).toBe(200);
        return { partNumber: p.partNumber, etag: res.headers.get("etag")!.replace(/"/g, "") };
      }),
    );

  beforeAll(async () => {
    env = await strictDeps(profiles, target);
    const objects = new S3ObjectStore(env.rest);
    const multipart = new S3MultipartStore(env.rest);
    const parts = { profiles, tickets: env.tickets.store, objects, multipart, signer: env.deps.signer, clock: { now: () => now() } };
    start = documented("signMultipart", makeSignMultipartHandler({ ...env.deps, writer: env.deps.writer, multipart }));
    sign = documented("signParts", makeSignPartsHandler(parts));
    list = documented("listParts", makeListPartsHandler(parts));
    complete = documented("completeUpload", makeCompleteHandler(parts));
    const record = makeRecordHandler({ bucket: env.bucket, tickets: env.tickets.store, objects, clock: env.deps.clock });
    if (target === strictS3) notifications = await pushNotifications(target, env.s3, env.bucket, (body) => record(toAwsS3Event(body)));
  });
  afterAll(() => notifications?.close());

  it("uploads a 12 MiB file in three parts at once and completes it with the right size and ETag", async () => {
    const file = bytes(12 * MiB, 1);
    const t = await begin(file.length);
    expect(t).toMatchObject({ method: "MULTIPART", partSize: 5 * MiB, partCount: 3 });
    const urls = await partUrls(t, [1, 2, 3]);
    expect(urls.parts.map((p) => p.headers["content-length"])).toEqual([String(5 * MiB), String(5 * MiB), String(2 * MiB)]);
    const etags = await putParts(urls, file);
    const before = notifications?.received ?? 0;
    const done = await call(complete, "alice", t.uploadId, { parts: etags });
    expect(done.status).toBe(200);
    const head = await env.head(t.key);
    expect(done.body).toMatchObject({ status: "completed", size: file.length, etag: head.ETag!.replace(/"/g, ""), method: "MULTIPART" });
    expect(head).toMatchObject({ ContentLength: file.length, ContentType: "video/mp4", Metadata: { "upload-id": t.uploadId, title: "sea" } });
    const stored = Buffer.from(await (await fetch(await getUrl(t.key))).arrayBuffer());
    expect(stored.equals(Buffer.from(file))).toBe(true);

    // RGW's notification runs the record step on the same object: nothing changes.
    const ticket = await env.tickets.get(t.uploadId);
    await notifications?.waitFor(before + 1);
    expect(await env.tickets.get(t.uploadId)).toEqual(ticket);
    // Completing again answers the same view; more parts are refused.
    expect(await call(complete, "alice", t.uploadId, { parts: etags })).toEqual(done);
    expect((await call(sign, "alice", t.uploadId, { partNumbers: [1] })).status).toBe(409);
    expect((await call(list, "alice", t.uploadId)).status).toBe(409);
  });

  it.each([
    ["one byte longer", 1],
    ["one byte shorter", -1],
  ])("S3 refuses a part %s than signed", async (_name, delta) => {
    const t = await begin(12 * MiB);
    const [part] = (await partUrls(t, [1])).parts;
    const res = await fetch(part!.url, { method: "PUT", body: bytes(5 * MiB + delta, 2) });
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/SignatureDoesNotMatch/);
  });

  it("refuses a part whose bytes differ from the MD5 its URL signed (400 BadDigest), and still completes with the right bytes", async () => {
    const file = bytes(12 * MiB, 5);
    const t = await begin(file.length);
    const md5 = (n: number) => createHash("md5").update(file.subarray((n - 1) * 5 * MiB, n * 5 * MiB)).digest("base64");
    const res = await call(sign, "alice", t.uploadId, { parts: [1, 2, 3].map((partNumber) => ({ partNumber, contentMd5: md5(partNumber) })) });
    expect(res.status).toBe(200);
    const urls = res.body as SignPartsResponse;
    expect(urls.parts[1]!.headers).toEqual({ "content-length": String(5 * MiB), "content-md5": md5(2) });
    // A proxy that swaps part 2 for other bytes of the same length: S3 refuses them.
    const swapped = file.slice(5 * MiB, 10 * MiB).reverse();
    const tampered = await fetch(urls.parts[1]!.url, { method: "PUT", body: swapped, headers: { "content-md5": md5(2) } });
    expect(tampered.status).toBe(400);
    expect(await tampered.text()).toMatch(/<Code>BadDigest<\/Code>/);
    expect(((await call(list, "alice", t.uploadId)).body.parts as unknown[]).length).toBe(0);
    const etags = await Promise.all(
      urls.parts.map(async (p) => {
        const put = await fetch(p.url, { method: "PUT", body: file.slice((p.partNumber - 1) * 5 * MiB, p.partNumber * 5 * MiB), headers: { "content-md5": p.headers["content-md5"]! } });
        expect(put.status, `part ${p.partNumber}`).toBe(200);
        return { partNumber: p.partNumber, etag: put.headers.get("etag")!.replace(/"/g, "") };
      }),
    );
    expect((await call(complete, "alice", t.uploadId, { parts: etags })).body).toMatchObject({ status: "completed", size: file.length });
    expect(Buffer.from(await (await fetch(await getUrl(t.key))).arrayBuffer()).equals(Buffer.from(file))).toBe(true);
  });

  it("refuses a part number outside the plan with 422", async () => {
    const t = await begin(12 * MiB);
    const res = await call(sign, "alice", t.uploadId, { partNumbers: [4] });
    expect(res.status).toBe(422);
    expect(res.body.error.details).toEqual([{ path: "partNumbers.0", message: expect.stringMatching(/parts 1 to 3/) }]);
  });

  it.each([
    ["a missing part", (e: Array<{ partNumber: number; etag: string }>) => e.slice(0, 2)],
    ["a duplicated part", (e: Array<{ partNumber: number; etag: string }>) => [e[0]!, e[0]!, e[1]!, e[2]!]],
    ["parts out of order", (e: Array<{ partNumber: number; etag: string }>) => [e[1]!, e[0]!, e[2]!]],
    ["a wrong ETag (S3's InvalidPart)", (e: Array<{ partNumber: number; etag: string }>) => [e[0]!, { ...e[1]!, etag: "0".repeat(32) }, e[2]!]],
  ])("refuses to complete with %s (422), and nothing is stored", async (_name, change) => {
    const file = bytes(12 * MiB, 3);
    const t = await begin(file.length);
    const etags = await putParts(await partUrls(t, [1, 2, 3]), file);
    const res = await call(complete, "alice", t.uploadId, { parts: change(etags) });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("validation_failed");
    expect(await env.exists(t.key)).toBe(false);
    expect(await env.tickets.get(t.uploadId)).toMatchObject({ status: "pending" });
    // The upload stays alive: the right list still completes it.
    expect((await call(complete, "alice", t.uploadId, { parts: etags })).body).toMatchObject({ status: "completed", size: file.length });
  });

  it("resumes: parts 1 and 3, a reload, the list of what S3 holds, part 2, complete", async () => {
    const file = bytes(12 * MiB, 4);
    const t = await begin(file.length);
    await putParts(await partUrls(t, [1, 3]), file);
    const held = (await call(list, "alice", t.uploadId)).body.parts as Array<{ partNumber: number; size: number; etag: string }>;
    expect(held.map((p) => [p.partNumber, p.size])).toEqual([[1, 5 * MiB], [3, 2 * MiB]]);
    const [second] = await putParts(await partUrls(t, [2]), file);
    const parts = [held[0]!, second!, held[1]!].map(({ partNumber, etag }) => ({ partNumber, etag }));
    expect((await call(complete, "alice", t.uploadId, { parts })).body).toMatchObject({ status: "completed", size: file.length });
    expect(Buffer.from(await (await fetch(await getUrl(t.key))).arrayBuffer()).equals(Buffer.from(file))).toBe(true);
  });

  it("pages ListParts by max-parts and part-number-marker, and after AbortMultipartUpload the upload and its part URLs are gone (404)", async () => {
    const file = bytes(12 * MiB, 5);
    const t = await begin(file.length);
    const urls = await partUrls(t, [1, 2, 3]);
    await putParts(urls, file);
    const { s3UploadId: UploadId } = (await env.tickets.get(t.uploadId))!;
    const at = { Bucket: env.bucket, Key: t.key, UploadId };
    const first = await env.s3.send(new ListPartsCommand({ ...at, MaxParts: 2 }));
    expect(first).toMatchObject({ IsTruncated: true, NextPartNumberMarker: "2", MaxParts: 2 });
    expect(first.Parts!.map((p) => [p.PartNumber, p.Size])).toEqual([[1, 5 * MiB], [2, 5 * MiB]]);
    const rest = await env.s3.send(new ListPartsCommand({ ...at, MaxParts: 2, PartNumberMarker: first.NextPartNumberMarker }));
    expect(rest).toMatchObject({ IsTruncated: false });
    expect(rest.Parts!.map((p) => [p.PartNumber, p.Size])).toEqual([[3, 2 * MiB]]);

    await env.s3.send(new AbortMultipartUploadCommand(at));
    // AWS answers NoSuchUpload; Ceph RGW 16 NoSuchKey. Both 404.
    await expect(env.s3.send(new ListPartsCommand(at))).rejects.toMatchObject({ name: expect.stringMatching(/^NoSuch(Upload|Key)$/), $metadata: { httpStatusCode: 404 } });
    const late = await fetch(urls.parts[0]!.url, { method: "PUT", body: file.slice(0, 5 * MiB) });
    expect(late.status).toBe(404);
    expect(await late.text()).toMatch(/<Code>NoSuch(Upload|Key)<\/Code>/);
    expect(await env.exists(t.key)).toBe(false);
  });

  it("answers another user's follow-ups with 404", async () => {
    const t = await begin(12 * MiB);
    expect((await call(sign, "mallory", t.uploadId, { partNumbers: [1] })).status).toBe(404);
    expect((await call(list, "mallory", t.uploadId)).status).toBe(404);
    expect((await call(complete, "mallory", t.uploadId, { parts: [{ partNumber: 1, etag: "x" }] })).status).toBe(404);
  });

  it("answers 409 once the ticket has expired", async () => {
    const t = await begin(12 * MiB);
    now = () => new Date(Date.now() + 25 * 3600 * 1000);
    try {
      expect((await call(sign, "alice", t.uploadId, { partNumbers: [1] })).status).toBe(409);
      expect((await call(complete, "alice", t.uploadId, { parts: [1, 2, 3].map((n) => ({ partNumber: n, etag: "x" })) })).status).toBe(409);
    } finally {
      now = () => new Date();
    }
  });

  /** A GET URL for the bucket owner, to read back what landed. */
  async function getUrl(key: string) {
    const { GetObjectCommand } = await import("@aws-sdk/client-s3");
    const { getSignedUrl } = await import("@aws-sdk/s3-request-presigner");
    return getSignedUrl(env.s3, new GetObjectCommand({ Bucket: env.bucket, Key: key }), { expiresIn: 60 });
  }
});

