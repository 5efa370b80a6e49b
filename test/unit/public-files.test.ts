import { marshall } from "@aws-sdk/util-dynamodb";
import { describe, expect, it } from "vitest";
import { transitionEvent, type CompletionEvent, type EventPublisher } from "../../functions/domain/events.js";
import { fileUrls, servedKey, servedPath, servingChange } from "../../functions/domain/public-files.js";
import { publicProfiles } from "../../functions/domain/profiles.js";
import { parseProfiles } from "../../functions/domain/profiles.js";
import { ticketView } from "../../functions/domain/uploads.js";
import { makePublishHandler, type PublicFileDeps } from "../../functions/handlers/publish-events.js";
import type { FileServer } from "../../functions/ports.js";
import type { Ticket } from "../../functions/schemas.js";

const ID = "01KAGX5Z2N3Q4R5S6T7V8W9XYZ";
const PROFILES = parseProfiles([
  { name: "avatar", contentTypes: ["image/png"], maxBytes: 5_000_000, public: true },
  { name: "doc", contentTypes: ["application/pdf"], maxBytes: 5_000_000 },
]);
const PUBLIC = new Set(["avatar"]);
const CDN = "https://files.example.com/";

const pending: Ticket = {
  uploadId: ID, owner: "alice", profile: "avatar", key: `uploads/alice/${ID}/me.png`, method: "PUT", filename: "me.png",
  contentType: "image/png", declaredSize: 2048, minBytes: 1, maxBytes: 5_000_000, metadata: {}, status: "pending",
  createdAt: "2026-11-21T10:00:00.000Z", expiresAt: "2026-11-21T10:05:00.000Z", ttl: 1795338000, version: 1,
};
const next = (before: Ticket, changes: Partial<Ticket>): Ticket => ({ ...before, ...changes, version: before.version + 1 });
const completed = next(pending, { status: "completed", size: 2048, etag: "etag-1", completedAt: "2026-11-21T10:00:03.000Z" });
const deleted = next(completed, { status: "deleted", deletedAt: "2026-11-21T11:00:00.000Z" });
const PATH = `avatar/${ID}/me.png`;

describe("fileUrl", () => {
  const url = fileUrls(PROFILES, CDN);

  it("names a completed upload of a public profile, under <profile>/<uploadId>/<name>, and nothing else", () => {
    expect(url(completed)).toBe(`${CDN}${PATH}`);
    for (const status of ["pending", "scanning", "rejected", "aborted", "deleted"] as const) expect(url({ ...completed, status }), status).toBeUndefined();
    expect(url({ ...completed, profile: "doc" })).toBeUndefined();
    expect(url({ ...completed, profile: "gone" })).toBeUndefined();
    expect(fileUrls(PROFILES, "http://127.0.0.1:3000/files")(completed)).toBe(`http://127.0.0.1:3000/files/${PATH}`);
  });

  it("makes a name S3 filled in for ${filename} safe for a URL and an invalidation path", () => {
    const post = { ...completed, key: `uploads/alice/${ID}/my cat?#%.png` };
    expect(servedPath(post)).toBe(`avatar/${ID}/my_cat.png`);
    expect(servedKey(post)).toBe(`public/avatar/${ID}/my_cat.png`);
  });

  it("is in the ticket view and the completion event of a completed public upload only", () => {
    const now = new Date("2026-11-21T10:01:00.000Z");
    expect(ticketView(completed, now, url).fileUrl).toBe(`${CDN}${PATH}`);
    expect(ticketView(completed, now)).not.toHaveProperty("fileUrl");
    expect(ticketView(deleted, now, url)).not.toHaveProperty("fileUrl");
    expect(transitionEvent(pending, completed, "b", undefined, url)?.detail.fileUrl).toBe(`${CDN}${PATH}`);
    expect(transitionEvent(completed, deleted, "b", undefined, url)?.detail).not.toHaveProperty("fileUrl");
  });

  it("shows in GET /profiles whether a profile is public", () => {
    expect(publicProfiles(PROFILES).profiles.map((p) => [p.name, p.public])).toEqual([["avatar", true], ["doc", false]]);
  });
});

