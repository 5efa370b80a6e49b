import { beforeEach, describe, expect, it } from "vitest";
import { CONTENT_SAMPLE_BYTES, contentProblem, verifiesContent } from "../../functions/domain/content.js";
import { recordUpload } from "../../functions/domain/record.js";
import type { Profile, Ticket } from "../../functions/schemas.js";
import { MemoryObjectStore, MemoryTicketStore } from "../support/fixtures.js";
import { csv, elf, html, jpeg, mp4, noise, pdf, png } from "../support/samples.js";

const T0 = new Date("2026-11-21T10:00:03.000Z");
const ID = "01KAGX5Z2N3Q4R5S6T7V8W9XYZ";
const KEY = `uploads/alice/${ID}/file`;

const profile = (contentTypes: string[], extra: Partial<Profile> = {}): Profile => ({
  name: "p", contentTypes, minBytes: 0, maxBytes: 10_000_000, methods: ["put"], expiresInSeconds: 300, metadataKeys: [], allowedGroups: [], public: false, ...extra,
});
const ticketOf = (contentType: string, size: number): Ticket => ({
  uploadId: ID, owner: "alice", profile: "p", key: KEY, method: "PUT", contentType, declaredSize: size, minBytes: 0, maxBytes: 10_000_000,
  metadata: {}, status: "pending", createdAt: "2026-11-21T10:00:00.000Z", expiresAt: "2026-11-21T10:05:00.000Z", version: 1,
});

describe("which profiles verify content", () => {
  it.each([
    [["image/png"], true], [["image/*"], true], [["application/pdf"], true], [["video/mp4"], true], [["audio/*"], true],
    [["application/zip"], true], [["text/plain"], false], [["text/csv"], false], [["application/json"], false], [["text/plain", "image/png"], true],
  ])("%j → %s by default", async (types, expected) => {
    expect(await verifiesContent(profile(types), types[0]!)).toBe(expected);
  });

  it("follows the profile's own verifyContent over the default", async () => {
    expect(await verifiesContent(profile(["image/png"], { verifyContent: false }), "image/png")).toBe(false);
    expect(await verifiesContent(profile(["text/csv"], { verifyContent: true }), "text/csv")).toBe(true);
  });
});

describe("what the bytes say", () => {
  it.each([
    ["image/png", png()], ["image/jpeg", jpeg()], ["application/pdf", pdf()], ["video/mp4", mp4()], ["text/csv", csv()], ["text/plain", noise()],
  ])("%s fits its own bytes", async (type, bytes) => {
    expect(await contentProblem(type, bytes.subarray(0, CONTENT_SAMPLE_BYTES))).toBeUndefined();
  });

  it.each([
    ["image/png", elf(), "content is application/x-elf, not image/png"],
    ["image/png", jpeg(), "content is image/jpeg, not image/png"],
    ["application/pdf", png(), "content is image/png, not application/pdf"],
    ["image/png", html(), "content is not a recognisable image/png"],
    ["application/pdf", noise(), "content is not a recognisable application/pdf"],
    ["text/csv", png(), "content is image/png, not text/csv"],
  ])("%s refuses other bytes", async (type, bytes, reason) => {
    expect(await contentProblem(type, bytes.subarray(0, CONTENT_SAMPLE_BYTES))).toBe(reason);
  });
});

