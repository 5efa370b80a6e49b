import { describe, expect, it } from "vitest";
import { signPost, signPut } from "../../functions/domain/sign.js";
import { parseProfiles } from "../../functions/domain/profiles.js";
import { FileTooLargeError, UnsupportedMediaTypeError, ValidationError } from "../../functions/errors.js";
import { SignPostResponse, SignPutResponse, Ticket } from "../../functions/schemas.js";
import { memoryDeps, NOW, failingStore } from "../support/fixtures.js";

const alice = { sub: "alice", groups: [] };
const put = { profile: "avatar", filename: "me.png", contentType: "image/png", size: 12345, metadata: { caption: "hi" } };

const queryNames = (url: string) => [...new URL(url).searchParams.keys()].map((k) => k.toLowerCase());
const signedHeaders = (url: string) => new URL(url).searchParams.get("X-Amz-SignedHeaders")!.split(";");
const policyOf = (fields: Record<string, string>) =>
  JSON.parse(Buffer.from(fields.Policy!, "base64").toString("utf8")) as { expiration: string; conditions: unknown[] };

describe("signPut", () => {
  it("signs type, exact length, metadata and if-none-match, and stores a pending ticket", async () => {
    const { deps, tickets } = memoryDeps();
    const res = SignPutResponse.parse(await signPut(deps, alice, put));

    expect(res.key).toBe(`uploads/alice/${res.uploadId}/me.png`);
    expect(res.expiresAt).toBe("2026-11-21T10:05:00.000Z");
    expect(res.headers).toEqual({
      "content-type": "image/png",
      "content-length": "12345",
      "if-none-match": "*",
      "x-amz-meta-upload-id": res.uploadId,
      "x-amz-meta-caption": "hi",
    });
    expect(signedHeaders(res.url)).toEqual(
      expect.arrayContaining(["content-type", "content-length", "if-none-match", "x-amz-meta-upload-id", "x-amz-meta-caption", "host"]),
    );
    expect(new URL(res.url).searchParams.get("X-Amz-Expires")).toBe("300");

    const ticket = Ticket.parse(tickets.items.get(res.uploadId));
    expect(ticket).toMatchObject({
      owner: "alice", profile: "avatar", key: res.key, method: "PUT", filename: "me.png", contentType: "image/png",
      declaredSize: 12345, minBytes: 1, maxBytes: 5242880, metadata: { caption: "hi" }, status: "pending",
      createdAt: NOW.toISOString(), expiresAt: res.expiresAt,
    });
    expect(ticket.ttl).toBeGreaterThan(Date.parse(res.expiresAt) / 1000);
  });

  it("never puts checksum query parameters into the URL (aws-sdk-js-v3 #6810)", async () => {
    const { deps } = memoryDeps();
    const res = await signPut(deps, alice, put);
    expect(res.url).not.toMatch(/x-amz-checksum-crc32|x-amz-sdk-checksum-algorithm/i);
    expect(queryNames(res.url).filter((k) => k.startsWith("x-amz-meta-") || k.startsWith("x-amz-checksum"))).toEqual([]);
  });

  it("signs an optional SHA-256 checksum as a header", async () => {
    const { deps } = memoryDeps();
    const checksumSha256 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
    const res = await signPut(deps, alice, { ...put, checksumSha256 });
    expect(res.headers["x-amz-checksum-sha256"]).toBe(checksumSha256);
    expect(signedHeaders(res.url)).toContain("x-amz-checksum-sha256");
    expect(queryNames(res.url)).not.toContain("x-amz-checksum-sha256");
  });

  it.each([
    [{ ...put, profile: "nope" }, ValidationError],
    [{ ...put, contentType: "image/gif" }, UnsupportedMediaTypeError],
    [{ ...put, size: 5242881 }, FileTooLargeError],
    [{ ...put, size: 0 }, ValidationError],
    [{ ...put, metadata: { colour: "red" } }, ValidationError],
  ])("refuses %j", async (input, error) => {
    const { deps, tickets } = memoryDeps();
    await expect(signPut(deps, alice, input)).rejects.toThrow(error);
    expect(tickets.items.size).toBe(0);
  });

  it("refuses single PUTs above 5 GiB even when the profile allows more", async () => {
    const { deps } = memoryDeps({ profiles: parseProfiles([{ name: "big", contentTypes: ["video/*"], maxBytes: 10 * 1024 ** 3, methods: ["put", "multipart"] }]) });
    await expect(signPut(deps, alice, { profile: "big", filename: "v.mp4", contentType: "video/mp4", size: 6 * 1024 ** 3 })).rejects.toThrow(/multipart/);
  });

  it("refuses a method the profile does not offer", async () => {
    const { deps } = memoryDeps({ profiles: parseProfiles([{ name: "form", contentTypes: ["text/csv"], maxBytes: 9, methods: ["post"] }]) });
    await expect(signPut(deps, alice, { profile: "form", filename: "a.csv", contentType: "text/csv", size: 3 })).rejects.toThrow(ValidationError);
  });

  it("refuses metadata above S3's 2 KB", async () => {
    const { deps } = memoryDeps({ profiles: parseProfiles([{ name: "m", contentTypes: ["text/plain"], maxBytes: 9, metadataKeys: ["a", "b", "c", "d", "e"] }]) });
    const metadata = Object.fromEntries(["a", "b", "c", "d", "e"].map((k) => [k, "x".repeat(500)]));
    await expect(signPut(deps, alice, { profile: "m", filename: "a.txt", contentType: "text/plain", size: 3, metadata })).rejects.toMatchObject({
      details: [{ path: "metadata", message: expect.stringMatching(/2048 bytes/) }],
    });
  });

  it("returns no URL when the ticket cannot be stored", async () => {
    const { deps } = memoryDeps({ writer: failingStore("table unavailable") });
    await expect(signPut(deps, alice, put)).rejects.toThrow("table unavailable");
  });

  it("gives every ticket its own id and key", async () => {
    const { deps } = memoryDeps();
    const a = await signPut(deps, alice, put);
    const b = await signPut(deps, alice, put);
    expect(a.uploadId).not.toBe(b.uploadId);
    expect(a.key).not.toBe(b.key);
  });
});

