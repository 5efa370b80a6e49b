/**
 * Public files: local mode serves a public profile's completed upload at its fileUrl (right
 * type, ETag, 304 on revalidation) and nothing else (pending, rejected, deleted, private: 404);
 * on Ceph RGW, the stream handler's served copy is made from real bytes and removed again.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { marshall } from "@aws-sdk/util-dynamodb";
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3FileServer } from "../../functions/adapters/s3-file-server.js";
import { fileUrls, SERVED_CACHE_CONTROL } from "../../functions/domain/public-files.js";
import { parseProfiles } from "../../functions/domain/profiles.js";
import { makePublishHandler } from "../../functions/handlers/publish-events.js";
import type { Ticket } from "../../functions/schemas.js";
import { loadLocalConfig } from "../../local/config.js";
import { startLocalServer, type LocalServer } from "../../local/server.js";
import { ownerRest, ownerS3, strictS3 } from "../support/integration.js";
import { documentedFetch } from "../support/openapi.js";
import { pdf, png } from "../support/samples.js";

const PROFILES = [
  { name: "avatar", contentTypes: ["image/png"], maxBytes: 1_000_000, methods: ["put", "post"], public: true },
  { name: "doc", contentTypes: ["application/pdf"], maxBytes: 1_000_000 },
];

describe("local mode serves public files", () => {
  let server: LocalServer;
  let dir: string;
  let token = "";
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await documentedFetch(`${server.url}${path}`, {
      method,
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const settled = async (uploadId: string) => {
    for (let i = 0; i < 100; i++) {
      const { body } = await call("GET", `/uploads/${uploadId}`);
      if (body.status !== "pending") return body;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${uploadId} stayed pending`);
  };
  /** Signs a PUT, uploads `bytes` with the ticket's headers (the embedded S3 checks no signature). */
  const upload = async (profile: string, filename: string, contentType: string, bytes: Uint8Array) => {
    const { body: t } = await call("POST", "/sign/put", { profile, filename, contentType, size: bytes.length });
    const { "content-length": _, ...headers } = t.headers as Record<string, string>;
    expect((await fetch(t.url, { method: "PUT", headers, body: bytes })).status).toBe(200);
    return settled(t.uploadId);
  };
  const fileAt = (uploadId: string, name: string, profile = "avatar") => `${server.url}/files/${profile}/${uploadId}/${name}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "upload-broker-public-"));
    writeFileSync(join(dir, "profiles.json"), JSON.stringify(PROFILES));
    server = await startLocalServer(loadLocalConfig({ PORT: "0", LOCAL_DATA_DIR: join(dir, "data"), PROFILES_FILE: join(dir, "profiles.json") }));
    token = (await call("POST", "/dev/token", { sub: "alice" })).body.token;
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("says in GET /profiles which profiles are public", async () => {
    const { body } = await call("GET", "/profiles");
    expect(body.profiles.map((p: { name: string; public: boolean }) => [p.name, p.public])).toEqual([["avatar", true], ["doc", false]]);
  });

  it("serves a completed upload at its fileUrl with its type and ETag, answers 304 to its ETag, and HEAD", async () => {
    const bytes = png(16, 16, 7);
    const view = await upload("avatar", "me.png", "image/png", bytes);
    expect(view).toMatchObject({ status: "completed", fileUrl: fileAt(view.uploadId, "me.png") });
    expect((await call("GET", "/uploads")).body.items[0].fileUrl).toBe(view.fileUrl);
    const res = await fetch(view.fileUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(res.headers.get("etag")).toBe(`"${view.etag}"`);
    expect(res.headers.get("cache-control")).toBe(SERVED_CACHE_CONTROL);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(bytes))).toBe(true);
    const again = await fetch(view.fileUrl, { headers: { "if-none-match": `"${view.etag}"` } });
    expect(again.status).toBe(304);
    const head = await fetch(view.fileUrl, { method: "HEAD" });
    expect([head.status, head.headers.get("content-length"), head.headers.get("etag")]).toEqual([200, String(bytes.length), `"${view.etag}"`]);
    // Only under exactly its URL.
    expect((await fetch(fileAt(view.uploadId, "other.png"))).status).toBe(404);
    expect((await fetch(fileAt(view.uploadId, "me.png", "doc"))).status).toBe(404);
  });

  it("answers 404 for a pending upload, a rejected one, a private profile's, and a deleted one", async () => {
    const { body: t } = await call("POST", "/sign/put", { profile: "avatar", filename: "later.png", contentType: "image/png", size: 100 });
    const pending = await fetch(fileAt(t.uploadId, "later.png"));
    expect(pending.status).toBe(404);
    expect(await pending.json()).toMatchObject({ error: { code: "not_found" } });

    // Labelled PNG, bytes of a PDF: the record step's content check rejects it.
    const rejected = await upload("avatar", "fake.png", "image/png", pdf());
    expect(rejected).toMatchObject({ status: "rejected" });
    expect(rejected.fileUrl).toBeUndefined();
    expect((await fetch(fileAt(rejected.uploadId, "fake.png"))).status).toBe(404);

    const privateDoc = await upload("doc", "report.pdf", "application/pdf", pdf());
    expect(privateDoc).toMatchObject({ status: "completed" });
    expect(privateDoc.fileUrl).toBeUndefined();
    expect((await fetch(fileAt(privateDoc.uploadId, "report.pdf", "doc"))).status).toBe(404);

    const served = await upload("avatar", "bye.png", "image/png", png(8, 8, 3));
    expect((await fetch(served.fileUrl)).status).toBe(200);
    const { body: gone } = await call("DELETE", `/uploads/${served.uploadId}`);
    expect(gone).toMatchObject({ status: "deleted" });
    expect(gone.fileUrl).toBeUndefined();
    expect((await fetch(served.fileUrl)).status).toBe(404);
  });
});

describe.skipIf(!strictS3)("served copies on Ceph RGW (the stream handler's copy, real bytes)", () => {
  const s3 = strictS3 ? ownerS3() : undefined!;
  const bucket = `public-${Date.now().toString(36)}`;
  const ID = "01KAGX5Z2N3Q4R5S6T7V8W9XYZ";
  const key = `uploads/alice/${ID}/me.png`;
  const bytes = png(24, 24, 5);
  const profiles = parseProfiles(PROFILES);
  let etag = "";
  const events: string[] = [];
  const handler = () =>
    makePublishHandler({
      bucket,
      publisher: { publish: async (batch) => void events.push(...batch.map((e) => `${e.detailType} ${e.detail.fileUrl ?? "-"}`)) },
      files: { server: new S3FileServer(ownerRest(bucket), bucket), publicProfiles: new Set(["avatar"]), fileUrl: fileUrls(profiles, "https://files.example.com/") },
    });
  const ticket = (changes: Partial<Ticket>): Ticket => ({
    uploadId: ID, owner: "alice", profile: "avatar", key, method: "PUT", filename: "me.png", contentType: "image/png", minBytes: 1, maxBytes: 1_000_000,
    metadata: { caption: "private note" }, status: "pending", createdAt: "2026-11-21T10:00:00.000Z", expiresAt: "2026-11-21T10:05:00.000Z", version: 1, ...changes,
  });
  const change = (seq: string, before: Ticket, after: Ticket) => ({
    Records: [{ eventID: seq, dynamodb: { SequenceNumber: seq, OldImage: marshall(before, { removeUndefinedValues: true }), NewImage: marshall(after, { removeUndefinedValues: true }) } }],
  });
  const served = `public/avatar/${ID}/me.png`;
  const exists = (k: string) => s3.send(new HeadObjectCommand({ Bucket: bucket, Key: k })).then(() => true, () => false);

  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ContentType: "image/png", Metadata: { "upload-id": ID, caption: "private note" } }));
    etag = put.ETag!.replace(/"/g, "");
  });

  it("copies the completed upload to public/<profile>/<id>/<name>: same bytes and type, served Cache-Control, no uploader metadata", async () => {
    const completed = ticket({ status: "completed", etag, size: bytes.length, completedAt: "2026-11-21T10:00:03.000Z", version: 2 });
    expect(await handler()(change("1", ticket({}), completed))).toEqual({ batchItemFailures: [] });
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: served }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.from(bytes))).toBe(true);
    expect(got.ContentType).toBe("image/png");
    expect(got.CacheControl).toBe(SERVED_CACHE_CONTROL);
    expect(got.Metadata).toEqual({});
    // An unencrypted single-part copy keeps the upload's MD5 ETag: the CDN serves the ticket's ETag.
    expect(got.ETag!.replace(/"/g, "")).toBe(etag);
    expect(events).toEqual([`Upload Completed https://files.example.com/avatar/${ID}/me.png`]);
  });

  it("copies nothing when the upload was replaced since it was judged (the later change serves it)", async () => {
    const other = `uploads/alice/${ID}/other.png`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: other, Body: bytes, ContentType: "image/png" }));
    expect(await new S3FileServer(ownerRest(bucket), bucket).copy(other, `public/avatar/${ID}/other.png`, "0".repeat(32))).toBe(false);
    expect(await exists(`public/avatar/${ID}/other.png`)).toBe(false);
  });

  it("removes the served copy when the upload is deleted, and a second removal is no error", async () => {
    const completed = ticket({ status: "completed", etag, size: bytes.length, version: 2 });
    const deleted = { ...completed, status: "deleted" as const, deletedAt: "2026-11-21T11:00:00.000Z", version: 3 };
    expect(await handler()(change("2", completed, deleted))).toEqual({ batchItemFailures: [] });
    expect(await exists(served)).toBe(false);
    expect(await exists(key)).toBe(true); // the upload itself is the delete route's to remove
    await new S3FileServer(ownerRest(bucket), bucket).remove([served]);
  });
});
