/**
 * Content checks against Ceph RGW: real files are PUT through presigned URLs, RGW's
 * notifications drive the record handler, and the record step reads each object's head (a
 * ranged GET, If-Match the ETag it judged) to see whether the bytes are what the label says.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3ObjectStore } from "../../functions/adapters/s3-object-store.js";
import { CONTENT_SAMPLE_BYTES } from "../../functions/domain/content.js";
import { parseProfiles } from "../../functions/domain/profiles.js";
import { makeRecordHandler } from "../../functions/handlers/record-upload.js";
import { makeSignPutHandler } from "../../functions/handlers/sign-put.js";
import { toAwsS3Event } from "../../local/s3-events.js";
import type { SignPutResponse } from "../../functions/schemas.js";
import { bodyOf, httpEvent } from "../support/fixtures.js";
import { strictDeps, strictS3 } from "../support/integration.js";
import { pushNotifications, type Notifications } from "../support/rgw-notifications.js";
import { csv, elf, html, jpeg, mp4, noise, pdf, png } from "../support/samples.js";

const PROFILES = parseProfiles(
  [
    { name: "image", contentTypes: ["image/png", "image/jpeg"], maxBytes: 1_000_000, methods: ["put"] },
    { name: "document", contentTypes: ["application/pdf"], maxBytes: 1_000_000, methods: ["put"] },
    { name: "video", contentTypes: ["video/mp4"], maxBytes: 1_000_000, methods: ["put"] },
    { name: "table", contentTypes: ["text/csv"], maxBytes: 1_000_000, methods: ["put"] },
  ],
  "test",
);

describe.skipIf(!strictS3)("content checks against RGW", () => {
  let env: Awaited<ReturnType<typeof strictDeps>>;
  let notifications: Notifications;
  let objects: S3ObjectStore;
  const reads: number[] = [];

  /** Signs a PUT for `body` as `contentType` under `profile`, uploads it, and waits until RGW's event was recorded. */
  const upload = async (profile: string, contentType: string, body: Uint8Array) => {
    const response = await makeSignPutHandler(env.deps)(httpEvent({ claims: { sub: "alice" }, body: { profile, filename: "file", contentType, size: body.length } }));
    const t = bodyOf(response) as SignPutResponse;
    const { "content-length": _, ...headers } = t.headers;
    const before = notifications.received;
    expect((await fetch(t.url, { method: "PUT", headers, body })).status).toBe(200);
    await notifications.waitFor(before + 1);
    return { t, ticket: await env.tickets.get(t.uploadId) };
  };

  beforeAll(async () => {
    env = await strictDeps(PROFILES);
    objects = new S3ObjectStore(env.rest);
    const read = objects.readHead.bind(objects);
    objects.readHead = (key, bytes, etag) => (reads.push(bytes), read(key, bytes, etag));
    const record = makeRecordHandler({ bucket: env.bucket, tickets: env.tickets.store, objects, clock: env.deps.clock, profiles: PROFILES });
    notifications = await pushNotifications(strictS3!, env.s3, env.bucket, (body) => record(toAwsS3Event(body)));
  });
  afterAll(() => notifications?.close());

  it.each([
    ["image", "image/png", png()],
    ["image", "image/jpeg", jpeg()],
    ["document", "application/pdf", pdf()],
    ["video", "video/mp4", mp4()],
    ["table", "text/csv", csv()],
  ])("completes a real %s file (%s)", async (profile, type, body) => {
    const { t, ticket } = await upload(profile, type, body);
    expect(ticket).toMatchObject({ status: "completed", size: body.length });
    expect(await env.exists(t.key)).toBe(true);
  });

  it.each([
    ["image", "image/png", html(), "content is not a recognisable image/png"],
    ["image", "image/png", elf(), "content is application/x-elf, not image/png"],
    ["image", "image/jpeg", noise(), "content is not a recognisable image/jpeg"],
    ["image", "image/png", pdf(), "content is application/pdf, not image/png"],
    ["document", "application/pdf", html(), "content is not a recognisable application/pdf"],
    ["document", "application/pdf", elf(), "content is application/x-elf, not application/pdf"],
    ["document", "application/pdf", noise(), "content is not a recognisable application/pdf"],
  ])("rejects and deletes what is not a real %s (%s)", async (profile, type, body, reason) => {
    const { t, ticket } = await upload(profile, type, body);
    expect(ticket).toMatchObject({ status: "rejected", rejectReason: reason });
    expect(await env.exists(t.key)).toBe(false);
  });

  it("reads at most its limit of a large object", async () => {
    const big = new Uint8Array(600_000);
    big.set(png());
    reads.length = 0;
    const { ticket } = await upload("image", "image/png", big);
    expect(ticket).toMatchObject({ status: "completed", size: big.length });
    expect(reads).toEqual([CONTENT_SAMPLE_BYTES]);
  });

  it("reads the object judged: a ranged read If-Match another ETag finds nothing", async () => {
    const { t } = await upload("image", "image/png", png());
    const head = await objects.readHead(t.key, 16, "0123456789abcdef0123456789abcdef");
    expect(head).toBeUndefined();
    const etag = (await env.head(t.key)).ETag!.replace(/"/g, "");
    expect(Array.from((await objects.readHead(t.key, 8, etag))!)).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  });
});
