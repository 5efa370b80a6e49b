/**
 * The embedded bucket's POST policy check on forms the broker's own presigner signs: what S3
 * accepts (field names in any case, x-ignore- fields, `${filename}`), and each refusal's code.
 */
import { describe, expect, it } from "vitest";
import { PostPresigner } from "../../functions/adapters/post-presigner.js";
import type { PostSigningRequest } from "../../functions/ports.js";
import { checkPostPolicy, type PostForm } from "../../local/s3-door-post.js";

const keys = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER", region: "us-east-1" };
const NOW = new Date("2026-12-03T12:00:00.000Z");
const request: PostSigningRequest = {
  key: "uploads/alice/01KB/${filename}",
  fields: { "Content-Type": "image/png", "x-amz-meta-upload-id": "01KB" },
  conditions: [["content-length-range", 1, 100]],
  expiresInSeconds: 300,
};

async function form(change: (fields: Array<[string, string]>) => Array<[string, string]> = (f) => f, file = { size: 10, filename: "cat.png" }, signedAt = NOW) {
  const { fields } = await new PostPresigner({ bucket: "uploads", region: "us-east-1", endpoint: "http://127.0.0.1:9", credentials: keys, now: () => signedAt }).presignPost(request);
  const posted: PostForm = { fields: change(Object.entries(fields)), file: { path: "/nonexistent", type: "image/png", ...file }, dispose: async () => undefined };
  return posted;
}

const refusal = (promise: Promise<unknown>) => promise.then(() => undefined, (e: { status: number; code: string; message: string }) => ({ status: e.status, code: e.code, message: e.message }));

describe("the door's POST policy check", () => {
  it("accepts the signed form, puts the file name into the key and drops the signing fields", async () => {
    const fields = await checkPostPolicy(await form(), "uploads", keys, NOW);
    expect(Object.fromEntries(fields)).toEqual({ "content-type": "image/png", "x-amz-meta-upload-id": "01KB", key: "uploads/alice/01KB/cat.png" });
  });

  it("takes field names in any case and x-ignore- fields without a condition, as S3 does", async () => {
    const fields = await form((f) => [...f.map(([n, v]): [string, string] => [n.toUpperCase(), v]), ["x-ignore-me", "1"]]);
    await expect(checkPostPolicy(fields, "uploads", keys, NOW)).resolves.toContainEqual(["key", "uploads/alice/01KB/cat.png"]);
  });

  it.each<[string, () => Promise<PostForm>, string, { status: number; code: string; message?: RegExp }]>([
    ["no policy (an anonymous form)", () => form((f) => f.filter(([n]) => n !== "Policy")), "uploads", { status: 403, code: "AccessDenied" }],
    ["a tampered signature", () => form((f) => f.map(([n, v]) => [n, n === "X-Amz-Signature" ? "0".repeat(64) : v])), "uploads", { status: 403, code: "SignatureDoesNotMatch" }],
    ["a policy signed for another bucket", () => form(), "other", { status: 403, code: "AccessDenied", message: /Policy Condition failed: \["eq", "\$bucket", "uploads"\]/ }],
    ["a key outside the prefix", () => form((f) => f.map(([n, v]) => [n, n === "key" ? "uploads/bob/x.png" : v])), "uploads", { status: 403, code: "AccessDenied", message: /\["starts-with", "\$key", "uploads\/alice\/01KB\/"\]/ }],
    ["an extra field", () => form((f) => [...f, ["x-amz-meta-extra", "1"]]), "uploads", { status: 403, code: "AccessDenied", message: /Extra input fields: x-amz-meta-extra/ }],
    ["a file above the range", () => form(undefined, { size: 101, filename: "a.png" }), "uploads", { status: 400, code: "EntityTooLarge" }],
    ["an empty file", () => form(undefined, { size: 0, filename: "a.png" }), "uploads", { status: 400, code: "EntityTooSmall" }],
    ["an expired policy", () => form(undefined, undefined, new Date(NOW.getTime() - 301_000)), "uploads", { status: 403, code: "AccessDenied", message: /Policy expired/ }],
    ["another access key", () => form((f) => f.map(([n, v]) => [n, n === "X-Amz-Credential" ? v.replace("S3RVER", "OTHER") : v])), "uploads", { status: 403, code: "InvalidAccessKeyId" }],
  ])("refuses %s", async (_name, make, bucket, expected) => {
    const refused = await refusal(checkPostPolicy(await make(), bucket, keys, NOW));
    expect(refused).toMatchObject({ status: expected.status, code: expected.code });
    if (expected.message) expect(refused!.message).toMatch(expected.message);
  });

  it("refuses a form without a file", async () => {
    const posted = await form();
    delete posted.file;
    expect(await refusal(checkPostPolicy(posted, "uploads", keys, NOW))).toMatchObject({ status: 400, code: "InvalidArgument" });
  });

  it("hands on a field sent twice once, with the value its condition checked (not a second, unchecked one)", async () => {
    const fields = await checkPostPolicy(await form((f) => [...f, ["Content-Type", "text/html"], ["x-amz-meta-upload-id", "other"]]), "uploads", keys, NOW);
    expect(fields.filter(([n]) => n === "content-type")).toEqual([["content-type", "image/png"]]);
    expect(fields.filter(([n]) => n === "x-amz-meta-upload-id")).toEqual([["x-amz-meta-upload-id", "01KB"]]);
  });
});
