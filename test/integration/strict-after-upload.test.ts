/**
 * After the upload, against Ceph RGW: download links that give back the exact bytes under the
 * original name, deletes of completed, pending and multipart uploads, owner only, idempotent.
 */
import { ListPartsCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3MultipartStore } from "../../functions/adapters/s3-multipart-store.js";
import { S3ObjectStore } from "../../functions/adapters/s3-object-store.js";
import { makeDeleteUploadHandler, makeDownloadHandler } from "../../functions/handlers/upload-object.js";
import { makeSignMultipartHandler } from "../../functions/handlers/multipart.js";
import { makeRecordHandler } from "../../functions/handlers/record-upload.js";
import { makeSignPutHandler } from "../../functions/handlers/sign-put.js";
import type { HttpEvent } from "../../functions/http.js";
import type { SignMultipartResponse, SignPutResponse } from "../../functions/schemas.js";
import { toAwsS3Event } from "../../local/s3-events.js";
import { bodyOf, httpEvent } from "../support/fixtures.js";
import { strictDeps, strictS3 } from "../support/integration.js";
import { documented } from "../support/openapi.js";
import { pushNotifications, type Notifications } from "../support/rgw-notifications.js";
import { png as samplePng, withHead } from "../support/samples.js";

const png = withHead(samplePng(8, 8), Uint8Array.from({ length: 2048 }, (_, i) => (i * 11) % 256));
type Call = (event: HttpEvent) => Promise<{ statusCode?: number; body?: string }>;

describe.skipIf(!strictS3)("downloads and deletes against Ceph RGW", () => {
  let env: Awaited<ReturnType<typeof strictDeps>>;
  let notifications: Notifications;
  let download: Call, remove: Call, signPut: Call, signMultipart: Call;
  const call = async (handler: Call, sub: string, uploadId?: string, body?: unknown) => {
    const event = httpEvent({ claims: { sub }, ...(body === undefined ? { raw: "" } : { body }) });
    const result = await handler({ ...event, ...(uploadId ? { pathParameters: { uploadId } } : {}) });
    return { status: result.statusCode, body: bodyOf(result) };
  };
  const recorded = async <T>(action: () => Promise<T>) => {
    const before = notifications.received;
    const result = await action();
    await notifications.waitFor(before + 1);
    return result;
  };
  /** A real PUT upload, recorded. */
  const uploaded = async (filename: string, sub = "alice") => {
    const t = (await call(signPut, sub, undefined, { profile: "avatar", filename, contentType: "image/png", size: png.length })).body as SignPutResponse;
    const { "content-length": _, ...headers } = t.headers;
    await recorded(() => fetch(t.url, { method: "PUT", headers, body: png }));
    return t;
  };

  beforeAll(async () => {
    env = await strictDeps();
    const objects = new S3ObjectStore(env.rest);
    const multipart = new S3MultipartStore(env.rest);
    const deps = { tickets: env.tickets.store, objects, multipart, signer: env.deps.signer, clock: env.deps.clock };
    download = documented("downloadUpload", makeDownloadHandler(deps));
    remove = documented("deleteUpload", makeDeleteUploadHandler(deps));
    signPut = documented("signPut", makeSignPutHandler(env.deps));
    signMultipart = documented("signMultipart", makeSignMultipartHandler({ ...env.deps, writer: env.deps.writer, profiles: [{ ...env.deps.profiles[0]!, methods: ["put", "multipart"] }], multipart }));
    const record = makeRecordHandler({ bucket: env.bucket, tickets: env.tickets.store, objects, clock: env.deps.clock });
    notifications = await pushNotifications(strictS3!, env.s3, env.bucket, (body) => record(toAwsS3Event(body)));
  });
  afterAll(() => notifications?.close());

  it("downloads the exact bytes under the original name (spaces, accents and CJK), RFC 6266", async () => {
    const name = "résumé final 报告.png";
    const t = await uploaded(name);
    expect(t.key.endsWith("/resume_final_BaoGao.png")).toBe(true);
    const { status, body } = await call(download, "alice", t.uploadId);
    expect(status).toBe(200);
    const res = await fetch(body.url);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(png))).toBe(true);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="resume_final_BaoGao.png"; filename*=UTF-8''${encodeURIComponent(name)}`);
    expect(Date.parse(body.expiresAt) - Date.now()).toBeLessThanOrEqual(300_000);
  });

  it("answers 409 for the download of a pending upload, 404 for another user's", async () => {
    const pending = (await call(signPut, "alice", undefined, { profile: "avatar", filename: "a.png", contentType: "image/png", size: 10 })).body as SignPutResponse;
    expect((await call(download, "alice", pending.uploadId)).status).toBe(409);
    const done = await uploaded("b.png");
    expect((await call(download, "mallory", done.uploadId)).status).toBe(404);
    expect((await call(remove, "mallory", done.uploadId)).status).toBe(404);
    expect(await env.exists(done.key)).toBe(true);
  });

  it("deletes a completed upload's object, says deleted, and answers the same when deleted again", async () => {
    const t = await uploaded("c.png");
    const first = await call(remove, "alice", t.uploadId);
    expect(first).toMatchObject({ status: 200, body: { status: "deleted", uploadId: t.uploadId } });
    expect(await env.exists(t.key)).toBe(false);
    expect(await call(remove, "alice", t.uploadId)).toEqual(first);
    expect((await call(download, "alice", t.uploadId)).status).toBe(409);
  });

  it("aborts a pending PUT ticket: the upload that still arrives is deleted when recorded", async () => {
    const t = (await call(signPut, "alice", undefined, { profile: "avatar", filename: "late.png", contentType: "image/png", size: png.length })).body as SignPutResponse;
    expect((await call(remove, "alice", t.uploadId)).body.status).toBe("aborted");
    const { "content-length": _, ...headers } = t.headers;
    const res = await recorded(() => fetch(t.url, { method: "PUT", headers, body: png }));
    expect(res.status).toBe(200); // the URL still works until it expires…
    expect(await env.exists(t.key)).toBe(false); // …but what it stores does not stay
    expect(await env.tickets.get(t.uploadId)).toMatchObject({ status: "aborted" });
  });

  it("aborts a pending multipart upload in S3: nothing left to list", async () => {
    const t = (await call(signMultipart, "alice", undefined, { profile: "avatar", filename: "m.png", contentType: "image/png", size: 100 })).body as SignMultipartResponse;
    const { s3UploadId } = (await env.tickets.get(t.uploadId))!;
    expect((await env.s3.send(new ListPartsCommand({ Bucket: env.bucket, Key: t.key, UploadId: s3UploadId }))).Parts ?? []).toEqual([]);
    expect((await call(remove, "alice", t.uploadId)).body.status).toBe("aborted");
    // RGW answers 404 NoSuchKey for an aborted upload (AWS: NoSuchUpload).
    await expect(env.s3.send(new ListPartsCommand({ Bucket: env.bucket, Key: t.key, UploadId: s3UploadId }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    expect((await call(remove, "alice", t.uploadId)).body.status).toBe("aborted");
  });
});
