import { readFileSync } from "node:fs";
import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import { decodeEventKey } from "../../functions/domain/keys.js";
import { encodeEventKey, toAwsS3Event } from "../../local/s3-events.js";
import { signPost, signPut } from "../../functions/domain/sign.js";
import { QuotaExceededError } from "../../functions/errors.js";
import { makeRecordHandler, readS3Event } from "../../functions/handlers/record-upload.js";
import type { ObjectInfo } from "../../functions/ports.js";
import { MemoryObjectStore, MemoryTicketStore, memoryDeps } from "../support/fixtures.js";

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../events/${name}`, import.meta.url), "utf8"));
const awsRecord = fixture("s3-object-created-aws.json").Records[0];
const rgwRecord = fixture("s3-object-created-rgw.json").Records[0];

/** An AWS-shaped event for these keys (encoded as S3 encodes them), of one kind, for no ETag in particular. */
const eventFor = (...keys: string[]) => eventOf("ObjectCreated:Put", ...keys);
const eventOf = (eventName: string, ...keys: string[]) => ({
  Records: keys.map((key) => {
    const { eTag: _, ...object } = awsRecord.s3.object;
    return { ...awsRecord, eventName, s3: { ...awsRecord.s3, object: { ...object, key: encodeEventKey(key) } } };
  }),
});

const alice = { sub: "alice", groups: [] };
const T0 = new Date("2026-11-21T10:00:03.000Z");

describe("S3 event keys", () => {
  it("decodes + as a space, then percent escapes", () => {
    expect(decodeEventKey(awsRecord.s3.object.key)).toBe("uploads/alice/01KAGX5Z2N3Q4R5S6T7V8W9XYZ/my holiday (2) + café 100%.png");
  });

  it("round-trips every key through S3's encoding", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 200 }), (key) => {
        expect(decodeEventKey(encodeEventKey(key))).toBe(key);
      }),
    );
  });
});

describe("record-upload", () => {
  let tickets: MemoryTicketStore;
  let objects: MemoryObjectStore;
  let handler: ReturnType<typeof makeRecordHandler>;
  let sign: ReturnType<typeof memoryDeps>["deps"];

  beforeEach(() => {
    ({ deps: sign, tickets } = memoryDeps());
    objects = new MemoryObjectStore();
    handler = makeRecordHandler({ bucket: "uploads", tickets, objects, clock: { now: () => T0 } });
  });

  const putTicket = () => signPut(sign, alice, { profile: "avatar", filename: "me.png", contentType: "image/png", size: 2048, metadata: { caption: "hi" } });
  const store = (key: string, uploadId: string, change: Partial<ObjectInfo> = {}) =>
    objects.objects.set(key, {
      size: 2048, contentType: "image/png", etag: "etag-1", lastModified: T0, metadata: { "upload-id": uploadId, caption: "hi" }, ...change,
    });
  /** Runs the events the tickets' own uploads cause: `Put` for PUT tickets, `Post` for POST tickets. */
  const run = async (...keys: string[]) => {
    const kind = (key: string) => (tickets.items.get(key.split("/")[2] ?? "")?.method === "POST" ? "ObjectCreated:Post" : "ObjectCreated:Put");
    return (await handler({ Records: keys.flatMap((key) => eventOf(kind(key), key).Records) })).results;
  };

  it("completes a matching PUT upload with size, etag and completedAt", async () => {
    const t = await putTicket();
    store(t.key, t.uploadId);
    expect(await run(t.key)).toEqual([{ key: t.key, uploadId: t.uploadId, outcome: "completed" }]);
    expect(tickets.items.get(t.uploadId)).toMatchObject({ status: "completed", size: 2048, etag: "etag-1", completedAt: T0.toISOString() });
    expect(tickets.items.get(t.uploadId)).not.toHaveProperty("ttl");
    expect(objects.deleted).toEqual([]);
  });

  it("changes nothing twice for duplicate events", async () => {
    const t = await putTicket();
    store(t.key, t.uploadId);
    await run(t.key);
    const after = structuredClone(tickets.items.get(t.uploadId));
    expect((await run(t.key, t.key)).map((r) => r.outcome)).toEqual(["duplicate", "duplicate"]);
    expect(tickets.items.get(t.uploadId)).toEqual(after);
  });

  it.each([
    ["a size other than declared", () => ({ size: 2047 }), /size 2047 differs from the declared 2048/],
    ["a size over the profile's maximum", () => ({ size: 6_000_000 }), /outside the allowed 1-5242880/],
    ["another content type", () => ({ contentType: "text/html" }), /content type 'text\/html' is not image\/png/],
    ["no upload id", () => ({ metadata: { caption: "hi" } }), /x-amz-meta-upload-id is not this ticket's id/],
    ["extra metadata", (id: string) => ({ metadata: { "upload-id": id, caption: "hi", evil: "1" } }), /metadata differs from the ticket \(evil\)/],
  ])("rejects and deletes an object with %s", async (_name, change: (uploadId: string) => Partial<ObjectInfo>, reason) => {
    const t = await putTicket();
    store(t.key, t.uploadId, change(t.uploadId));
    const [result] = await run(t.key);
    expect(result).toMatchObject({ outcome: "rejected", reason: expect.stringMatching(reason) });
    expect(tickets.items.get(t.uploadId)).toMatchObject({ status: "rejected", rejectReason: expect.stringMatching(reason) });
    expect(objects.objects.has(t.key)).toBe(false);
  });

  it("deletes an object with no ticket, and one in a ticket's folder under another owner", async () => {
    const t = await putTicket();
    const orphan = "uploads/alice/01KAGX5Z2N3Q4R5S6T7V8W9XYZ/x.png";
    const foreign = t.key.replace("/alice/", "/bob/");
    store(orphan, "01KAGX5Z2N3Q4R5S6T7V8W9XYZ");
    store(foreign, t.uploadId);
    store("uploads/not-ours.txt", "");
    expect((await run(orphan, foreign, "uploads/not-ours.txt")).map((r) => r.outcome)).toEqual(["deleted_orphan", "deleted_orphan", "deleted_orphan"]);
    expect(objects.deleted).toEqual([orphan, foreign, "uploads/not-ours.txt"]);
    expect(tickets.items.get(t.uploadId)?.status).toBe("pending");
  });

  it("records a ${filename} POST under the name S3 substituted, decoded from the event", async () => {
    const t = await signPost(sign, alice, { profile: "avatar", contentType: "image/png", metadata: { caption: "hi" } });
    const key = `${t.conditions.keyPrefix}my holiday (2) + café 100%.png`;
    store(key, t.uploadId);
    expect((await run(key))[0]?.outcome).toBe("completed");
    expect(tickets.items.get(t.uploadId)).toMatchObject({ status: "completed", key });
  });

  it("deletes a second object under a ticket that completed with another key", async () => {
    const t = await signPost(sign, alice, { profile: "avatar", contentType: "image/png", metadata: { caption: "hi" } });
    const first = `${t.conditions.keyPrefix}a.png`;
    const second = `${t.conditions.keyPrefix}b.png`;
    store(first, t.uploadId);
    store(second, t.uploadId, { etag: "etag-2" });
    expect((await run(first, second)).map((r) => r.outcome)).toEqual(["completed", "deleted_second_object"]);
    expect(tickets.items.get(t.uploadId)).toMatchObject({ status: "completed", key: first, etag: "etag-1" });
    expect(objects.deleted).toEqual([second]);
  });

  it("follows a re-upload to the same key: rejected when it no longer matches, completed again when it does", async () => {
    const t = await signPost(sign, alice, { profile: "avatar", filename: "me.png", contentType: "image/png", metadata: { caption: "hi" } });
    store(t.key, t.uploadId);
    await run(t.key);
    store(t.key, t.uploadId, { etag: "etag-2", size: 0, lastModified: new Date(T0.getTime() + 5000) });
    expect((await run(t.key))[0]?.outcome).toBe("rejected");
    store(t.key, t.uploadId, { etag: "etag-3", size: 100, lastModified: new Date(T0.getTime() + 9000) });
    expect((await run(t.key))[0]?.outcome).toBe("completed");
    expect(tickets.items.get(t.uploadId)).toMatchObject({ status: "completed", size: 100, etag: "etag-3" });
    expect(tickets.items.get(t.uploadId)).not.toHaveProperty("rejectReason");
  });

  it("ignores an object older than the one already recorded (out-of-order events)", async () => {
    const t = await signPost(sign, alice, { profile: "avatar", filename: "me.png", contentType: "image/png", metadata: { caption: "hi" } });
    store(t.key, t.uploadId, { etag: "new", lastModified: new Date(T0.getTime() + 60_000) });
    await run(t.key);
    store(t.key, t.uploadId, { etag: "old", lastModified: T0 });
    expect((await run(t.key))[0]?.outcome).toBe("stale");
    expect(tickets.items.get(t.uploadId)?.etag).toBe("new");
  });

  it("is not an error when the object is already gone", async () => {
    const t = await putTicket();
    expect((await run(t.key))[0]?.outcome).toBe("gone");
    expect(tickets.items.get(t.uploadId)?.status).toBe("pending");
  });

  it("retries when the ticket changed between read and write", async () => {
    const t = await putTicket();
    store(t.key, t.uploadId);
    const update = tickets.update.bind(tickets);
    const calls: number[] = [];
    // The first write races another writer: it bumps the version, so ours must re-read and retry.
    tickets.update = async (ticket, changes) => {
      calls.push(ticket.version);
      if (calls.length === 1) await update(ticket, {});
      return update(ticket, changes);
    };
    expect((await handler(eventFor(t.key))).results[0]?.outcome).toBe("completed");
    expect(calls).toEqual([0, 1]);
    expect(tickets.items.get(t.uploadId)).toMatchObject({ status: "completed", version: 2 });
  });

  it("deletes an object at another name in a PUT ticket's folder, and leaves the ticket alone", async () => {
    const t = await putTicket();
    const other = t.key.replace(/me\.png$/, "other.png");
    store(other, t.uploadId);
    expect(await run(other)).toEqual([expect.objectContaining({ outcome: "deleted_unexpected_key" })]);
    expect(objects.deleted).toEqual([other]);
    expect(tickets.items.get(t.uploadId)).toMatchObject({ status: "pending", version: 0 });
  });

  it("deletes a rejected object again on a repeated event without touching the ticket", async () => {
    const t = await putTicket();
    store(t.key, t.uploadId, { size: 1 });
    await run(t.key);
    const rejected = structuredClone(tickets.items.get(t.uploadId));
    store(t.key, t.uploadId, { size: 1 }); // the first delete did not happen (e.g. a crash before it)
    expect((await run(t.key))[0]?.outcome).toBe("rejected");
    expect(objects.objects.has(t.key)).toBe(false);
    expect(tickets.items.get(t.uploadId)).toEqual(rejected);
  });

  it("handles every record of a batch, logging malformed ones without failing the invocation (a retry cannot mend them)", async () => {
    const t = await putTicket();
    store(t.key, t.uploadId);
    const event = eventFor(t.key);
    event.Records.unshift({ eventName: "ObjectCreated:Put" } as never, { ...awsRecord, s3: { ...awsRecord.s3, object: { key: "uploads/%E0%A4%A" } } });
    expect((await handler(event)).results).toEqual([expect.objectContaining({ key: t.key, outcome: "completed" })]);
    expect(tickets.items.get(t.uploadId)?.status).toBe("completed");
  });

  it.each([
    ["a Copy into a PUT ticket's key (x-amz-copy-source on a lax server)", "put", "ObjectCreated:Copy", /created by Copy, not by the ticket's PUT upload/],
    ["a Copy into a POST ticket's key", "post", "ObjectCreated:Copy", /created by Copy/],
    ["a POST into a PUT ticket's key", "put", "ObjectCreated:Post", /created by Post/],
    ["a PUT into a POST ticket's key", "post", "s3:ObjectCreated:Put", /created by Put/],
    ["a multipart upload into a PUT ticket's key", "put", "ObjectCreated:CompleteMultipartUpload", /created by CompleteMultipartUpload/],
  ])("rejects and deletes %s", async (_name, method, eventName, reason) => {
    const t = method === "put" ? await putTicket() : await signPost(sign, alice, { profile: "avatar", filename: "me.png", contentType: "image/png", metadata: { caption: "hi" } });
    store(t.key, t.uploadId);
    expect((await handler(eventOf(eventName, t.key))).results[0]).toMatchObject({ outcome: "rejected", reason: expect.stringMatching(reason) });
    expect(objects.objects.has(t.key)).toBe(false);
    expect(tickets.items.get(t.uploadId)).toMatchObject({ status: "rejected", rejectReason: expect.stringMatching(reason) });
  });

  it("judges the kind only for the object the event is about: a late Copy event for a replaced object changes nothing", async () => {
    const t = await signPost(sign, alice, { profile: "avatar", filename: "me.png", contentType: "image/png", metadata: { caption: "hi" } });
    store(t.key, t.uploadId, { etag: "posted" });
    const late = eventOf("ObjectCreated:Copy", t.key);
    (late.Records[0]!.s3.object as { eTag?: string }).eTag = "copied-earlier";
    expect((await handler(late)).results[0]?.outcome).toBe("completed");
    expect(objects.deleted).toEqual([]);
  });

  it.each([
    ["../../../evil.png"],
    ["a/../../b.png"],
    ["..\\..\\evil.png"],
    [".."],
    ["."],
    ["evil\u202egnp.exe"],
    ["tab\there.png"],
    ["dir/inner.png"],
  ])("rejects and deletes a POST whose S3-filled name is %j", async (name) => {
    const t = await signPost(sign, alice, { profile: "avatar", contentType: "image/png", metadata: { caption: "hi" } });
    const key = `${t.conditions.keyPrefix}${name}`;
    store(key, t.uploadId);
    expect((await run(key))[0]).toMatchObject({ outcome: "rejected", reason: expect.stringMatching(/path separators, dot segments or control characters/) });
    expect(objects.objects.has(key)).toBe(false);
    expect(tickets.items.get(t.uploadId)?.status).toBe("rejected");
    // The same unsafe key uploaded again is not let through because the ticket now names it.
    store(key, t.uploadId, { etag: "again", lastModified: new Date(T0.getTime() + 1000) });
    expect((await run(key))[0]?.outcome).toBe("rejected");
  });

  it.each([
    ["other bytes", { etag: "good" } as Partial<ObjectInfo>],
    ["the same bytes (same ETag) with the right type", { contentType: "image/png" } as Partial<ObjectInfo>],
  ])("never deletes a valid object with %s that replaced the rejected one before the delete (POST reuse race)", async (_name, valid) => {
    const t = await signPost(sign, alice, { profile: "avatar", filename: "me.png", contentType: "image/png", metadata: { caption: "hi" } });
    store(t.key, t.uploadId, { contentType: "text/html", etag: "good" === valid.etag ? "bad" : "etag-1" });
    const update = tickets.update.bind(tickets);
    tickets.update = async (...args) => {
      const done = await update(...args);
      // The client's valid upload lands between the rejection and the delete.
      if (args[1].status === "rejected") store(t.key, t.uploadId, { ...valid, lastModified: new Date(T0.getTime() + 1000) });
      return done;
    };
    expect((await run(t.key))[0]?.outcome).toBe("completed");
    expect(objects.objects.get(t.key)?.contentType).toBe("image/png");
    expect(objects.deleted).toEqual([]);
    expect(tickets.items.get(t.uploadId)).toMatchObject({ status: "completed", etag: valid.etag ?? "etag-1" });
  });

  it("rejects and deletes an object whose completion would exceed the day's bytes (bytes given back are not given twice)", async () => {
    const t = await putTicket();
    store(t.key, t.uploadId);
    const update = tickets.update.bind(tickets);
    tickets.update = async (ticket, changes) => {
      if (changes.status === "completed") throw new QuotaExceededError("over", [{ path: "quota.bytesPerDay", message: "limit 1" }], 0);
      return update(ticket, changes);
    };
    expect((await run(t.key))[0]).toMatchObject({ outcome: "rejected", reason: expect.stringMatching(/exceed today's bytesPerDay quota/) });
    expect(objects.objects.has(t.key)).toBe(false);
    expect(tickets.items.get(t.uploadId)).toMatchObject({ status: "rejected" });
    // The same event again changes nothing and does not loop.
    store(t.key, t.uploadId);
    expect((await run(t.key))[0]?.outcome).toBe("rejected");
    expect(objects.objects.has(t.key)).toBe(false);
  });

  it("reads every malformed record as a problem with its path", () => {
    for (const body of [null, [], "x", { Records: "x" }, { Records: {} }]) {
      expect(readS3Event(body)).toEqual({ records: [], problems: [{ path: "Records", message: expect.any(String) }] });
    }
    const { problems } = readS3Event({ Records: [{}, { eventName: "ObjectCreated:Put" }, { ...awsRecord, s3: { ...awsRecord.s3, object: { key: "uploads/%ZZ" } } }] });
    expect(problems.map((p) => p.path)).toEqual(["Records.0.eventName", "Records.1.s3", "Records.2.s3.object.key"]);
  });

  it("does not retry a permanent S3 error (403, 400), but does retry throttling and 5xx", async () => {
    const t = await putTicket();
    const fail = (status: number, name: string) => {
      objects.head = async () => { throw Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } }); };
    };
    fail(403, "AccessDenied");
    expect((await handler(eventFor(t.key))).results).toEqual([{ key: t.key, outcome: "failed", reason: "AccessDenied" }]);
    fail(400, "InvalidArgument");
    expect((await handler(eventFor(t.key))).results[0]?.outcome).toBe("failed");
    for (const [status, name] of [[503, "SlowDown"], [500, "InternalError"], [429, "TooManyRequests"], [400, "RequestTimeout"], [403, "RequestTimeTooSkewed"], [400, "ExpiredToken"]] as const) {
      fail(status, name);
      await expect(handler(eventFor(t.key))).rejects.toThrow(/1 of 1/);
    }
    expect(tickets.items.get(t.uploadId)?.status).toBe("pending");
  });

  it("throws on transient S3 failures and leaves the ticket alone", async () => {
    const t = await putTicket();
    objects.head = async () => { throw new Error("SlowDown"); };
    await expect(handler(eventFor(t.key))).rejects.toThrow(/1 of 1/);
    expect(tickets.items.get(t.uploadId)?.status).toBe("pending");
  });

  it("ignores other event types, other buckets, S3 test events, and keys outside uploads/", async () => {
    const removed = { ...awsRecord, eventName: "ObjectRemoved:Delete" };
    const otherBucket = { ...awsRecord, s3: { ...awsRecord.s3, bucket: { name: "elsewhere" } } };
    expect((await handler({ Records: [removed, otherBucket] })).results).toEqual([]);
    expect((await handler({ Service: "Amazon S3", Event: "s3:TestEvent" })).results).toEqual([]);
    expect(await run("public/logo.png")).toEqual([{ key: "public/logo.png", outcome: "ignored", reason: "outside uploads/" }]);
    expect((await handler("nonsense")).results).toEqual([]);
  });

  it("records RGW notifications, whose keys arrive raw, through toAwsS3Event", async () => {
    const t = await signPost(sign, alice, { profile: "avatar", contentType: "image/png", metadata: { caption: "hi" } });
    const key = `${t.conditions.keyPrefix}holiday pic+1 100%.png`;
    store(key, t.uploadId);
    const record = { ...rgwRecord, s3: { ...rgwRecord.s3, object: { ...rgwRecord.s3.object, key } } };
    expect(toAwsS3Event({ Records: [record] })).toEqual({ Records: [{ ...record, s3: { ...record.s3, object: { ...record.s3.object, key: encodeEventKey(key) } } }] });
    expect((await handler(toAwsS3Event({ Records: [record] }))).results).toEqual([expect.objectContaining({ key, outcome: "completed" })]);
    // AWS records are already encoded and pass through unchanged.
    expect(toAwsS3Event(eventFor(key))).toEqual(eventFor(key));
  });
});
