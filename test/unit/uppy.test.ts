/**
 * The Uppy routes in memory: metadata filtering, the key and S3 upload id bound to the caller's
 * own ticket, the part-number ceiling, the size check at complete, aborting, and the error body
 * with its top-level `message`.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { parseProfiles } from "../../functions/domain/profiles.js";
import { maxPartNumber, pickMetadata, uppyAbort, uppyComplete, uppyCreate, uppySignPart, type UppyDeps } from "../../functions/domain/uppy.js";
import { FileTooLargeError, NotFoundError, ValidationError } from "../../functions/errors.js";
import {
  makeUppyAbortHandler, makeUppyCompleteHandler, makeUppyCreateHandler, makeUppyListPartsHandler, makeUppyParamsHandler, makeUppySignPartHandler,
} from "../../functions/handlers/uppy.js";
import type { HttpEvent } from "../../functions/http.js";
import { bodyOf, httpEvent, memoryDeps, MemoryMultipartStore, MemoryObjectStore, NOW } from "../support/fixtures.js";

const MiB = 1024 ** 2;
const profiles = parseProfiles([
  { name: "video", contentTypes: ["video/mp4"], minBytes: 1024, maxBytes: 12 * MiB, methods: ["post", "multipart"], metadataKeys: ["caption"] },
  { name: "photo", contentTypes: ["image/png"], maxBytes: MiB, methods: ["post"], metadataKeys: [] },
]);
const alice = { sub: "alice", groups: [] };
const mallory = { sub: "mallory", groups: [] };

let deps: UppyDeps;
let objects: MemoryObjectStore;
let multipart: MemoryMultipartStore;
beforeEach(() => {
  const memory = memoryDeps({ profiles });
  objects = new MemoryObjectStore();
  multipart = new MemoryMultipartStore(objects);
  deps = { ...memory.deps, writer: memory.tickets, tickets: memory.tickets, objects, multipart, signer: memory.deps.signer };
});

const create = (caption = "sea") =>
  uppyCreate(deps, alice, "video", { filename: "holiday clip.mp4", type: "video/mp4", metadata: { name: "holiday clip.mp4", type: "video/mp4", caption } });
const ticketOf = async (key: string) => deps.tickets.get(key.split("/")[2]!);

describe("metadata from Uppy", () => {
  it("keeps only the profile's keys and never refuses the others (name, type, relativePath, …)", () => {
    expect(pickMetadata(profiles[0]!, { name: "a.mp4", type: "video/mp4", relativePath: null, caption: "hi", "x y": { deep: 1 } })).toEqual({ caption: "hi" });
    expect(pickMetadata(profiles[1]!, { name: "a.png", caption: "ignored" })).toEqual({});
  });

  it("takes an empty or null value as absent and a number as its text", () => {
    expect(pickMetadata(profiles[0]!, { caption: "" })).toEqual({});
    expect(pickMetadata(profiles[0]!, { caption: null })).toEqual({});
    expect(pickMetadata(profiles[0]!, { caption: 42 })).toEqual({ caption: "42" });
  });

  it("refuses a profile field that is not valid metadata with 422 naming it", () => {
    const error = (() => {
      try {
        pickMetadata(profiles[0]!, { caption: "über" });
      } catch (e) {
        return e as ValidationError;
      }
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect(error!.details).toEqual([{ path: "metadata.caption", message: expect.any(String) }]);
  });
});

describe("creating a multipart upload", () => {
  it("answers S3's upload id and a key under the caller's prefix; the ticket has no declared size, 5 MiB parts, no part count", async () => {
    const { key, uploadId } = await create();
    expect(uploadId).toMatch(/^s3-upload-/);
    expect(key).toMatch(/^uploads\/alice\/[0-9A-Z]{26}\/holiday_clip\.mp4$/);
    const ticket = await ticketOf(key);
    expect(ticket).toMatchObject({ method: "MULTIPART", s3UploadId: uploadId, partSize: 5 * MiB, status: "pending", metadata: { caption: "sea" }, maxBytes: 12 * MiB });
    expect(ticket).not.toHaveProperty("declaredSize");
    expect(ticket).not.toHaveProperty("partCount");
    expect(multipart.uploads.get(uploadId)?.metadata).toEqual({ "upload-id": ticket!.uploadId, caption: "sea" });
  });
});

describe("follow-ups are bound to the caller's own ticket", () => {
  it.each<[string, (k: string, id: string) => [typeof alice, string, string, string]]>([
    ["someone else's key", (k, id) => [mallory, "video", id, k]],
    ["another S3 upload id", (k) => [alice, "video", "s3-upload-999", k]],
    ["another profile in the path", (k, id) => [alice, "photo", id, k]],
    ["a key that is no broker key", (_k, id) => [alice, "video", id, "holiday.mp4"]],
    ["a key of an unknown ticket", (k, id) => [alice, "video", id, k.replace(/\/[0-9A-Z]{26}\//, "/01KAGX5Z2N3Q4R5S6T7V8W9XYZ/")]],
    ["a key under another owner for the caller's ticket", (k, id) => [alice, "video", id, k.replace("uploads/alice/", "uploads/mallory/")]],
  ])("%s → 404", async (_name, args) => {
    const { key, uploadId } = await create();
    const [who, profile, id, k] = args(key, uploadId);
    await expect(uppySignPart(deps, who, profile, id, 1, k)).rejects.toBeInstanceOf(NotFoundError);
    await expect(uppyComplete(deps, who, profile, id, k, { parts: [{ PartNumber: 1, ETag: "x" }] })).rejects.toBeInstanceOf(NotFoundError);
    await expect(uppyAbort(deps, who, profile, id, k)).rejects.toBeInstanceOf(NotFoundError);
    expect(multipart.aborted).toEqual([]);
  });
});

describe("part URLs", () => {
  it("are signed without a content-length (Uppy sends no header)", async () => {
    const { key, uploadId } = await create();
    const { url, expires } = await uppySignPart(deps, alice, "video", uploadId, 1, key);
    const signed = new URL(url);
    expect(signed.searchParams.get("X-Amz-SignedHeaders")).toBe("host");
    expect(signed.searchParams.get("partNumber")).toBe("1");
    expect(signed.searchParams.get("uploadId")).toBe(uploadId);
    expect(expires).toBe(profiles[0]!.expiresInSeconds);
  });

  it("stop at floor(maxBytes / 5 MiB) + 1: beyond it → 413", async () => {
    const { key, uploadId } = await create();
    expect(maxPartNumber(12 * MiB)).toBe(3);
    expect(maxPartNumber(10 * MiB)).toBe(3);
    expect(maxPartNumber(5 * 1024 ** 4)).toBe(10_000);
    await expect(uppySignPart(deps, alice, "video", uploadId, 3, key)).resolves.toHaveProperty("url");
    await expect(uppySignPart(deps, alice, "video", uploadId, 4, key)).rejects.toBeInstanceOf(FileTooLargeError);
  });
});

describe("completing", () => {
  const upload = async (sizes: number[]) => {
    const { key, uploadId } = await create();
    sizes.forEach((size, i) => multipart.uploadPart(uploadId, i + 1, size));
    return { key, uploadId, parts: sizes.map((size, i) => ({ PartNumber: i + 1, ETag: `"etag-${i + 1}-${size}"` })) };
  };

  it("sums the parts S3 holds: within the range → completed, {location, key}; again → the same", async () => {
    const { key, uploadId, parts } = await upload([5 * MiB, 5 * MiB, 2 * MiB]);
    const done = await uppyComplete(deps, alice, "video", uploadId, key, { parts });
    expect(done).toEqual({ key, location: `http://127.0.0.1:9/uploads/${key}` });
    expect(await ticketOf(key)).toMatchObject({ status: "completed", size: 12 * MiB });
    expect(await uppyComplete(deps, alice, "video", uploadId, key, { parts })).toEqual(done);
  });

  it("over maxBytes → 413, the upload aborted and the ticket rejected; nothing assembled", async () => {
    const { key, uploadId, parts } = await upload([5 * MiB, 5 * MiB, 2 * MiB + 1]);
    await expect(uppyComplete(deps, alice, "video", uploadId, key, { parts })).rejects.toBeInstanceOf(FileTooLargeError);
    expect(multipart.aborted).toEqual([uploadId]);
    expect(objects.objects.has(key)).toBe(false);
    expect(await ticketOf(key)).toMatchObject({ status: "rejected", size: 12 * MiB + 1, rejectReason: expect.stringMatching(/outside the allowed/) });
  });

  it("under minBytes → 413 too, aborted", async () => {
    const { key, uploadId, parts } = await upload([1000]);
    await expect(uppyComplete(deps, alice, "video", uploadId, key, { parts })).rejects.toBeInstanceOf(FileTooLargeError);
    expect(multipart.aborted).toEqual([uploadId]);
  });

  it("refuses parts out of order, or that S3 does not hold, with 422", async () => {
    const { key, uploadId, parts } = await upload([5 * MiB, MiB]);
    await expect(uppyComplete(deps, alice, "video", uploadId, key, { parts: [parts[1]!, parts[0]!] })).rejects.toBeInstanceOf(ValidationError);
    await expect(uppyComplete(deps, alice, "video", uploadId, key, { parts: [...parts, { PartNumber: 3, ETag: "x" }] })).rejects.toBeInstanceOf(ValidationError);
    expect(multipart.aborted).toEqual([]);
  });
});

describe("aborting", () => {
  it("aborts a pending upload in S3 and marks the ticket aborted; again changes nothing", async () => {
    const { key, uploadId } = await create();
    expect(await uppyAbort(deps, alice, "video", uploadId, key)).toEqual({});
    expect(multipart.aborted).toEqual([uploadId]);
    expect(await ticketOf(key)).toMatchObject({ status: "aborted", deletedAt: NOW.toISOString() });
    expect(await uppyAbort(deps, alice, "video", uploadId, key)).toEqual({});
    expect(multipart.aborted).toEqual([uploadId]);
    await expect(uppySignPart(deps, alice, "video", uploadId, 1, key)).rejects.toMatchObject({ status: 409 });
  });
});

describe("the handlers", () => {
  const event = (opts: { sub?: string; params: Record<string, string>; query?: Record<string, string>; body?: unknown }): HttpEvent => ({
    ...httpEvent({ claims: { sub: opts.sub ?? "alice" }, ...(opts.body === undefined ? { raw: "" } : { body: opts.body }) }),
    pathParameters: opts.params,
    ...(opts.query ? { queryStringParameters: opts.query } : {}),
  });

  it("params: a POST policy with a concrete key, only the profile's metadata, `expires` in seconds", async () => {
    const res = await makeUppyParamsHandler(deps)(event({
      params: { profile: "video" },
      query: { filename: "clip.mp4", type: "video/mp4", "metadata[name]": "clip.mp4", "metadata[type]": "video/mp4", "metadata[caption]": "a b" },
    }));
    expect(res.statusCode).toBe(200);
    const body = bodyOf(res);
    expect(body).toMatchObject({ method: "POST", url: expect.any(String), expires: 300 });
    expect(body.fields.key).toMatch(/^uploads\/alice\/[0-9A-Z]{26}\/clip\.mp4$/);
    expect(body.fields).toMatchObject({ "Content-Type": "video/mp4", "x-amz-meta-caption": "a b" });
    expect(Object.keys(body.fields).filter((k) => k.startsWith("x-amz-meta-")).sort()).toEqual(["x-amz-meta-caption", "x-amz-meta-upload-id"]);
  });

  it("errors keep the contract's body and add the top-level message", async () => {
    const res = await makeUppyParamsHandler(deps)(event({ params: { profile: "photo" }, query: { filename: "a.gif", type: "image/gif" } }));
    expect(res.statusCode).toBe(415);
    const body = bodyOf(res);
    expect(body).toEqual({ error: { code: "unsupported_media_type", message: expect.any(String) }, message: body.error.message });
  });

  it("the multipart routes in Companion's shapes, key and upload id from the path and query", async () => {
    const created = bodyOf(await makeUppyCreateHandler(deps)(event({ params: { profile: "video" }, body: { filename: "c.mp4", type: "video/mp4", metadata: { name: "c.mp4" } } })));
    expect(Object.keys(created).sort()).toEqual(["key", "uploadId"]);
    const at = { profile: "video", uploadId: created.uploadId };
    const part = await makeUppySignPartHandler(deps)(event({ params: { ...at, partNumber: "1" }, query: { key: created.key } }));
    expect(Object.keys(bodyOf(part)).sort()).toEqual(["expires", "url"]);
    multipart.uploadPart(created.uploadId, 1, 4 * MiB);
    expect(bodyOf(await makeUppyListPartsHandler(deps)(event({ params: at, query: { key: created.key } })))).toEqual([{ PartNumber: 1, Size: 4 * MiB, ETag: `etag-1-${4 * MiB}` }]);
    const done = await makeUppyCompleteHandler(deps)(event({ params: at, query: { key: created.key }, body: { parts: [{ PartNumber: 1, ETag: `etag-1-${4 * MiB}` }] } }));
    expect(bodyOf(done)).toEqual({ key: created.key, location: expect.stringMatching(/^http/) });
    expect(bodyOf(await makeUppyAbortHandler(deps)(event({ params: at, query: { key: created.key } })))).toEqual({});
  });

  it.each([
    ["a part number that is not one", { partNumber: "x" }, 404],
    ["a part number past S3's 10,000", { partNumber: "10001" }, 404],
  ])("answers %s with %i", async (_name, extra, status) => {
    const res = await makeUppySignPartHandler(deps)(event({ params: { profile: "video", uploadId: "u", ...extra }, query: { key: "k" } }));
    expect(res.statusCode).toBe(status);
  });

  it("someone else's upload → 404 with the top-level message", async () => {
    const { key, uploadId } = await create();
    const res = await makeUppySignPartHandler(deps)(event({ sub: "mallory", params: { profile: "video", uploadId, partNumber: "1" }, query: { key } }));
    expect(res.statusCode).toBe(404);
    expect(bodyOf(res)).toMatchObject({ error: { code: "not_found" }, message: "No such upload." });
  });
});

describe("completing while S3's own event records the object", () => {
  it("answers what the ticket says when the event rejected and deleted it first (not 409)", async () => {
    const { key, uploadId } = await create();
    multipart.uploadPart(uploadId, 1, 4 * MiB);
    const complete = multipart.complete.bind(multipart);
    multipart.complete = async (...args) => {
      await complete(...args);
      const ticket = (await ticketOf(key))!;
      await deps.tickets.update(ticket, { status: "rejected", rejectReason: "content is text/html, not video/mp4" });
      objects.objects.delete(key);
    };
    await expect(uppyComplete(deps, alice, "video", uploadId, key, { parts: [{ PartNumber: 1, ETag: `etag-1-${4 * MiB}` }] })).rejects.toMatchObject({
      status: 422,
      message: "The upload was rejected: content is text/html, not video/mp4.",
    });
  });
});
