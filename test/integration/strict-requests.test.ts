/**
 * What S3 checks of every request, whatever the ticket: no signature, a wrong secret, a body
 * that is not the one its Content-MD5 or checksum names, a tampered or expired download URL. The
 * same tests against Ceph RGW and against `npm start`'s embedded S3, whose door must answer as
 * S3 does.
 */
import { createHash } from "node:crypto";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { s3Client } from "../../functions/adapters/clients.js";
import { makeSignPutHandler } from "../../functions/handlers/sign-put.js";
import type { SignPutResponse } from "../../functions/schemas.js";
import { bodyOf, httpEvent } from "../support/fixtures.js";
import { s3Targets, strictDeps, strictS3 } from "../support/integration.js";

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 17 + 5) % 256);
const md5 = (data: Uint8Array | string) => createHash("md5").update(data).digest("base64");
const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest("base64");
const codeOf = async (res: Response) => /<Code>([^<]+)<\/Code>/.exec(await res.text())?.[1];

describe.each(s3Targets)("S3's checks of every request against $name", ({ s3: target }) => {
  if (!target) return it.skip("needs Ceph RGW");
  let env: Awaited<ReturnType<typeof strictDeps>>;
  const objectUrl = (key: string) => `${target.endpoint}/${env.bucket}/${key}`;

  beforeAll(async () => {
    env = await strictDeps(undefined, target);
  });

  it("refuses anonymous writes and reads (403 AccessDenied)", async () => {
    const put = await fetch(objectUrl("uploads/anon/x.png"), { method: "PUT", headers: { "content-type": "image/png" }, body: bytes(10) });
    expect([put.status, await codeOf(put)]).toEqual([403, "AccessDenied"]);
    expect(await env.exists("uploads/anon/x.png")).toBe(false);
    const form = new FormData();
    form.append("key", "uploads/anon/y.png");
    form.append("file", new Blob([bytes(10)]), "y.png");
    const post = await fetch(`${target.endpoint}/${env.bucket}`, { method: "POST", body: form });
    expect([post.status, await codeOf(post)]).toEqual([403, "AccessDenied"]);
    expect(await env.exists("uploads/anon/y.png")).toBe(false);
    const get = await fetch(objectUrl("uploads/anon/x.png"));
    expect(get.status).toBe(403);
  });

  it("refuses a request signed with the wrong secret (403 SignatureDoesNotMatch)", async () => {
    const wrong = s3Client({ region: target.region, endpoint: target.endpoint, credentials: { accessKeyId: target.accessKeyId, secretAccessKey: `${target.secretAccessKey}x` } });
    await expect(wrong.send(new PutObjectCommand({ Bucket: env.bucket, Key: "uploads/wrong/x.bin", Body: bytes(10) }))).rejects.toMatchObject({
      name: "SignatureDoesNotMatch",
      $metadata: { httpStatusCode: 403 },
    });
    expect(await env.exists("uploads/wrong/x.bin")).toBe(false);
  });

  it("refuses a body whose Content-MD5 names other bytes (400 BadDigest) and stores the right one", async () => {
    const body = bytes(1000);
    const put = (contentMd5: string, key: string) => env.s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: key, Body: body, ContentMD5: contentMd5 }));
    await expect(put(md5("other"), "uploads/md5/bad.bin")).rejects.toMatchObject({ name: "BadDigest", $metadata: { httpStatusCode: 400 } });
    expect(await env.exists("uploads/md5/bad.bin")).toBe(false);
    await put(md5(body), "uploads/md5/good.bin");
    expect((await env.head("uploads/md5/good.bin")).ContentLength).toBe(1000);
  });

  // Ceph RGW 16 stores such a body (it checks no x-amz-checksum-*); AWS S3 answers BadDigest, as the door does.
  it.skipIf(target === strictS3)("refuses a presigned PUT whose signed SHA-256 checksum names other bytes (400 BadDigest)", async () => {
    const sign = makeSignPutHandler(env.deps);
    const body = bytes(2048);
    const result = await sign(httpEvent({ body: { profile: "avatar", filename: "me.png", contentType: "image/png", size: body.length, checksumSha256: sha256(bytes(2048).reverse()) }, claims: { sub: "alice" } }));
    const t = bodyOf(result) as SignPutResponse;
    const { "content-length": _, ...headers } = t.headers;
    const res = await fetch(t.url, { method: "PUT", headers, body });
    expect(res.status).toBe(400);
    expect(await codeOf(res)).toBe("BadDigest");
    expect(await env.exists(t.key)).toBe(false);
  });

  it("serves a presigned GET, and refuses it tampered (403 SignatureDoesNotMatch) or expired (403 AccessDenied)", async () => {
    const key = "uploads/get/x.bin";
    await env.s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: key, Body: bytes(100) }));
    const signedAt = new Date();
    const { url } = await env.deps.signer.presignGet({ key, responseHeaders: { "content-disposition": 'attachment; filename="x.bin"' }, expiresInSeconds: 60, signedAt });
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-disposition")).toBe('attachment; filename="x.bin"');
    expect(Buffer.from(await ok.arrayBuffer()).equals(Buffer.from(bytes(100)))).toBe(true);

    const tampered = new URL(url);
    tampered.searchParams.set("response-content-disposition", 'attachment; filename="evil.html"');
    const refused = await fetch(tampered);
    expect([refused.status, await codeOf(refused)]).toEqual([403, "SignatureDoesNotMatch"]);

    const old = await env.deps.signer.presignGet({ key, responseHeaders: {}, expiresInSeconds: 60, signedAt: new Date(Date.now() - 3600 * 1000) });
    const expired = await fetch(old.url);
    expect([expired.status, await codeOf(expired)]).toEqual([403, "AccessDenied"]);
  });
});