describe("the record step's content check", () => {
  let tickets: MemoryTicketStore;
  let objects: MemoryObjectStore;
  const deps = (profiles: Profile[], scan = false) => ({ tickets, objects, clock: { now: () => T0 }, profiles, scan });
  const upload = async (type: string, body: Uint8Array, change: { size?: number; etag?: string } = {}) => {
    const size = change.size ?? body.length;
    await tickets.create(ticketOf(type, size));
    objects.objects.set(KEY, { size, contentType: type, etag: change.etag ?? "etag-1", lastModified: T0, metadata: { "upload-id": ID } });
    objects.bodies.set(KEY, body);
  };

  beforeEach(() => {
    tickets = new MemoryTicketStore();
    objects = new MemoryObjectStore();
  });

  it("reads no more than its limit, of the ETag it judged, for an object of any size", async () => {
    const big = new Uint8Array(3 * 1024 * 1024);
    big.set(png());
    await upload("image/png", big);
    expect(await recordUpload(deps([profile(["image/png"])]), KEY)).toMatchObject({ outcome: "completed" });
    expect(objects.reads).toEqual([{ key: KEY, bytes: CONTENT_SAMPLE_BYTES, etag: "etag-1" }]);
    expect(Math.max(...objects.reads.map((r) => r.bytes))).toBeLessThanOrEqual(4100);
  });

  it("rejects and deletes bytes that are not what the label says", async () => {
    await upload("image/png", html());
    expect(await recordUpload(deps([profile(["image/png"])]), KEY)).toMatchObject({ outcome: "rejected", reason: "content is not a recognisable image/png" });
    expect(objects.deleted).toEqual([KEY]);
    expect(await tickets.get(ID)).toMatchObject({ status: "rejected", rejectReason: "content is not a recognisable image/png" });
  });

  it("reads nothing of an object that fails a cheap check, nor for a profile that does not verify", async () => {
    await upload("image/png", png(), { size: 1 });
    await tickets.update((await tickets.get(ID))!, { declaredSize: 2 });
    expect(await recordUpload(deps([profile(["image/png"])]), KEY)).toMatchObject({ outcome: "rejected", reason: expect.stringMatching(/^size 1 differs/) });
    objects = new MemoryObjectStore();
    tickets = new MemoryTicketStore();
    await upload("text/csv", csv());
    expect(await recordUpload(deps([profile(["text/csv"])]), KEY)).toMatchObject({ outcome: "completed" });
    expect(objects.reads).toEqual([]);
  });

  it("judges again the object that replaced the one it was about to read", async () => {
    await upload("image/png", png());
    const read = objects.readHead.bind(objects);
    let replaced = false;
    objects.readHead = async (key, bytes, etag) => {
      if (!replaced) {
        replaced = true;
        objects.objects.set(KEY, { ...objects.objects.get(KEY)!, etag: "etag-2" });
        objects.bodies.set(KEY, elf());
      }
      return read(key, bytes, etag);
    };
    expect(await recordUpload(deps([profile(["image/png"])]), KEY)).toMatchObject({ outcome: "rejected", reason: "content is application/x-elf, not image/png" });
    expect(objects.reads.map((r) => r.etag)).toEqual(["etag-1", "etag-2"]);
  });

  it("throws when the read fails, so the event is retried", async () => {
    await upload("image/png", png());
    objects.readHead = async () => { throw Object.assign(new Error("SlowDown"), { name: "SlowDown", $metadata: { httpStatusCode: 503 } }); };
    await expect(recordUpload(deps([profile(["image/png"])]), KEY)).rejects.toThrow("SlowDown");
    expect(await tickets.get(ID)).toMatchObject({ status: "pending" });
  });

  it("with scanning on, a passing object waits in scanning, and a repeated event leaves it there", async () => {
    await upload("image/png", png());
    expect(await recordUpload(deps([profile(["image/png"])], true), KEY)).toMatchObject({ outcome: "scanning" });
    const scanning = await tickets.get(ID);
    expect(scanning).toMatchObject({ status: "scanning", etag: "etag-1" });
    expect(scanning?.completedAt).toBeUndefined();
    expect(await recordUpload(deps([profile(["image/png"])], true), KEY)).toMatchObject({ outcome: "duplicate" });
  });

  it("with scanning on, completes at once an object whose clean scan result came before the record step, and only that object", async () => {
    await upload("image/png", png());
    await tickets.update((await tickets.get(ID))!, { cleanScanEtag: "etag-1", cleanScanAt: "2026-11-21T10:00:02.000Z" });
    expect(await recordUpload(deps([profile(["image/png"])], true), KEY)).toMatchObject({ outcome: "completed" });
    expect(await tickets.get(ID)).toMatchObject({ status: "completed", etag: "etag-1", completedAt: "2026-11-21T10:00:02.000Z" });
  });

  it("with scanning on, a clean result for other bytes vouches for nothing", async () => {
    await upload("image/png", png());
    await tickets.update((await tickets.get(ID))!, { cleanScanEtag: "etag-of-other-bytes", cleanScanAt: "2026-11-21T10:00:02.000Z" });
    expect(await recordUpload(deps([profile(["image/png"])], true), KEY)).toMatchObject({ outcome: "scanning" });
  });
});