describe("signPost", () => {
  it("conditions every field, the key prefix, the size range and the type", async () => {
    const { deps, tickets } = memoryDeps();
    const res = SignPostResponse.parse(await signPost(deps, alice, { profile: "avatar", filename: "me.png", contentType: "image/png", maxBytes: 100000, metadata: { caption: "hi" } }));
    const prefix = `uploads/alice/${res.uploadId}/`;

    expect(res.key).toBe(`${prefix}me.png`);
    expect(res.conditions).toEqual({ minBytes: 1, maxBytes: 100000, contentType: "image/png", keyPrefix: prefix });
    const policy = policyOf(res.fields);
    expect(policy.conditions).toEqual(
      expect.arrayContaining([
        { bucket: "uploads" },
        ["starts-with", "$key", prefix],
        ["content-length-range", 1, 100000],
        { "Content-Type": "image/png" },
        { "x-amz-meta-upload-id": res.uploadId },
        { "x-amz-meta-caption": "hi" },
        { success_action_status: "201" },
      ]),
    );
    // Every field the client must send has a condition (or S3 answers "Extra input fields").
    const conditioned = new Set(policy.conditions.flatMap((c) => (Array.isArray(c) ? [String(c[1]).slice(1)] : Object.keys(c as object))));
    for (const field of Object.keys(res.fields)) {
      if (!["Policy", "X-Amz-Signature"].includes(field)) expect(conditioned).toContain(field);
    }
    expect(tickets.items.get(res.uploadId)).toMatchObject({ method: "POST", maxBytes: 100000, contentType: "image/png", key: res.key });
  });

  it("lets S3 fill in the file name when none is given", async () => {
    const { deps, tickets } = memoryDeps();
    const res = await signPost(deps, alice, { profile: "avatar", contentType: "image/webp" });
    expect(res.fields.key).toBe(`uploads/alice/${res.uploadId}/\${filename}`);
    expect(res.conditions.maxBytes).toBe(5242880);
    expect(tickets.items.get(res.uploadId)).not.toHaveProperty("filename");
  });

  it("uses starts-with on Content-Type for a single type/* profile", async () => {
    const { deps } = memoryDeps();
    const res = await signPost(deps, alice, { profile: "photo", filename: "a.heic" });
    expect(res.fields).not.toHaveProperty("Content-Type");
    expect(res.conditions.contentType).toBe("image/*");
    expect(policyOf(res.fields).conditions).toContainEqual(["starts-with", "$Content-Type", "image/"]);
  });

  it.each([
    [{ profile: "avatar" }, ValidationError],
    [{ profile: "avatar", contentType: "text/html" }, UnsupportedMediaTypeError],
    [{ profile: "avatar", contentType: "image/png", maxBytes: 5242881 }, FileTooLargeError],
    [{ profile: "avatar", contentType: "image/png", maxBytes: 0 }, ValidationError],
    [{ profile: "document", metadata: { caption: "x" }, contentType: "application/pdf" }, ValidationError],
  ])("refuses %j", async (input, error) => {
    const { deps, tickets } = memoryDeps();
    await expect(signPost(deps, alice, input)).rejects.toThrow(error);
    expect(tickets.items.size).toBe(0);
  });
});
