import { readFileSync } from "node:fs";
import { beforeEach, describe, expect, it } from "vitest";
import { makeScanResultHandler } from "../../functions/handlers/scan-result.js";
import type { Ticket } from "../../functions/schemas.js";
import { MemoryObjectStore, MemoryTicketStore } from "../support/fixtures.js";

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../events/guardduty-${name}.json`, import.meta.url), "utf8"));
const T0 = new Date("2026-11-21T10:00:10.000Z");
const event = fixture("no-threats-found");
const KEY: string = event.detail.s3ObjectDetails.objectKey;
const ETAG: string = event.detail.s3ObjectDetails.eTag;
const ID = KEY.split("/")[2]!;

const scanning: Ticket = {
  uploadId: ID, owner: "alice", profile: "avatar", key: KEY, method: "PUT", contentType: "image/png", declaredSize: 2048, minBytes: 1,
  maxBytes: 5_000_000, metadata: {}, status: "scanning", size: 2048, etag: ETAG, objectModifiedAt: "2026-11-21T10:00:03.000Z",
  createdAt: "2026-11-21T10:00:00.000Z", expiresAt: "2026-11-21T10:05:00.000Z", version: 3,
};

describe("scan-result", () => {
  let tickets: MemoryTicketStore;
  let objects: MemoryObjectStore;
  let handler: ReturnType<typeof makeScanResultHandler>;

  beforeEach(async () => {
    tickets = new MemoryTicketStore();
    objects = new MemoryObjectStore();
    await tickets.create(scanning);
    objects.objects.set(KEY, { size: 2048, contentType: "image/png", etag: ETAG, lastModified: new Date(scanning.objectModifiedAt!), metadata: {} });
    handler = makeScanResultHandler({ bucket: "uploads", tickets, objects, clock: { now: () => T0 } });
  });

  it("completes a ticket the scan found clean, at the scan's time, and keeps the object", async () => {
    expect((await handler(event)).results).toEqual([{ key: KEY, uploadId: ID, outcome: "completed" }]);
    expect(await tickets.get(ID)).toMatchObject({ status: "completed", completedAt: "2026-11-21T10:00:09Z" });
    expect(objects.deleted).toEqual([]);
    expect((await handler(event)).results[0]).toMatchObject({ outcome: "duplicate" });
  });

  it("rejects the ticket and deletes the object when the scan found a threat, naming it", async () => {
    const { results } = await handler(fixture("threats-found"));
    expect(results[0]).toMatchObject({ outcome: "rejected", reason: "the malware scan found EICAR-Test-File (not a virus)" });
    expect(await tickets.get(ID)).toMatchObject({ status: "rejected", rejectReason: "the malware scan found EICAR-Test-File (not a virus)" });
    expect(objects.deleted).toEqual([KEY]);
  });

  it.each([
    ["unsupported", /UNSUPPORTED/],
    ["access-denied", /ACCESS_DENIED/],
  ])("does not keep an object the scan could not vouch for (%s)", async (name, reason) => {
    const { results } = await handler(fixture(name));
    expect(results[0]).toMatchObject({ outcome: "rejected", reason: expect.stringMatching(reason) });
    expect(await tickets.get(ID)).toMatchObject({ status: "rejected", rejectReason: expect.stringMatching(/not kept unscanned/) });
    expect(objects.deleted).toEqual([KEY]);
  });

  it("never keeps a threat, even in an upload another path already completed (a rescued one, say)", async () => {
    await tickets.update((await tickets.get(ID))!, { status: "completed", completedAt: "2026-11-21T10:00:05.000Z" });
    expect((await handler(fixture("threats-found"))).results[0]).toMatchObject({ outcome: "rejected" });
    expect(await tickets.get(ID)).toMatchObject({ status: "rejected" });
    expect(objects.deleted).toEqual([KEY]);
  });

  it("keeps a clean result that arrives before the record step (the ticket knows no ETag yet) on the ticket, for the record step", async () => {
    await tickets.update((await tickets.get(ID))!, { status: "pending", etag: undefined, size: undefined, objectModifiedAt: undefined });
    expect((await handler(event)).results[0]).toMatchObject({ outcome: "held" });
    expect(await tickets.get(ID)).toMatchObject({ status: "pending", cleanScanEtag: ETAG.replace(/"/g, ""), cleanScanAt: event.time });
    expect((await handler(event)).results[0]).toMatchObject({ outcome: "duplicate" });
    expect(objects.deleted).toEqual([]);
  });

  it("changes nothing for a result about an object its ticket no longer holds", async () => {
    await tickets.update((await tickets.get(ID))!, { etag: "etag-of-a-re-upload" });
    objects.objects.set(KEY, { ...objects.objects.get(KEY)!, etag: "etag-of-a-re-upload" });
    expect((await handler(fixture("threats-found"))).results[0]).toMatchObject({ outcome: "stale" });
    expect(await tickets.get(ID)).toMatchObject({ status: "scanning" });
    expect(objects.deleted).toEqual([]);
  });

  it("ignores other buckets and drops malformed events without retrying them", async () => {
    const other = structuredClone(event);
    other.detail.s3ObjectDetails.bucketName = "elsewhere";
    expect((await handler(other)).results[0]).toMatchObject({ outcome: "ignored" });
    expect(await handler({ ...event, detail: {} })).toEqual({ results: [] });
    expect(await tickets.get(ID)).toMatchObject({ status: "scanning" });
  });

  it("throws on a transient failure, so EventBridge retries", async () => {
    tickets.get = async () => { throw new Error("ProvisionedThroughputExceeded"); };
    await expect(handler(event)).rejects.toThrow("ProvisionedThroughputExceeded");
  });
});
