import { readFileSync } from "node:fs";
import * as z from "zod/mini";
import { describe, expect, it } from "vitest";
import { EventBridgePublisher } from "../../functions/adapters/eventbridge-publisher.js";
import { CompletionEventDetail, transitionEvent, type CompletionEvent, type EventPublisher } from "../../functions/domain/events.js";
import { makePublishHandler } from "../../functions/handlers/publish-events.js";
import type { Ticket } from "../../functions/schemas.js";
import { EXAMPLE_CREDENTIALS } from "../support/fixtures.js";
import { wireServer, type Answer } from "../support/wire.js";

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../events/${name}`, import.meta.url), "utf8"));
const completedEvent = fixture("dynamodb-stream-completed.json");
const batchEvent = fixture("dynamodb-stream-batch.json");

const pending: Ticket = {
  uploadId: "01KAGX5Z2N3Q4R5S6T7V8W9XYZ",
  owner: "alice",
  profile: "avatar",
  key: "uploads/alice/01KAGX5Z2N3Q4R5S6T7V8W9XYZ/me.png",
  method: "PUT",
  filename: "me.png",
  contentType: "image/png",
  declaredSize: 2048,
  minBytes: 1,
  maxBytes: 5242880,
  metadata: { caption: "hi" },
  status: "pending",
  createdAt: "2026-11-21T10:00:00.000Z",
  expiresAt: "2026-11-21T10:05:00.000Z",
  ttl: 1795338000,
  version: 1,
};
const change = (before: Ticket, changes: Partial<Ticket>): Ticket => ({ ...before, ...changes, version: before.version + 1 });
const completed = change(pending, { status: "completed", size: 2048, etag: '"etag-1"', completedAt: "2026-11-21T10:00:03.000Z", objectModifiedAt: "2026-11-21T10:00:03.000Z" });

const base = {
  uploadId: pending.uploadId, owner: "alice", profile: "avatar", bucket: "uploads", key: pending.key,
  filename: "me.png", contentType: "image/png", metadata: { caption: "hi" },
};

describe("transitionEvent", () => {
  it("publishes a completion with size, ETag and completedAt", () => {
    const event = transitionEvent(pending, completed, "uploads");
    expect(event).toEqual({
      source: "upload-broker",
      detailType: "Upload Completed",
      detail: { ...base, size: 2048, etag: '"etag-1"', status: "completed", at: "2026-11-21T10:00:03.000Z" },
    });
    expect(z.safeParse(CompletionEventDetail, event?.detail).success).toBe(true);
  });

  it("publishes a rejection with its reason, at the time S3 received the refused object", () => {
    const rejected = change(pending, {
      status: "rejected", size: 4096, etag: '"etag-2"', rejectReason: "size 4096 is not the declared 2048", objectModifiedAt: "2026-11-21T10:00:05.000Z",
    });
    expect(transitionEvent(pending, rejected, "uploads")).toEqual({
      source: "upload-broker",
      detailType: "Upload Rejected",
      detail: {
        ...base, size: 4096, etag: '"etag-2"', status: "rejected", rejectReason: "size 4096 is not the declared 2048", at: "2026-11-21T10:00:05.000Z",
      },
    });
  });

  it("publishes an abort and a delete at deletedAt", () => {
    const aborted = change(pending, { status: "aborted", deletedAt: "2026-11-21T10:01:00.000Z" });
    expect(transitionEvent(pending, aborted, "uploads")).toEqual({
      source: "upload-broker", detailType: "Upload Aborted", detail: { ...base, status: "aborted", at: "2026-11-21T10:01:00.000Z" },
    });
    const deleted = change(completed, { status: "deleted", deletedAt: "2026-11-21T10:02:00.000Z" });
    expect(transitionEvent(completed, deleted, "uploads")).toEqual({
      source: "upload-broker",
      detailType: "Upload Deleted",
      detail: { ...base, size: 2048, etag: '"etag-1"', status: "deleted", at: "2026-11-21T10:02:00.000Z" },
    });
  });

  it("publishes a record that follows a new object from rejected to completed, and never a stale rejectReason", () => {
    const rejected = change(pending, { status: "rejected", rejectReason: "too big", objectModifiedAt: "2026-11-21T10:00:05.000Z" });
    const event = transitionEvent(rejected, change(rejected, { status: "completed", completedAt: "2026-11-21T10:00:09.000Z" }), "uploads");
    expect(event?.detailType).toBe("Upload Completed");
    expect(event?.detail).not.toHaveProperty("rejectReason");
  });

  it("publishes nothing for pending, for a status that stays, or for other changes", () => {
    expect(transitionEvent(undefined, pending, "uploads")).toBeUndefined();
    expect(transitionEvent(pending, change(pending, { metadata: { caption: "x" } }), "uploads")).toBeUndefined();
    expect(transitionEvent(completed, change(completed, { etag: '"etag-9"' }), "uploads")).toBeUndefined();
    const rejected = change(pending, { status: "rejected", rejectReason: "a" });
    expect(transitionEvent(rejected, change(rejected, { rejectReason: "b" }), "uploads")).toBeUndefined();
  });

  it("publishes a ticket first seen in a final status (no old image)", () => {
    expect(transitionEvent(undefined, completed, "uploads")?.detailType).toBe("Upload Completed");
  });

  it("names the file S3 filled in for a POST signed without a name, and none before", () => {
    const post = { ...pending, method: "POST" as const, filename: undefined, key: "uploads/alice/01KAGX5Z2N3Q4R5S6T7V8W9XYZ/${filename}" };
    const done = change(post, { status: "completed", key: "uploads/alice/01KAGX5Z2N3Q4R5S6T7V8W9XYZ/cat.png", completedAt: "2026-11-21T10:00:03.000Z" });
    expect(transitionEvent(post, done, "uploads")?.detail.filename).toBe("cat.png");
    expect(transitionEvent(post, change(post, { status: "aborted", deletedAt: "2026-11-21T10:01:00.000Z" }), "uploads")?.detail.filename).toBe("");
  });

  it("falls back to the change's time when the ticket has none of its own", () => {
    const rejected = change(pending, { status: "rejected", rejectReason: "r" });
    expect(transitionEvent(pending, rejected, "uploads", "2026-11-21T10:00:07.000Z")?.detail.at).toBe("2026-11-21T10:00:07.000Z");
    expect(transitionEvent(pending, rejected, "uploads")?.detail.at).toBe(pending.createdAt);
  });
});

/** Records every publish; fails the calls whose number (from 1) is in `failOn`. */
function recordingPublisher(failOn: number[] = []): EventPublisher & { calls: CompletionEvent[][] } {
  const calls: CompletionEvent[][] = [];
  return {
    calls,
    async publish(events) {
      calls.push(events);
      if (failOn.includes(calls.length)) throw new Error("EventBridge refused 1 of 1 events");
    },
  };
}

describe("publish handler (DynamoDB stream)", () => {
  it("publishes the completion of a captured MODIFY record", async () => {
    const publisher = recordingPublisher();
    const result = await makePublishHandler({ publisher, bucket: "uploads" })(completedEvent);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(publisher.calls).toEqual([
      [
        {
          source: "upload-broker",
          detailType: "Upload Completed",
          detail: {
            ...base, size: 2048, etag: '"9b2cf535f27731c974343645a3985328"', status: "completed", at: "2026-11-21T10:00:03.000Z",
          },
        },
      ],
    ]);
  });

  it("publishes one event per transition of a mixed batch, in order, none for inserts, no-ops and TTL removals", async () => {
    const publisher = recordingPublisher();
    await makePublishHandler({ publisher, bucket: "uploads" })(batchEvent);
    const events = publisher.calls.flat();
    expect(events.map((e) => [e.detailType, e.detail.uploadId])).toEqual([
      ["Upload Rejected", "01KAGX6B0B1C2D3E4F5G6H7J8K"],
      ["Upload Aborted", "01KAGX6C0B1C2D3E4F5G6H7J8K"],
      ["Upload Deleted", "01KAGX5Z2N3Q4R5S6T7V8W9XYZ"],
    ]);
    expect(events[0]?.detail).toEqual({
      uploadId: "01KAGX6B0B1C2D3E4F5G6H7J8K", owner: "alice", profile: "avatar", bucket: "uploads",
      key: "uploads/alice/01KAGX6B0B1C2D3E4F5G6H7J8K/notes.html", filename: "notes.html", contentType: "image/*",
      size: 512, etag: '"5d41402abc4b2a76b9719d911017c592"', metadata: { caption: "hi" }, status: "rejected",
      rejectReason: "content is text/html, not image/*", at: "2026-11-21T10:01:00.000Z",
    });
    expect(events[1]?.detail).toMatchObject({ status: "aborted", filename: "film.mp4", metadata: {}, at: "2026-11-21T10:02:00.000Z" });
    for (const e of events) expect(z.safeParse(CompletionEventDetail, e.detail).success).toBe(true);
  });

  it("reports the record whose publish failed and every later one, by sequence number", async () => {
    // 12 transitions: the first chunk of ten is published, the second fails.
    const records = Array.from({ length: 12 }, (_, i) => {
      const record = structuredClone(completedEvent.Records[0]);
      record.dynamodb.SequenceNumber = String(1000 + i);
      record.eventID = `id-${i}`;
      return record;
    });
    const publisher = recordingPublisher([2]);
    const result = await makePublishHandler({ publisher, bucket: "uploads" })({ Records: records });
    expect(publisher.calls.map((c) => c.length)).toEqual([10, 2]);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: "1010" }, { itemIdentifier: "1011" }] });
  });

  it("retries the whole batch from its first transition when the first publish fails", async () => {
    const publisher = recordingPublisher([1]);
    const result = await makePublishHandler({ publisher, bucket: "uploads" })(batchEvent);
    const sequence = (i: number) => batchEvent.Records[i].dynamodb.SequenceNumber as string;
    // From the rejected record (index 1) on; the insert before it is done.
    expect(result.batchItemFailures).toEqual([1, 2, 3, 4, 5].map((i) => ({ itemIdentifier: sequence(i) })));
  });

  it("skips a record whose image is not a ticket, and an event that is not a stream event", async () => {
    const publisher = recordingPublisher();
    const broken = structuredClone(completedEvent);
    delete broken.Records[0].dynamodb.NewImage.owner;
    expect(await makePublishHandler({ publisher, bucket: "uploads" })(broken)).toEqual({ batchItemFailures: [] });
    expect(await makePublishHandler({ publisher, bucket: "uploads" })({ nope: true })).toEqual({ batchItemFailures: [] });
    expect(publisher.calls).toEqual([]);
  });
});

/** An EventBridge endpoint on loopback that records each PutEvents and answers with `answer(entries)`. */
async function fakeEventBridge(answer: (entries: number) => Record<string, unknown> | Answer = () => ({ FailedEntryCount: 0 })) {
  const server = await wireServer((request) => {
    const a = answer((JSON.parse(request.body) as { Entries: unknown[] }).Entries.length);
    return "status" in a ? (a as Answer) : { headers: { "content-type": "application/x-amz-json-1.1" }, body: JSON.stringify(a) };
  });
  const publisher = (eventBus?: string) =>
    new EventBridgePublisher({ region: "eu-west-1", endpoint: server.endpoint, credentials: EXAMPLE_CREDENTIALS, ...(eventBus ? { eventBus } : {}) });
  const entries = () => server.requests.map((r) => (JSON.parse(r.body) as { Entries: Array<Record<string, unknown>> }).Entries);
  return { server, publisher, entries };
}

describe("EventBridgePublisher", () => {
  const event = transitionEvent(pending, completed, "uploads")!;

  it("puts each event with its source, detail-type, JSON detail, time and bus", async () => {
    const { server, publisher, entries } = await fakeEventBridge();
    await publisher("arn:aws:events:eu-west-1:123456789012:event-bus/uploads").publish([event]);
    await server.close();
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.headers["x-amz-target"]).toBe("AWSEvents.PutEvents");
    expect(entries()[0]).toEqual([
      {
        Source: "upload-broker",
        DetailType: "Upload Completed",
        Detail: JSON.stringify(event.detail),
        Time: Date.parse("2026-11-21T10:00:03.000Z") / 1000,
        EventBusName: "arn:aws:events:eu-west-1:123456789012:event-bus/uploads",
      },
    ]);
    expect(JSON.parse(entries()[0]![0]!.Detail as string)).toEqual(event.detail);
  });

  it("uses the default bus when none is named, ten entries a call", async () => {
    const { server, publisher, entries } = await fakeEventBridge();
    await publisher().publish(Array.from({ length: 23 }, () => event));
    await server.close();
    expect(entries().map((e) => e.length)).toEqual([10, 10, 3]);
    expect(entries()[0]![0]).not.toHaveProperty("EventBusName");
  });

  it("throws when EventBridge refuses any entry, so the batch is retried", async () => {
    const { server, publisher } = await fakeEventBridge((n) => ({
      FailedEntryCount: 1,
      Entries: Array.from({ length: n }, (_, i) => (i === 1 ? { ErrorCode: "InternalFailure", ErrorMessage: "try again" } : { EventId: `e${i}` })),
    }));
    await expect(publisher().publish([event, event])).rejects.toThrow(
      /EventBridge refused 1 of 2 events: Upload Completed 01KAGX5Z2N3Q4R5S6T7V8W9XYZ: InternalFailure try again/,
    );
    await server.close();
  });

  it("lets a failed call's error through, after the retries a throttled call gets", async () => {
    const { server, publisher } = await fakeEventBridge(() => ({ status: 400, body: JSON.stringify({ __type: "ThrottlingException", message: "Rate exceeded" }) }));
    await expect(publisher().publish([event])).rejects.toMatchObject({ name: "ThrottlingException", message: "Rate exceeded", $metadata: { httpStatusCode: 400 } });
    await server.close();
    expect(server.requests).toHaveLength(3);
  });
});
