import { createPresignedPost } from "@aws-sdk/s3-presigned-post";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { s3Client } from "../../functions/adapters/clients.js";
import { PostPresigner, type PostPresignerOptions } from "../../functions/adapters/post-presigner.js";
import { ConfigError } from "../../functions/errors.js";
import type { PostCondition } from "../../functions/ports.js";
import { EXAMPLE_CREDENTIALS } from "../support/fixtures.js";

const credentials = [
  EXAMPLE_CREDENTIALS,
  { accessKeyId: "ASIAEXAMPLE", secretAccessKey: "c2VjcmV0+/=", sessionToken: "IQoJb3JpZ2luX2VjE+/=long//token\"\\é" },
];
const targets: Array<Omit<PostPresignerOptions, "credentials" | "now">> = [
  { bucket: "uploads", region: "us-east-1" },
  { bucket: "my-uploads-123", region: "eu-west-1" },
  { bucket: "my.dotted.bucket", region: "eu-west-1" },
  { bucket: "ab--cd", region: "us-east-1" },
  { bucket: "192.168.1.1", region: "us-east-1" },
  { bucket: "uploads", region: "cn-north-1" },
  { bucket: "uploads", region: "us-gov-west-1" },
  { bucket: "uploads", region: "us-east-1", endpoint: "http://127.0.0.1:7480" },
  { bucket: "Uploads_Local", region: "eu-west-1", endpoint: "https://minio.example.com:9000" },
  { bucket: "uploads", region: "us-east-1", endpoint: "https://minio.example.com:443/s3" },
  { bucket: "uploads", region: "cn-north-1", endpoint: "http://127.0.0.1:7480/gateway/s3+v1 x/" },
];

const printable = fc.stringMatching(/^[\x20-\x7e]{0,30}$/);
const text = fc.oneof(printable, fc.string({ unit: "grapheme", maxLength: 30 }));
const condition: fc.Arbitrary<PostCondition> = fc.oneof(
  fc.tuple(fc.constant("content-length-range" as const), fc.nat(10), fc.nat(1 << 30)),
  fc.tuple(fc.constantFrom("starts-with" as const, "eq" as const), fc.constantFrom("$Content-Type", "$key", "$x-amz-meta-tag"), text),
  fc.dictionary(fc.constantFrom("acl", "Cache-Control", "x-amz-meta-a"), text, { minKeys: 1, maxKeys: 1 }),
);
const input = fc.record({
  target: fc.constantFrom(...targets),
  credentials: fc.constantFrom(...credentials),
  key: fc.tuple(
    fc.oneof(
      fc.string({ unit: "grapheme", minLength: 1, maxLength: 80 }),
      fc.string({ unit: fc.constantFrom(..."a/ .+%?#&=!'()*~:@$,;[]{}|\\^`\"<>\u00e9\u202e\u0000\t😀"), minLength: 1, maxLength: 40 }),
    ),
    fc.boolean(),
  ).map(([key, filename]) => (filename ? `${key}\${filename}` : key)),
  fields: fc.record(
    {
      "Content-Type": fc.constantFrom("image/png", "application/pdf", "image/svg+xml", "text/plain; charset=utf-8"),
      success_action_status: fc.constantFrom("200", "201", "204"),
      "x-amz-meta-upload-id": fc.stringMatching(/^[0-9A-Z]{26}$/),
      "x-amz-meta-caption": text,
      "x-amz-meta-ünïcode": text,
    },
    { requiredKeys: [] },
  ),
  conditions: fc.array(condition, { maxLength: 4 }).chain((cs) => fc.shuffledSubarray([...cs, ...cs]).map((all) => all)), // duplicates too
  expiresInSeconds: fc.integer({ min: 1, max: 7 * 24 * 3600 }),
  signedAt: fc.date({ min: new Date("2020-01-01T00:00:00Z"), max: new Date("2035-12-31T23:59:59Z"), noInvalidDate: true }),
  skew: fc.integer({ min: -3_600_000, max: 3_600_000 }),
});

type Input = typeof input extends fc.Arbitrary<infer T> ? T : never;

/** The SDK's own path: an S3 client configured as the app configures it, its clock pinned. */
async function sdkPost(i: Input) {
  const client = s3Client({ region: i.target.region, credentials: i.credentials, ...(i.target.endpoint ? { endpoint: i.target.endpoint } : {}) });
  client.config.systemClockOffset = i.skew;
  vi.spyOn(Date, "now").mockReturnValue(i.signedAt.getTime());
  try {
    return await createPresignedPost(client, { Bucket: i.target.bucket, Key: i.key, Fields: i.fields, Conditions: i.conditions, Expires: i.expiresInSeconds });
  } finally {
    vi.restoreAllMocks();
  }
}

const request = (i: Input) => ({ key: i.key, fields: i.fields, conditions: i.conditions, expiresInSeconds: i.expiresInSeconds });

describe("PostPresigner", () => {
  afterEach(() => vi.restoreAllMocks());

  it("produces exactly the url and fields createPresignedPost produces, for any key, fields, conditions, target and clock", async () => {
    await fc.assert(
      fc.asyncProperty(input, async (i) => {
        const expected = await sdkPost(i);
        const signedAt = new Date(i.signedAt.getTime() + i.skew);
        const { expiresAt, ...fast } = await new PostPresigner({ ...i.target, credentials: i.credentials, now: () => signedAt }).presignPost(request(i));
        expect(fast).toStrictEqual(expected);
        expect(expiresAt).toBe(new Date(signedAt.getTime() + i.expiresInSeconds * 1000).toISOString());
        // Field order too: a form posts them in this order, and the policy lists them so.
        expect(Object.keys(fast.fields)).toEqual(Object.keys(expected.fields));
      }),
      { numRuns: 300 },
    );
  });

  it("signs with the Lambda's role credentials and the system clock by default", async () => {
    vi.stubEnv("AWS_ACCESS_KEY_ID", "ASIAROLE");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "role-secret");
    vi.stubEnv("AWS_SESSION_TOKEN", "role-token");
    try {
      vi.useFakeTimers({ now: new Date("2026-11-21T10:00:00.123Z"), toFake: ["Date"] });
      const post = await new PostPresigner({ bucket: "uploads", region: "eu-west-1" }).presignPost({ key: "a/b.png", fields: {}, conditions: [], expiresInSeconds: 300 });
      expect(post.url).toBe("https://uploads.s3.eu-west-1.amazonaws.com/");
      expect(post.fields).toMatchObject({ "X-Amz-Credential": "ASIAROLE/20261121/eu-west-1/s3/aws4_request", "X-Amz-Date": "20261121T100000Z", "X-Amz-Security-Token": "role-token" });
      expect(JSON.parse(Buffer.from(post.fields.Policy!, "base64").toString()).expiration).toBe("2026-11-21T10:05:00Z");
    } finally {
      vi.useRealTimers();
      vi.unstubAllEnvs();
    }
  });

  it("refuses buckets the endpoint rules send elsewhere, and endpoints with a query", () => {
    for (const bucket of ["arn:aws:s3:eu-west-1:123456789012:accesspoint/ap", "dir--euw1-az1--x-s3"]) {
      expect(() => new PostPresigner({ bucket, region: "eu-west-1" }), bucket).toThrow(ConfigError);
    }
    expect(() => new PostPresigner({ bucket: "uploads", region: "eu-west-1", endpoint: "http://127.0.0.1:7480/?x=1" })).toThrow(ConfigError);
  });
});
