/**
 * Presigned PUT tickets against a strict S3 (Ceph RGW) and against `npm start`'s embedded S3 (its
 * door checks what S3 checks): the accepted upload, and every upload S3 must refuse because of
 * what the ticket signed, with S3's status and code.
 */
import { createHash } from "node:crypto";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { makeSignPutHandler } from "../../functions/handlers/sign-put.js";
import type { SignPutResponse } from "../../functions/schemas.js";
import { bodyOf, httpEvent } from "../support/fixtures.js";
import { documented } from "../support/openapi.js";
import type { HttpEvent } from "../../functions/http.js";
import { s3Targets, strictDeps } from "../support/integration.js";

const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) % 256);
const png = bytes(2048);

/** Sends what a browser sends: the ticket's headers (fetch sets content-length itself). */
function upload(ticket: Pick<SignPutResponse, "url" | "headers">, body: Uint8Array, change: Record<string, string | null> = {}, url = ticket.url) {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...ticket.headers, ...change })) {
    if (value !== null && name !== "content-length") headers[name] = value;
  }
  return fetch(url, { method: "PUT", headers, body });
}

describe.each(s3Targets)("presigned PUT against $name", ({ s3: target }) => {
  if (!target) return it.skip("needs Ceph RGW");
  let env: Awaited<ReturnType<typeof strictDeps>>;
  let sign: (event: HttpEvent) => Promise<{ statusCode?: number; body?: string }>;
  const ticket = async (body: Record<string, unknown> = {}) => {
    const result = await sign(httpEvent({ body: { profile: "avatar", filename: "me.png", contentType: "image/png", size: png.length, metadata: { caption: "hi" }, ...body }, claims: { sub: "alice" } }));
    expect(result.statusCode).toBe(201);
    return bodyOf(result) as SignPutResponse;
  };

  beforeAll(async () => {
    env = await strictDeps(undefined, target);
    sign = documented("signPut", makeSignPutHandler(env.deps));
  });

  it("accepts the matching upload and stores type, metadata and bytes", async () => {
    const t = await ticket();
    expect(await env.tickets.get(t.uploadId)).toMatchObject({ status: "pending", key: t.key, declaredSize: png.length });
    const res = await upload(t, png);
    expect(res.status).toBe(200);
    const object = await env.head(t.key);
    expect(object.ContentType).toBe("image/png");
    expect(object.ContentLength).toBe(png.length);
    expect(object.Metadata).toEqual({ "upload-id": t.uploadId, caption: "hi" });
    const stored = await env.s3.send(new GetObjectCommand({ Bucket: env.bucket, Key: t.key }));
    expect(Buffer.from(await stored.Body!.transformToByteArray()).equals(Buffer.from(png))).toBe(true);
  });

  it("puts no checksum parameters into the URL", async () => {
    const t = await ticket();
    expect(t.url).not.toMatch(/x-amz-checksum-crc32|x-amz-sdk-checksum-algorithm/i);
  });

  it.each([
    ["another content type", { "content-type": "image/jpeg" }, png],
    ["one byte more", {}, bytes(png.length + 1)],
    ["one byte less", {}, bytes(png.length - 1)],
    ["changed metadata", { "x-amz-meta-caption": "evil" }, png],
    ["missing metadata", { "x-amz-meta-caption": null }, png],
    ["a forged upload id", { "x-amz-meta-upload-id": "01KAGX5Z2N3Q4R5S6T7V8W9XYZ" }, png],
    ["no if-none-match", { "if-none-match": null }, png],
  ])("refuses %s (403) and stores nothing", async (_name, change, body) => {
    const t = await ticket();
    const res = await upload(t, body, change);
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/SignatureDoesNotMatch|AccessDenied/);
    expect(await env.exists(t.key)).toBe(false);
  });

  it("refuses a second upload with the same URL (412) and keeps the first object", async () => {
    const t = await ticket();
    expect((await upload(t, png)).status).toBe(200);
    const first = await env.head(t.key);
    const second = await upload(t, png);
    expect(second.status).toBe(412);
    expect((await env.head(t.key)).ETag).toBe(first.ETag);
  });

  it("refuses the same signature on another key", async () => {
    const t = await ticket();
    const other = new URL(t.url);
    other.pathname = other.pathname.replace(/me\.png$/, "other.png");
    const res = await upload(t, png, {}, other.toString());
    expect(res.status).toBe(403);
    expect(await env.exists(t.key.replace(/me\.png$/, "other.png"))).toBe(false);
  });

  it("refuses a tampered signature", async () => {
    const t = await ticket();
    const url = new URL(t.url);
    const sig = url.searchParams.get("X-Amz-Signature")!;
    url.searchParams.set("X-Amz-Signature", (sig[0] === "a" ? "b" : "a") + sig.slice(1));
    expect((await upload(t, png, {}, url.toString())).status).toBe(403);
  });

  it("refuses an expired URL", async () => {
    const twoHoursAgo = new Date(Date.now() - 2 * 3600 * 1000);
    const expired = documented("signPut", makeSignPutHandler({ ...env.deps, clock: { now: () => twoHoursAgo } }));
    const t = bodyOf(await expired(httpEvent({ body: { profile: "avatar", filename: "old.png", contentType: "image/png", size: png.length }, claims: { sub: "alice" } }))) as SignPutResponse;
    const res = await upload(t, png);
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/AccessDenied|expired/i);
    expect(await env.exists(t.key)).toBe(false);
  });

  it("signs the SHA-256 checksum: a changed checksum header is refused", async () => {
    const checksumSha256 = createHash("sha256").update(png).digest("base64");
    const t = await ticket({ checksumSha256 });
    expect(t.headers["x-amz-checksum-sha256"]).toBe(checksumSha256);
    const other = createHash("sha256").update("other").digest("base64");
    expect((await upload(t, png, { "x-amz-checksum-sha256": other })).status).toBe(403);
    expect((await upload(t, png, { "x-amz-checksum-sha256": null })).status).toBe(403);
    expect((await upload(t, png)).status).toBe(200);
  });

  it("signs the MD5: other bytes of the same length are refused (400 BadDigest), the file's own are stored", async () => {
    const contentMd5 = createHash("md5").update(png).digest("base64");
    const t = await ticket({ contentMd5 });
    expect(t.headers["content-md5"]).toBe(contentMd5);
    const tampered = await upload(t, bytes(png.length, 2));
    expect(tampered.status).toBe(400);
    expect(await tampered.text()).toMatch(/<Code>BadDigest<\/Code>/);
    expect(await env.exists(t.key)).toBe(false);
    // Sent without the header, the signature no longer matches.
    expect((await upload(t, png, { "content-md5": null })).status).toBe(403);
    expect((await upload(t, png)).status).toBe(200);
    expect((await env.head(t.key)).ContentLength).toBe(png.length);
  });

  it("keeps users in their own prefix: alice's URL cannot write bob's key", async () => {
    const t = await ticket();
    const url = new URL(t.url);
    url.pathname = url.pathname.replace("/uploads/alice/", "/uploads/bob/");
    expect((await upload(t, png, {}, url.toString())).status).toBe(403);
  });
});
