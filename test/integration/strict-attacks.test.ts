/**
 * Attacks that a laxer S3-compatible server (Ceph RGW 16) lets through at upload time, and
 * that the record step must then undo: a presigned PUT turned into a copy of another user's
 * object, a POST whose S3-filled name climbs out of the prefix, and a rejected POST object
 * whose delete races the client's valid re-upload.
 */
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3ObjectStore } from "../../functions/adapters/s3-object-store.js";
import { makeRecordHandler } from "../../functions/handlers/record-upload.js";
import { makeSignPostHandler } from "../../functions/handlers/sign-post.js";
import { makeSignPutHandler } from "../../functions/handlers/sign-put.js";
import type { SignPostResponse, SignPutResponse } from "../../functions/schemas.js";
import { encodeEventKey, toAwsS3Event } from "../../local/s3-events.js";
import { bodyOf, httpEvent } from "../support/fixtures.js";
import { documented } from "../support/openapi.js";
import { strictDeps, strictS3 } from "../support/integration.js";
import { pushNotifications, type Notifications } from "../support/rgw-notifications.js";
import { png as samplePng, withHead } from "../support/samples.js";

const png = withHead(samplePng(8, 8), Uint8Array.from({ length: 1500 }, (_, i) => (i * 7) % 251));
const form = (t: SignPostResponse, file: Blob, name: string) => {
  const data = new FormData();
  for (const [k, v] of Object.entries(t.fields)) data.append(k, v);
  data.append("file", file, name);
  return data;
};

describe.skipIf(!strictS3)("attacks RGW lets through, undone by the record step", () => {
  let env: Awaited<ReturnType<typeof strictDeps>>;
  let notifications: Notifications;
  const signPut = async (sub: string) =>
    bodyOf(await documented("signPut", makeSignPutHandler(env.deps))(httpEvent({ claims: { sub }, body: { profile: "avatar", filename: "me.png", contentType: "image/png", size: png.length } }))) as SignPutResponse;
  const signPost = async (body: Record<string, unknown>) =>
    bodyOf(await documented("signPost", makeSignPostHandler(env.deps))(httpEvent({ claims: { sub: "alice" }, body: { profile: "avatar", contentType: "image/png", ...body } }))) as SignPostResponse;
  const recorded = async <T>(records: number, action: () => Promise<T>) => {
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

  it("rejects and deletes another user's object copied into a PUT ticket with x-amz-copy-source", async () => {
    const bob = await signPut("bob");
    const { "content-length": _, ...bobHeaders } = bob.headers;
    await recorded(1, () => fetch(bob.url, { method: "PUT", headers: bobHeaders, body: png }));
    expect(await env.tickets.get(bob.uploadId)).toMatchObject({ status: "completed" });

    const mine = await signPut("mallory");
    const { "content-length": __, ...headers } = mine.headers;
    // RGW accepts these unsigned headers on a presigned PUT (AWS refuses them) and copies,
    // replacing the metadata with the ticket's own so that the metadata check alone would pass.
    const copy = await recorded(1, () =>
      fetch(mine.url, {
        method: "PUT",
        headers: { ...headers, "x-amz-copy-source": `${env.bucket}/${bob.key}`, "x-amz-metadata-directive": "REPLACE" },
        body: png,
      }),
    );
    expect(copy.status).toBe(200); // the server let it through
    expect(await env.exists(mine.key)).toBe(false);
    expect(await env.tickets.get(mine.uploadId)).toMatchObject({ status: "rejected", rejectReason: expect.stringMatching(/created by Copy/) });
    expect(await env.exists(bob.key)).toBe(true);
  });

  it("rejects and deletes a POST whose S3-filled name is ../../../evil.png", async () => {
    const t = await signPost({});
    const res = await recorded(1, () => fetch(t.url, { method: "POST", body: form(t, new Blob([png], { type: "image/png" }), "../../../evil.png") }));
    expect(res.status).toBe(201);
    const key = `${t.conditions.keyPrefix}../../../evil.png`;
    expect(await env.exists(key)).toBe(false);
    expect(await env.tickets.get(t.uploadId)).toMatchObject({ status: "rejected", rejectReason: expect.stringMatching(/path separators, dot segments/) });
  });

  it("never deletes the client's valid POST that lands between a rejection and its delete", async () => {
    // A bucket without notifications: this test times the record step itself.
    const quiet = await strictDeps();
    const t = bodyOf(await documented("signPost", makeSignPostHandler(quiet.deps))(httpEvent({ claims: { sub: "alice" }, body: { profile: "avatar", contentType: "image/png", filename: "me.png" } }))) as SignPostResponse;
    // A bad object at the ticket's key (written directly: neither a POST nor the right type).
    await quiet.s3.send(new PutObjectCommand({ Bucket: quiet.bucket, Key: t.key, Body: png, ContentType: "text/html", Metadata: { "upload-id": t.uploadId } }));
    const store = quiet.tickets.store;
    let landed: Response | undefined;
    const racing = Object.create(store) as typeof store;
    racing.update = async (...args) => {
      const done = await store.update(...args);
      // The valid upload lands right after the rejection is written, before the delete.
      if (args[1].status === "rejected" && !landed) landed = await fetch(t.url, { method: "POST", body: form(t, new Blob([png], { type: "image/png" }), "me.png") });
      return done;
    };
    const record = makeRecordHandler({ bucket: quiet.bucket, tickets: racing, objects: new S3ObjectStore(quiet.rest), clock: quiet.deps.clock });
    const event = { Records: [{ eventName: "ObjectCreated:Put", s3: { bucket: { name: quiet.bucket }, object: { key: encodeEventKey(t.key) } } }] };
    expect((await record(event)).results[0]?.outcome).toBe("completed");
    expect(landed?.status).toBe(201);
    const head = await quiet.head(t.key);
    expect(head.ContentType).toBe("image/png");
    expect(await quiet.tickets.get(t.uploadId)).toMatchObject({ status: "completed", etag: head.ETag!.replace(/"/g, ""), size: png.length });
  });
});
