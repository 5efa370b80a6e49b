/**
 * Presigned POST policies against a strict S3 (Ceph RGW) and against `npm start`'s embedded S3
 * (its door checks the policy as S3 does): the accepted form upload, and every form S3 must
 * refuse because of the policy's conditions, with S3's status and code.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { makeSignPostHandler } from "../../functions/handlers/sign-post.js";
import type { SignPostResponse } from "../../functions/schemas.js";
import { bodyOf, httpEvent } from "../support/fixtures.js";
import { documented } from "../support/openapi.js";
import type { HttpEvent } from "../../functions/http.js";
import { s3Targets, strictDeps } from "../support/integration.js";

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) % 256);

/** Posts what an HTML form posts: every field, then `file` last. */
function postForm(ticket: Pick<SignPostResponse, "url" | "fields">, file: Uint8Array, opts: { change?: Record<string, string | null>; name?: string; type?: string } = {}) {
  const form = new FormData();
  for (const [name, value] of Object.entries({ ...ticket.fields, ...opts.change })) if (value !== null) form.append(name, value);
  form.append("file", new Blob([file], { type: opts.type ?? "application/octet-stream" }), opts.name ?? "upload.bin");
  return fetch(ticket.url, { method: "POST", body: form });
}

describe.each(s3Targets)("presigned POST against $name", ({ s3: target }) => {
  if (!target) return it.skip("needs Ceph RGW");
  let env: Awaited<ReturnType<typeof strictDeps>>;
  let sign: (event: HttpEvent) => Promise<{ statusCode?: number; body?: string }>;
  const ticket = async (body: Record<string, unknown> = {}) => {
    const result = await sign(httpEvent({ body: { profile: "avatar", filename: "me.png", contentType: "image/png", maxBytes: 4096, metadata: { caption: "hi" }, ...body }, claims: { sub: "alice" } }));
    expect(result.statusCode).toBe(201);
    return bodyOf(result) as SignPostResponse;
  };

  beforeAll(async () => {
    env = await strictDeps(undefined, target);
    sign = documented("signPost", makeSignPostHandler(env.deps));
  });

  it("accepts the matching form and stores type and metadata", async () => {
    const t = await ticket();
    const res = await postForm(t, bytes(1000));
    expect(res.status).toBe(201);
    expect(await res.text()).toContain("<ETag>");
    const object = await env.head(t.key);
    expect(object.ContentType).toBe("image/png");
    expect(object.ContentLength).toBe(1000);
    expect(object.Metadata).toEqual({ "upload-id": t.uploadId, caption: "hi" });
    expect(await env.tickets.get(t.uploadId)).toMatchObject({ status: "pending", method: "POST", maxBytes: 4096 });
  });

  it("lets S3 substitute ${filename} under the ticket's prefix", async () => {
    const t = await ticket({ filename: undefined });
    expect(t.fields.key).toBe(`${t.conditions.keyPrefix}\${filename}`);
    const res = await postForm(t, bytes(10), { name: "holiday pic.png" });
    expect(res.status).toBe(201);
    expect((await env.head(`${t.conditions.keyPrefix}holiday pic.png`)).Metadata?.["upload-id"]).toBe(t.uploadId);
  });

  it("accepts any image type under starts-with for the image/* profile, and nothing else", async () => {
    const t = await ticket({ profile: "photo", contentType: undefined, maxBytes: undefined, metadata: undefined });
    expect((await postForm(t, bytes(10), { change: { "Content-Type": "text/html" } })).status).toBe(403);
    expect(await env.exists(t.key)).toBe(false);
    expect((await postForm(t, bytes(10), { change: { "Content-Type": "image/heic" } })).status).toBe(201);
    expect((await env.head(t.key)).ContentType).toBe("image/heic");
  });

  it.each([
    ["a file one byte above maxBytes", { file: bytes(4097) }, 400, /EntityTooLarge/],
    ["an empty file under minBytes 1", { file: bytes(0) }, 400, /EntityTooSmall/],
    ["a key outside the prefix", { change: { key: "uploads/bob/01KAGX5Z2N3Q4R5S6T7V8W9XYZ/x.png" } }, 403, /AccessDenied/],
    ["a key in another ticket's folder", { change: { key: "uploads/alice/01KAGX5Z2N3Q4R5S6T7V8W9XYZ/me.png" } }, 403, /AccessDenied/],
    ["another content type", { change: { "Content-Type": "text/html" } }, 403, /AccessDenied/],
    ["missing metadata", { change: { "x-amz-meta-caption": null } }, 403, /AccessDenied/],
    ["changed metadata", { change: { "x-amz-meta-caption": "evil" } }, 403, /AccessDenied/],
    ["a forged upload id", { change: { "x-amz-meta-upload-id": "01KAGX5Z2N3Q4R5S6T7V8W9XYZ" } }, 403, /AccessDenied/],
    ["an extra field without a condition", { change: { "x-amz-meta-extra": "1" } }, 403, /AccessDenied/],
    ["a tampered signature", { change: { "X-Amz-Signature": "0".repeat(64) } }, 403, /AccessDenied|SignatureDoesNotMatch/],
  ])("refuses %s", async (_name, opts: { file?: Uint8Array; change?: Record<string, string | null> }, status, body) => {
    const t = await ticket();
    const res = await postForm(t, opts.file ?? bytes(100), { change: opts.change ?? {} });
    expect(res.status).toBe(status);
    expect(await res.text()).toMatch(body);
    expect(await env.exists(t.key)).toBe(false);
  });

  it("refuses an expired policy", async () => {
    // Signed two hours ago (the signing time is the sign function's clock).
    const expired = documented("signPost", makeSignPostHandler({ ...env.deps, clock: { now: () => new Date(Date.now() - 2 * 3600 * 1000) } }));
    const t = bodyOf(await expired(httpEvent({ body: { profile: "avatar", filename: "old.png", contentType: "image/png" }, claims: { sub: "alice" } }))) as SignPostResponse;
    const res = await postForm(t, bytes(100));
    expect(res.status).toBe(403);
    expect(await env.exists(t.key)).toBe(false);
  });
});
