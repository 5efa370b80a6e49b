/**
 * Recording against Ceph RGW: RGW pushes its bucket notifications to a listener, each body
 * is turned into the AWS shape and run through the real record handler.
 */
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3ObjectStore } from "../../functions/adapters/s3-object-store.js";
import { makeRecordHandler } from "../../functions/handlers/record-upload.js";
import { makeSignPostHandler } from "../../functions/handlers/sign-post.js";
import { makeSignPutHandler } from "../../functions/handlers/sign-put.js";
import { toAwsS3Event } from "../../local/s3-events.js";
import type { SignPostResponse, SignPutResponse } from "../../functions/schemas.js";
import { bodyOf, httpEvent } from "../support/fixtures.js";
import { documented } from "../support/openapi.js";
import { strictDeps, strictS3 } from "../support/integration.js";
import { pushNotifications, type Notifications } from "../support/rgw-notifications.js";
import { png as samplePng, withHead } from "../support/samples.js";

// A real PNG (the record step reads the head of each object), padded to 1500 bytes.
const png = withHead(samplePng(8, 8), Uint8Array.from({ length: 1500 }, (_, i) => i % 251));

describe.skipIf(!strictS3)("recording uploads pushed by RGW notifications", () => {
  let env: Awaited<ReturnType<typeof strictDeps>>;
  let notifications: Notifications;
  const claims = { sub: "alice" };
  const signPut = async () =>
    bodyOf(await documented("signPut", makeSignPutHandler(env.deps))(httpEvent({ claims, body: { profile: "avatar", filename: "me.png", contentType: "image/png", size: png.length, metadata: { caption: "hi" } } }))) as SignPutResponse;
  const put = (t: SignPutResponse) => {
    const { "content-length": _, ...headers } = t.headers;
    return fetch(t.url, { method: "PUT", headers, body: png });
  };
  /** Runs `action`, then waits until RGW's notifications for it were handled. */
  const andRecorded = async <T>(records: number, action: () => Promise<T>) => {
    const before = notifications.received;
    const result = await action();
    await notifications.waitFor(before + records);
    return result;
  };

  beforeAll(async () => {
    env = await strictDeps();
    const record = makeRecordHandler({ bucket: env.bucket, tickets: env.tickets.store, objects: new S3ObjectStore(env.rest), clock: env.deps.clock });
    notifications = await pushNotifications(strictS3!, env.s3, env.bucket, (body) => record(toAwsS3Event(body)));
  });
  afterAll(() => notifications?.close());

  it("completes a real PUT upload with its size and ETag", async () => {
    const t = await signPut();
    expect((await andRecorded(1, () => put(t))).status).toBe(200);
    const object = await env.head(t.key);
    expect(await env.tickets.get(t.uploadId)).toMatchObject({ status: "completed", key: t.key, size: png.length, etag: object.ETag!.replace(/"/g, "") });
  });

  it("completes a real POST upload under the substituted ${filename}", async () => {
    const t = bodyOf(await documented("signPost", makeSignPostHandler(env.deps))(httpEvent({ claims, body: { profile: "avatar", contentType: "image/png", metadata: { caption: "hi" } } }))) as SignPostResponse;
    const form = new FormData();
    for (const [k, v] of Object.entries(t.fields)) form.append(k, v);
    form.append("file", new Blob([png]), "holiday pic+1%.png");
    expect((await andRecorded(1, () => fetch(t.url, { method: "POST", body: form }))).status).toBe(201);
    const key = `${t.conditions.keyPrefix}holiday pic+1%.png`;
    expect(await env.tickets.get(t.uploadId)).toMatchObject({ status: "completed", key, size: png.length });
  });

  it.each([
    ["the wrong size", { Body: png.slice(1), ContentType: "image/png" }, /size 1499 differs from the declared 1500/],
    ["the wrong type", { Body: png, ContentType: "text/html" }, /content type 'text\/html'/],
  ])("deletes an object written directly with %s and rejects the ticket", async (_name, object, reason) => {
    const t = await signPut();
    await andRecorded(1, () => env.s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: t.key, Metadata: { "upload-id": t.uploadId, caption: "hi" }, ...object })));
    expect(await env.exists(t.key)).toBe(false);
    expect(await env.tickets.get(t.uploadId)).toMatchObject({ status: "rejected", rejectReason: expect.stringMatching(reason) });
  });

  it("deletes an object that has no ticket", async () => {
    const key = "uploads/alice/01KAGX5Z2N3Q4R5S6T7V8W9XYZ/sneaky.png";
    await andRecorded(1, () => env.s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: key, Body: png, ContentType: "image/png" })));
    expect(await env.exists(key)).toBe(false);
  });

  it("keeps the first upload's record and object when a second PUT is refused with 412", async () => {
    const t = await signPut();
    await andRecorded(1, () => put(t));
    const recorded = await env.tickets.get(t.uploadId);
    const etag = (await env.head(t.key)).ETag;
    // RGW sends an event for the refused PUT too; the handler must trust HeadObject.
    const second = await andRecorded(1, () => put(t));
    expect(second.status).toBe(412);
    expect((await env.head(t.key)).ETag).toBe(etag);
    expect(await env.tickets.get(t.uploadId)).toEqual(recorded);
  });
});
