/** Multipart uploads in memory: the part plan as properties, and the follow-ups' rules. */
import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import { parseProfiles } from "../../functions/domain/profiles.js";
import { DEFAULT_PART_BYTES, MAX_OBJECT_BYTES, MAX_PART_BYTES, MAX_PARTS, MIN_PART_BYTES } from "../../functions/domain/limits.js";
import { completeUpload, listParts, signParts, type MultipartDeps } from "../../functions/domain/multipart.js";
import { partLength, planParts } from "../../functions/domain/parts.js";
import { signMultipart, signPost } from "../../functions/domain/sign.js";
import { ConfigError, FileTooLargeError, InvalidStateError, NotFoundError, ValidationError } from "../../functions/errors.js";
import { makeSignPartsHandler } from "../../functions/handlers/multipart.js";
import { bodyOf, httpEvent, memoryDeps, MemoryMultipartStore, MemoryObjectStore, NOW } from "../support/fixtures.js";

const MiB = 1024 ** 2;

describe("the part plan", () => {
  it.each([
    [0, undefined, DEFAULT_PART_BYTES, 1],
    [1, undefined, DEFAULT_PART_BYTES, 1],
    [5 * MiB, undefined, DEFAULT_PART_BYTES, 1],
    [5 * MiB + 1, 5 * MiB, 5 * MiB, 2],
    [12 * MiB, 5 * MiB, 5 * MiB, 3],
    [DEFAULT_PART_BYTES * MAX_PARTS, undefined, DEFAULT_PART_BYTES, MAX_PARTS],
    [DEFAULT_PART_BYTES * MAX_PARTS + 1, undefined, DEFAULT_PART_BYTES + 1, MAX_PARTS],
    [MAX_OBJECT_BYTES, undefined, Math.ceil(MAX_OBJECT_BYTES / MAX_PARTS), MAX_PARTS],
    [MAX_OBJECT_BYTES, MAX_PART_BYTES, MAX_PART_BYTES, 1024],
  ])("cuts %i bytes (partSize %s) into parts of %i, %i of them", (size, asked, partSize, partCount) => {
    expect(planParts(size, asked)).toEqual({ partSize, partCount });
  });

  it("refuses a part size that makes more than 10,000 parts", () => {
    expect(() => planParts(MAX_PARTS * MIN_PART_BYTES + 1, MIN_PART_BYTES)).toThrow(ValidationError);
  });

  it("for any size up to S3's largest object and any allowed part size: within S3's limits, every part full but the last, summing to the size", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 0, max: 64 * MiB }), fc.integer({ min: 0, max: MAX_OBJECT_BYTES })),
        fc.option(fc.integer({ min: MIN_PART_BYTES, max: MAX_PART_BYTES }), { nil: undefined }),
        (size, asked) => {
          let plan;
          try {
            plan = planParts(size, asked);
          } catch (error) {
            expect(error).toBeInstanceOf(ValidationError);
            expect(Math.ceil(size / asked!)).toBeGreaterThan(MAX_PARTS); // only a too-small asked size is refused
            return;
          }
          expect(plan.partCount).toBeGreaterThanOrEqual(1);
          expect(plan.partCount).toBeLessThanOrEqual(MAX_PARTS);
          expect(plan.partSize).toBeGreaterThanOrEqual(MIN_PART_BYTES);
          expect(plan.partSize).toBeLessThanOrEqual(MAX_PART_BYTES);
          if (asked !== undefined) expect(plan.partSize).toBe(asked);
          else if (size > DEFAULT_PART_BYTES * MAX_PARTS) expect(Math.ceil(size / (plan.partSize - 1))).toBeGreaterThan(MAX_PARTS); // the smallest that fits
          const last = partLength(size, plan, plan.partCount);
          expect(last).toBeGreaterThanOrEqual(0);
          expect(last).toBeLessThanOrEqual(plan.partSize);
          if (plan.partCount > 1) expect(last).toBeGreaterThan(0);
          expect(plan.partSize * (plan.partCount - 1) + last).toBe(size);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("profiles and single uploads", () => {
  it("refuses a profile over 5 GiB without multipart, takes one with it", () => {
    expect(() => parseProfiles([{ name: "big", contentTypes: ["video/*"], maxBytes: 6 * 1024 ** 3 }])).toThrow(ConfigError);
    expect(parseProfiles([{ name: "big", contentTypes: ["video/*"], maxBytes: MAX_OBJECT_BYTES, methods: ["multipart", "post"] }])[0]?.maxBytes).toBe(MAX_OBJECT_BYTES);
  });

  it("never signs a POST for more than 5 GiB, even for a 5 TiB profile", async () => {
    const profiles = parseProfiles([{ name: "big", contentTypes: ["video/*"], maxBytes: MAX_OBJECT_BYTES, methods: ["multipart", "post"] }]);
    const { deps } = memoryDeps({ profiles });
    const post = await signPost(deps, { sub: "alice", groups: [] }, { profile: "big" });
    expect(post.conditions.maxBytes).toBe(5 * 1024 ** 3);
    await expect(signPost(deps, { sub: "alice", groups: [] }, { profile: "big", maxBytes: 6 * 1024 ** 3 })).rejects.toThrow(FileTooLargeError);
  });
});

describe("multipart follow-ups", () => {
  const profiles = parseProfiles([{ name: "video", contentTypes: ["video/mp4"], maxBytes: 100 * MiB, methods: ["multipart"], metadataKeys: ["title"] }]);
  const alice = { sub: "alice", groups: [] };
  let objects: MemoryObjectStore;
  let s3: MemoryMultipartStore;
  let deps: MultipartDeps;
  let start: ReturnType<typeof memoryDeps>;
  let now: Date;

  beforeEach(() => {
    objects = new MemoryObjectStore();
    s3 = new MemoryMultipartStore(objects);
    now = NOW;
    start = memoryDeps({ profiles, clock: { now: () => now } });
    deps = { profiles, tickets: start.tickets, objects, multipart: s3, signer: start.deps.signer, clock: { now: () => now } };
  });
  const begin = (size = 12 * MiB) =>
    signMultipart({ ...start.deps, writer: start.deps.writer, multipart: s3 }, alice, { profile: "video", filename: "clip.mp4", contentType: "video/mp4", size, partSize: 5 * MiB, metadata: { title: "t" } });
  const uploadAll = (id: string, size = 12 * MiB) => {
    const s3Id = start.tickets.items.get(id)!.s3UploadId!;
    const plan = planParts(size, 5 * MiB);
    for (let n = 1; n <= plan.partCount; n++) s3.uploadPart(s3Id, n, partLength(size, plan, n));
    return [...s3.uploads.get(s3Id)!.parts.values()].map(({ partNumber, etag }) => ({ partNumber, etag }));
  };

  it("creates the S3 upload with type and metadata, keeps its id in the ticket, never in the answer", async () => {
    const t = await begin();
    expect(t).toEqual({ uploadId: t.uploadId, key: `uploads/alice/${t.uploadId}/clip.mp4`, method: "MULTIPART", partSize: 5 * MiB, partCount: 3, expiresAt: "2026-11-22T10:00:00.000Z" });
    const ticket = start.tickets.items.get(t.uploadId)!;
    expect(ticket).toMatchObject({ method: "MULTIPART", declaredSize: 12 * MiB, partSize: 5 * MiB, partCount: 3, status: "pending" });
    expect(s3.uploads.get(ticket.s3UploadId!)).toMatchObject({ key: t.key, contentType: "video/mp4", metadata: { "upload-id": t.uploadId, title: "t" } });
    expect(JSON.stringify(t)).not.toContain(ticket.s3UploadId!);
  });

  it("signs each part for its exact length (the last one shorter), no checksum parameters", async () => {
    const t = await begin();
    const { parts, expiresAt } = await signParts(deps, alice, t.uploadId, { partNumbers: [3, 1] });
    expect(parts.map((p) => [p.partNumber, p.headers["content-length"]])).toEqual([[3, String(2 * MiB)], [1, String(5 * MiB)]]);
    for (const p of parts) {
      expect(p.url).toMatch(/[?&]partNumber=\d&uploadId=s3-upload-1&/);
      expect(p.url).not.toMatch(/x-amz-checksum|x-amz-sdk-checksum/i);
      expect(new URL(p.url).searchParams.get("X-Amz-SignedHeaders")).toBe("content-length;host");
    }
    expect(expiresAt).toBe("2026-11-21T10:05:00.000Z");
  });

  it("signs each part's MD5 as content-md5 when the client sends it, and the length as before", async () => {
    const t = await begin();
    const md5 = "1B2M2Y8AsgTpgAmY7PhCfg==";
    const { parts } = await signParts(deps, alice, t.uploadId, { parts: [{ partNumber: 2, contentMd5: md5 }, { partNumber: 3 }] });
    expect(parts.map((p) => [p.partNumber, p.headers])).toEqual([
      [2, { "content-length": String(5 * MiB), "content-md5": md5 }],
      [3, { "content-length": String(2 * MiB) }],
    ]);
    expect(new URL(parts[0]!.url).searchParams.get("X-Amz-SignedHeaders")).toBe("content-length;content-md5;host");
    await expect(signParts(deps, alice, t.uploadId, { parts: [{ partNumber: 4 }] })).rejects.toMatchObject({ status: 422, details: [{ path: "parts.0.partNumber" }] });
  });

  it.each([
    [{ parts: [{ partNumber: 1, contentMd5: "1B2M2Y8AsgTpgAmY7PhCfh==" }] }, "parts.0.contentMd5"], // unused bits set: not 16 bytes
    [{ parts: [{ partNumber: 1, contentMd5: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" }] }, "parts.0.contentMd5"], // 32 bytes
    [{ parts: [{ partNumber: 1, contentMd5: "not base64 at all!!!!w==" }] }, "parts.0.contentMd5"],
    [{ parts: [{ partNumber: 1 }, { partNumber: 1 }] }, "parts"],
    [{ parts: [{ partNumber: 1, checksumCrc32: "AAAAAA==" }] }, "parts.0.checksumCrc32"],
    [{ partNumbers: [1], parts: [{ partNumber: 1 }] }, "body"],
    [{}, "body"],
  ])("refuses a malformed part request with 422 and a detail at its path: %j", async (body, path) => {
    const t = await begin();
    const res = await makeSignPartsHandler(deps)({ ...httpEvent({ claims: { sub: "alice" }, body }), pathParameters: { uploadId: t.uploadId } });
    expect(res.statusCode).toBe(422);
    expect(bodyOf(res).error).toMatchObject({ code: "validation_failed", details: [expect.objectContaining({ path })] });
  });

  it("refuses part numbers outside the plan with 422", async () => {
    const t = await begin();
    await expect(signParts(deps, alice, t.uploadId, { partNumbers: [1, 4] })).rejects.toMatchObject({ status: 422, details: [{ path: "partNumbers.1" }] });
  });

  it("binds every follow-up to the caller's own multipart ticket: 404 for others, 409 for another method", async () => {
    const t = await begin();
    const bob = { sub: "bob", groups: [] };
    await expect(signParts(deps, bob, t.uploadId, { partNumbers: [1] })).rejects.toThrow(NotFoundError);
    await expect(listParts(deps, bob, t.uploadId)).rejects.toThrow(NotFoundError);
    await expect(completeUpload(deps, bob, t.uploadId, { parts: [{ partNumber: 1, etag: "x" }] })).rejects.toThrow(NotFoundError);
    await expect(signParts(deps, alice, "01KAGX5Z2N3Q4R5S6T7V8W9XYZ", { partNumbers: [1] })).rejects.toThrow(NotFoundError);
    const put = parseProfiles([{ name: "video", contentTypes: ["video/mp4"], maxBytes: 100 * MiB, methods: ["put"] }]);
    const { signPut } = await import("../../functions/domain/sign.js");
    const single = await signPut({ ...start.deps, profiles: put }, alice, { profile: "video", filename: "a.mp4", contentType: "video/mp4", size: 10 });
    await expect(signParts(deps, alice, single.uploadId, { partNumbers: [1] })).rejects.toThrow(InvalidStateError);
  });

  it("resumes: lists what S3 holds, completes, checks like the record step, and answers the same view again", async () => {
    const t = await begin();
    const all = uploadAll(t.uploadId);
    expect((await listParts(deps, alice, t.uploadId)).parts.map((p) => p.partNumber)).toEqual([1, 2, 3]);
    const view = await completeUpload(deps, alice, t.uploadId, { parts: all });
    expect(view).toMatchObject({ status: "completed", size: 12 * MiB, method: "MULTIPART", partCount: 3, partSize: 5 * MiB });
    expect(await completeUpload(deps, alice, t.uploadId, { parts: all })).toEqual(view);
    await expect(signParts(deps, alice, t.uploadId, { partNumbers: [1] })).rejects.toThrow(InvalidStateError);
    await expect(listParts(deps, alice, t.uploadId)).rejects.toThrow(InvalidStateError);
  });

  it.each([
    ["a missing part", (parts: Array<{ partNumber: number; etag: string }>) => parts.slice(0, 2)],
    ["a duplicated part", (parts: Array<{ partNumber: number; etag: string }>) => [parts[0]!, parts[0]!, parts[1]!, parts[2]!]],
    ["parts out of order", (parts: Array<{ partNumber: number; etag: string }>) => [parts[1]!, parts[0]!, parts[2]!]],
    ["a part beyond the plan", (parts: Array<{ partNumber: number; etag: string }>) => [...parts, { partNumber: 4, etag: "x" }]],
  ])("refuses to complete with %s (422), and nothing is stored", async (_name, change) => {
    const t = await begin();
    const all = uploadAll(t.uploadId);
    await expect(completeUpload(deps, alice, t.uploadId, { parts: change(all) })).rejects.toMatchObject({ status: 422 });
    expect(objects.objects.size).toBe(0);
    expect(start.tickets.items.get(t.uploadId)?.status).toBe("pending");
  });

  it("maps S3's refusal of a wrong ETag to 422", async () => {
    const t = await begin();
    const all = uploadAll(t.uploadId);
    await expect(completeUpload(deps, alice, t.uploadId, { parts: all.map((p, i) => (i === 1 ? { ...p, etag: "wrong" } : p)) })).rejects.toMatchObject({ status: 422 });
  });

  it("rejects (and deletes) an object whose size is not the declared one", async () => {
    const t = await begin();
    const s3Id = start.tickets.items.get(t.uploadId)!.s3UploadId!;
    for (const n of [1, 2, 3]) s3.uploadPart(s3Id, n, 5 * MiB); // 15 MiB, not 12
    const parts = [...s3.uploads.get(s3Id)!.parts.values()].map(({ partNumber, etag }) => ({ partNumber, etag }));
    expect(await completeUpload(deps, alice, t.uploadId, { parts })).toMatchObject({ status: "rejected", rejectReason: expect.stringMatching(/differs from the declared/) });
    expect(objects.objects.has(t.key)).toBe(false);
  });

  it("refuses parts and completion once the ticket expired (409)", async () => {
    const t = await begin();
    const all = uploadAll(t.uploadId);
    now = new Date(NOW.getTime() + 25 * 3600 * 1000);
    await expect(signParts(deps, alice, t.uploadId, { partNumbers: [1] })).rejects.toThrow(InvalidStateError);
    await expect(completeUpload(deps, alice, t.uploadId, { parts: all })).rejects.toThrow(InvalidStateError);
  });

  it("never signs a part URL beyond the ticket's own life", async () => {
    const t = await begin();
    now = new Date(Date.parse(t.expiresAt) - 60_000);
    expect((await signParts(deps, alice, t.uploadId, { partNumbers: [1] })).expiresAt).toBe(t.expiresAt);
  });

  it("aborts the S3 upload when the ticket cannot be written", async () => {
    const failing = memoryDeps({ profiles });
    failing.tickets.create = async () => { throw new Error("table down"); };
    await expect(signMultipart({ ...failing.deps, writer: failing.deps.writer, multipart: s3 }, alice, { profile: "video", filename: "a.mp4", contentType: "video/mp4", size: 10 })).rejects.toThrow(/table down/);
    expect(s3.aborted).toHaveLength(1);
    expect(s3.uploads.size).toBe(0);
  });
});
