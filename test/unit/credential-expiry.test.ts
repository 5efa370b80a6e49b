/**
 * Honest lifetimes: S3 refuses a presigned URL once the credentials that signed it have expired,
 * whatever its X-Amz-Expires says. Every URL the broker hands out (PUT, part, GET, POST policy)
 * and every `expiresAt` it answers therefore ends no later than the signing credentials, less a
 * margin, when they are shorter than the profile's `expiresInSeconds`.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { CREDENTIALS_MARGIN_SECONDS, resolveCredentials, signingSeconds, type Credentials } from "../../functions/adapters/aws.js";
import { PostPresigner } from "../../functions/adapters/post-presigner.js";
import { UrlPresigner } from "../../functions/adapters/url-presigner.js";
import { signPost, signPut } from "../../functions/domain/sign.js";
import { parseProfiles } from "../../functions/domain/profiles.js";
import { EXAMPLE_CREDENTIALS } from "../support/fixtures.js";

const signedAt = new Date("2026-11-21T10:00:00.000Z");
const where = { bucket: "uploads", region: "eu-west-1" };
/** A provider (the SDK's identity provider shape) whose session ends 60 s after `signedAt`. */
const shortLived = async (): Promise<Credentials> => ({ ...EXAMPLE_CREDENTIALS, sessionToken: "token", expiration: new Date(signedAt.getTime() + 60_000) });
const cap = new Date(signedAt.getTime() + (60 - CREDENTIALS_MARGIN_SECONDS) * 1000).toISOString();
const expires = (url: string) => Number(new URL(url).searchParams.get("X-Amz-Expires"));

describe("URLs never outlive their signing credentials", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("cuts PUT, part and GET URLs to credentials that end sooner than asked", async () => {
    const signer = new UrlPresigner({ ...where, credentials: shortLived });
    const put = await signer.presignPut({ key: "k", contentType: "image/png", contentLength: 1, metadata: {}, expiresInSeconds: 300, signedAt });
    const part = await signer.presignPart({ key: "k", s3UploadId: "u", partNumber: 1, contentLength: 5, expiresInSeconds: 3600, signedAt });
    const get = await signer.presignGet({ key: "k", responseHeaders: {}, expiresInSeconds: 300, signedAt });
    for (const signed of [put, part, get]) {
      expect(signed.expiresAt).toBe(cap);
      expect(expires(signed.url)).toBe(60 - CREDENTIALS_MARGIN_SECONDS);
    }
    // A shorter wish than the credentials allow is kept as it is.
    const short = await signer.presignPart({ key: "k", s3UploadId: "u", partNumber: 1, expiresInSeconds: 10, signedAt });
    expect(expires(short.url)).toBe(10);
  });

  it("cuts a POST policy's expiration the same way", async () => {
    const post = await new PostPresigner({ ...where, credentials: shortLived }).presignPost({ key: "k", fields: {}, conditions: [], expiresInSeconds: 300, signedAt });
    expect(post.expiresAt).toBe(cap);
    expect(JSON.parse(Buffer.from(post.fields.Policy!, "base64").toString()).expiration).toBe(cap.replace(".000Z", "Z"));
  });

  it("answers and stores the shorter expiresAt for PUT and POST tickets", async () => {
    const profiles = parseProfiles([{ name: "avatar", contentTypes: ["image/png"], maxBytes: 1000, expiresInSeconds: 900 }]);
    const stored: Array<{ expiresAt: string }> = [];
    const deps = { profiles, writer: { create: async (t: { expiresAt: string }) => void stored.push(t) }, clock: { now: () => signedAt }, ids: { next: () => "01KAGX5Z2N3Q4R5S6T7V8W9XYZ" } };
    const put = await signPut({ ...deps, signer: new UrlPresigner({ ...where, credentials: shortLived }) }, { sub: "alice", groups: [] }, { profile: "avatar", filename: "a.png", contentType: "image/png", size: 10 });
    const post = await signPost({ ...deps, signer: new PostPresigner({ ...where, credentials: shortLived }) }, { sub: "alice", groups: [] }, { profile: "avatar", filename: "a.png", contentType: "image/png" });
    expect([put.expiresAt, post.expiresAt]).toEqual([cap, cap]);
    expect(stored.map((t) => t.expiresAt)).toEqual([cap, cap]);
  });

  it("refuses to sign with credentials that end within the margin, and reads AWS_CREDENTIAL_EXPIRATION as the SDK does", async () => {
    const dying = { ...EXAMPLE_CREDENTIALS, expiration: new Date(signedAt.getTime() + CREDENTIALS_MARGIN_SECONDS * 1000) };
    expect(() => signingSeconds(300, signedAt, dying)).toThrow(/expire at 2026-11-21T10:00:30/);
    expect(signingSeconds(300, signedAt, EXAMPLE_CREDENTIALS)).toBe(300);
    vi.stubEnv("AWS_ACCESS_KEY_ID", "ASIAROLE");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "secret");
    vi.stubEnv("AWS_CREDENTIAL_EXPIRATION", "2026-11-21T10:02:00Z");
    expect(resolveCredentials(undefined).expiration).toEqual(new Date("2026-11-21T10:02:00Z"));
    const env = await new UrlPresigner(where).presignPut({ key: "k", contentType: "image/png", contentLength: 1, metadata: {}, expiresInSeconds: 300, signedAt });
    expect(expires(env.url)).toBe(120 - CREDENTIALS_MARGIN_SECONDS);
  });
});