describe("servingChange", () => {
  const copy = { from: completed.key, to: `public/${PATH}`, etag: "etag-1" };

  it("copies a public upload when it completes, exactly the judged object", () => {
    expect(servingChange(pending, completed, PUBLIC)).toEqual({ copy, remove: [], invalidate: [] });
    expect(servingChange(next(pending, { status: "scanning" }), completed, PUBLIC)).toEqual({ copy, remove: [], invalidate: [] });
  });

  it("never serves what is not completed, nor a private profile's upload", () => {
    for (const status of ["pending", "scanning", "rejected", "aborted"] as const) expect(servingChange(pending, { ...pending, status }, PUBLIC), status).toBeUndefined();
    expect(servingChange({ ...pending, profile: "doc" }, { ...completed, profile: "doc" }, PUBLIC)).toBeUndefined();
  });

  it("removes the copy and invalidates its path when a completed upload is deleted, rejected or scanned again", () => {
    for (const status of ["deleted", "rejected", "scanning"] as const) {
      expect(servingChange(completed, { ...completed, status }, PUBLIC), status).toEqual({ remove: [`public/${PATH}`], invalidate: [`/${PATH}`] });
    }
  });

  it("re-copies and invalidates when a completed upload is replaced by other bytes (a re-used POST policy)", () => {
    expect(servingChange(completed, { ...completed, etag: "etag-2" }, PUBLIC)).toEqual({ copy: { ...copy, etag: "etag-2" }, remove: [], invalidate: [`/${PATH}`] });
    expect(servingChange(completed, completed, PUBLIC)).toBeUndefined();
  });

  it("removes a copy of a profile made private, without an invalidation (the bucket policy no longer lets the CDN read it)", () => {
    expect(servingChange(completed, deleted, new Set())).toEqual({ remove: [`public/${PATH}`], invalidate: [] });
  });
});

/** A file server that records what it was asked, in order; `failCopy` makes copies throw. */
function recordingServer(log: string[], failCopy = false): FileServer {
  return {
    copy: async (from, to, etag) => {
      if (failCopy) throw new Error("S3 is down");
      log.push(`copy ${from} → ${to} if ${etag}`);
      return true;
    },
    remove: async (keys) => void log.push(`remove ${keys.join(",")}`),
    invalidate: async (paths) => void log.push(`invalidate ${paths.join(",")}`),
  };
}
const publisher = (log: string[]): EventPublisher => ({
  publish: async (events: CompletionEvent[]) => void log.push(...events.map((e) => `publish ${e.detailType} ${e.detail.fileUrl ?? "-"}`)),
});
const streamRecord = (seq: string, before: Ticket | undefined, after: Ticket) => ({
  eventID: seq,
  eventName: before ? "MODIFY" : "INSERT",
  dynamodb: { SequenceNumber: seq, ...(before ? { OldImage: marshall(before, { removeUndefinedValues: true }) } : {}), NewImage: marshall(after, { removeUndefinedValues: true }) },
});

describe("the stream handler with public files", () => {
  const files = (log: string[], failCopy = false): PublicFileDeps => ({ server: recordingServer(log, failCopy), publicProfiles: PUBLIC, fileUrl: fileUrls(PROFILES, CDN) });

  it("makes the served copy before it announces the completion, and removes it (with an invalidation) before the deletion", async () => {
    const log: string[] = [];
    const handler = makePublishHandler({ bucket: "uploads", publisher: publisher(log), files: files(log) });
    expect(await handler({ Records: [streamRecord("1", pending, completed)] })).toEqual({ batchItemFailures: [] });
    expect(await handler({ Records: [streamRecord("2", completed, deleted)] })).toEqual({ batchItemFailures: [] });
    expect(log).toEqual([
      `copy ${completed.key} → public/${PATH} if etag-1`,
      `publish Upload Completed ${CDN}${PATH}`,
      `remove public/${PATH}`,
      `invalidate /${PATH}`,
      "publish Upload Deleted -",
    ]);
  });

  it("publishes nothing of a record whose copy failed, and retries from it", async () => {
    const log: string[] = [];
    const handler = makePublishHandler({ bucket: "uploads", publisher: publisher(log), files: files(log, true) });
    expect(await handler({ Records: [streamRecord("1", pending, completed)] })).toEqual({ batchItemFailures: [{ itemIdentifier: "1" }] });
    expect(log).toEqual([]);
  });

  it("serves a completed upload replaced by other bytes although no event is due", async () => {
    const log: string[] = [];
    const handler = makePublishHandler({ bucket: "uploads", publisher: publisher(log), files: files(log) });
    await handler({ Records: [streamRecord("3", completed, next(completed, { etag: "etag-2" }))] });
    expect(log).toEqual([`copy ${completed.key} → public/${PATH} if etag-2`, `invalidate /${PATH}`]);
  });
});
