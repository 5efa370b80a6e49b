/**
 * The sweeper against Ceph RGW and a DynamoDB-compatible server: S3 notifications are "lost"
 * (never pushed: nothing calls the record handler), uploads are made, then the sweeper runs
 * with a clock past every expiry. Uploaded tickets end completed (or rejected when the object
 * does not match), the rest expired, and no object that matched its ticket is deleted.
 */
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { DynamoPendingIndex } from "../../functions/adapters/dynamo-pending-index.js";
import { S3MultipartStore } from "../../functions/adapters/s3-multipart-store.js";
import { S3ObjectLister } from "../../functions/adapters/s3-object-lister.js";
import { S3ObjectStore } from "../../functions/adapters/s3-object-store.js";
import { signMultipart } from "../../functions/domain/sign.js";
import { ticketView } from "../../functions/domain/uploads.js";
import { makeSignPostHandler } from "../../functions/handlers/sign-post.js";
import { makeSignPutHandler } from "../../functions/handlers/sign-put.js";
import { makeSweepHandler } from "../../functions/handlers/sweep.js";
import type { SignPostResponse, SignPutResponse } from "../../functions/schemas.js";
import { bodyOf, httpEvent } from "../support/fixtures.js";
import { strictDeps, strictS3 } from "../support/integration.js";
import { png as samplePng, withHead } from "../support/samples.js";

const png = withHead(samplePng(8, 8), Uint8Array.from({ length: 1500 }, (_, i) => (i * 7) % 251));
const claims = { sub: "alice" };
const MiB = 1024 * 1024;

describe.skipIf(!strictS3)("sweeping lost S3 events on RGW", () => {
  let env: Awaited<ReturnType<typeof strictDeps>>;
  let sweep: (at: Date) => ReturnType<ReturnType<typeof makeSweepHandler>>;
  let multipart: S3MultipartStore;
  const signPut = async (size = png.length) =>
    bodyOf(await makeSignPutHandler(env.deps)(httpEvent({ claims, body: { profile: "avatar", filename: "me.png", contentType: "image/png", size, metadata: { caption: "hi" } } }))) as SignPutResponse;
  const put = (t: SignPutResponse) => {
    const { "content-length": _, ...headers } = t.headers;
    return fetch(t.url, { method: "PUT", headers, body: png });
  };

  beforeAll(async () => {
    env = await strictDeps();
    multipart = new S3MultipartStore(env.rest);
    sweep = (at) =>
      makeSweepHandler({
        tickets: env.tickets.store,
        index: new DynamoPendingIndex(env.tickets.where),
        objects: new S3ObjectStore(env.rest),
        lister: new S3ObjectLister(env.rest),
        multipart,
        clock: { now: () => at },
      })();
  });

  it("records every upload whose event was lost, expires the rest once, and deletes only what does not match", async () => {
    const uploaded = await signPut();
    expect((await put(uploaded)).status).toBe(200);
    const post = bodyOf(await makeSignPostHandler(env.deps)(httpEvent({ claims, body: { profile: "avatar", contentType: "image/png", metadata: { caption: "hi" } } }))) as SignPostResponse;
    const form = new FormData();
    for (const [k, v] of Object.entries(post.fields)) form.append(k, v);
    form.append("file", new Blob([png]), "holiday pic.png");
    expect((await fetch(post.url, { method: "POST", body: form })).status).toBe(201);
    const postKey = `${post.conditions.keyPrefix}holiday pic.png`;
    const wrong = await signPut();
    await env.s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: wrong.key, Body: png.slice(1), ContentType: "image/png", Metadata: { "upload-id": wrong.uploadId, caption: "hi" } }));
    const never = await signPut();
    const started = await signMultipart({ ...env.deps, writer: env.deps.writer, multipart }, { sub: "alice", groups: [] }, { profile: "document", filename: "big.pdf", contentType: "application/pdf", size: 20 * MiB });
    const s3UploadId = (await env.tickets.get(started.uploadId))!.s3UploadId!;

    const past = new Date(Date.now() + 25 * 3600_000 + 16 * 60_000);
    expect(await sweep(past)).toEqual({ rescued: 3, expired: 2, skipped: 0, failed: 0 });

    expect(await env.tickets.get(uploaded.uploadId)).toMatchObject({ status: "completed", size: png.length });
    expect(await env.tickets.get(post.uploadId)).toMatchObject({ status: "completed", key: postKey, size: png.length });
    expect(await env.tickets.get(wrong.uploadId)).toMatchObject({ status: "rejected", rejectReason: expect.stringMatching(/differs from the declared/) });
    for (const id of [never.uploadId, started.uploadId]) {
      const ticket = (await env.tickets.get(id))!;
      expect(ticket.status).toBe("pending");
      expect(ticketView(ticket, past).status).toBe("expired");
      expect(ticket).not.toHaveProperty("sweepShard");
    }
    for (const id of [uploaded.uploadId, post.uploadId, wrong.uploadId]) expect(await env.tickets.get(id)).not.toHaveProperty("sweepShard");
    expect(await env.exists(uploaded.key)).toBe(true);
    expect(await env.exists(postKey)).toBe(true);
    expect(await env.exists(wrong.key)).toBe(false);
    expect(await multipart.listParts(started.key, s3UploadId)).toEqual([]); // aborted

    // Swept once: a second run finds nothing left in the index.
    expect(await sweep(past)).toEqual({ rescued: 0, expired: 0, skipped: 0, failed: 0 });
  });

  it("leaves tickets that have not expired yet alone", async () => {
    const fresh = await signPut();
    expect((await put(fresh)).status).toBe(200);
    await sweep(new Date());
    expect(await env.tickets.get(fresh.uploadId)).toMatchObject({ status: "pending", sweepShard: expect.stringMatching(/^[0-3]$/) });
  });
});
