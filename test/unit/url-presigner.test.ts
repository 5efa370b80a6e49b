import { GetObjectCommand, PutObjectCommand, UploadPartCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { s3Client } from "../../functions/adapters/clients.js";
import { UrlPresigner, type UrlPresignerOptions } from "../../functions/adapters/url-presigner.js";
import { ConfigError } from "../../functions/errors.js";
import { EXAMPLE_CREDENTIALS } from "../support/fixtures.js";

const credentials = [
  EXAMPLE_CREDENTIALS,
  { accessKeyId: "ASIAEXAMPLE", secretAccessKey: "c2VjcmV0+/=", sessionToken: "IQoJb3JpZ2luX2VjE+/=long//token" },
];
const targets: Array<Omit<UrlPresignerOptions, "credentials">> = [
  { bucket: "uploads", region: "us-east-1" },
  { bucket: "my-uploads-123", region: "eu-west-1" },
  { bucket: "my.dotted.bucket", region: "eu-central-1" },
  { bucket: "ab--cd", region: "ap-southeast-2" },
  { bucket: "uploads", region: "cn-north-1" },
  { bucket: "uploads", region: "us-gov-west-1" },
  { bucket: "uploads", region: "us-east-1", endpoint: "http://127.0.0.1:7480" },
  { bucket: "Uploads_Local", region: "us-east-1", endpoint: "https://minio.example.com:9000" },
  { bucket: "uploads", region: "eu-west-1", endpoint: "http://127.0.0.1:7480/gateway/s3.v1_~x/" },
];

/** The base64 of any 16 bytes: what `content-md5` carries. */
const md5 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString("base64"));
const printable = fc.stringMatching(/^[\x21-\x7e](?:[\x20-\x7e]{0,30}[\x21-\x7e])?$/);
const input = fc.record({
  target: fc.constantFrom(...targets),
  credentials: fc.constantFrom(...credentials),
  key: fc.oneof(
    fc.string({ unit: "grapheme", minLength: 1, maxLength: 120 }),
    fc.string({ unit: fc.constantFrom(..."a/ .+%?#&=!'()*~:@$,;[]{}|\\^`\"<>\u00e9\u202e\u0000\t😀"), minLength: 1, maxLength: 40 }),
  ),
  contentType: fc.constantFrom("image/png", "application/pdf", "image/svg+xml", "application/vnd.ms-excel"),
  contentLength: fc.nat(),
  metadata: fc.dictionary(fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/), printable, { maxKeys: 4 }),
  checksumSha256: fc.option(fc.constant("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="), { nil: undefined }),
  contentMd5: fc.option(md5, { nil: undefined }),
  expiresInSeconds: fc.integer({ min: 1, max: 3600 }),
  signedAt: fc.date({ min: new Date("2020-01-01T00:00:00Z"), max: new Date("2035-12-31T23:59:59Z"), noInvalidDate: true }),
});

type Input = typeof input extends fc.Arbitrary<infer T> ? T : never;

const signedHeaderNames = (i: Input) =>
  new Set(["content-type", "content-length", "if-none-match", ...Object.keys(i.metadata).map((k) => `x-amz-meta-${k}`), ...(i.checksumSha256 ? ["x-amz-checksum-sha256"] : []), ...(i.contentMd5 ? ["content-md5"] : [])]);

/** The SDK's own path: the S3 client, its middleware stack and getSignedUrl. */
async function sdkUrl(i: Input) {
  const client = s3Client({ region: i.target.region, credentials: i.credentials, ...(i.target.endpoint ? { endpoint: i.target.endpoint } : {}) });
  const command = new PutObjectCommand({
    Bucket: i.target.bucket, Key: i.key, ContentType: i.contentType, ContentLength: i.contentLength,
    Metadata: i.metadata, IfNoneMatch: "*", ...(i.checksumSha256 ? { ChecksumSHA256: i.checksumSha256 } : {}),
    ...(i.contentMd5 ? { ContentMD5: i.contentMd5 } : {}),
  });
  const names = signedHeaderNames(i);
  return getSignedUrl(client, command, { expiresIn: i.expiresInSeconds, signingDate: i.signedAt, signableHeaders: names, unhoistableHeaders: names });
}

describe("UrlPresigner", () => {
  it("refuses an endpoint path it would sign otherwise than it is sent", () => {
    for (const endpoint of ["http://127.0.0.1:7480/s3+gw/", "http://127.0.0.1:7480/s%7Egw", "http://127.0.0.1:7480/a b"]) {
      expect(() => new UrlPresigner({ bucket: "uploads", region: "us-east-1", endpoint }), endpoint).toThrow(ConfigError);
    }
  });

  it("produces exactly the URL the SDK's getSignedUrl produces, for any key, metadata, target and clock", async () => {
    await fc.assert(
      fc.asyncProperty(input, async (i) => {
        const fast = await new UrlPresigner({ ...i.target, credentials: i.credentials }).presignPut({
          key: i.key, contentType: i.contentType, contentLength: i.contentLength, metadata: i.metadata,
          ...(i.checksumSha256 ? { checksumSha256: i.checksumSha256 } : {}), ...(i.contentMd5 ? { contentMd5: i.contentMd5 } : {}),
          expiresInSeconds: i.expiresInSeconds, signedAt: i.signedAt,
        });
        expect(fast.url).toBe(await sdkUrl(i));
        expect(fast.expiresAt).toBe(new Date(i.signedAt.getTime() + i.expiresInSeconds * 1000).toISOString());
        // What the client must send: exactly the signed headers (host is the URL's).
        expect(Object.keys(fast.headers).sort()).toEqual([...signedHeaderNames(i)].sort());
      }),
      { numRuns: 400 },
    );
  });
});

describe("UrlPresigner.presignPart", () => {
  const part = fc.record({
    target: fc.constantFrom(...targets),
    credentials: fc.constantFrom(...credentials),
    key: input.map((i) => i.key),
    // S3 upload ids are long URL-safe strings; RGW's hold '~' and '.', AWS's '_' and '-'.
    s3UploadId: fc.stringMatching(/^[A-Za-z0-9._~-]{1,120}$/),
    partNumber: fc.integer({ min: 1, max: 10_000 }),
    contentLength: fc.option(fc.nat({ max: 5 * 1024 ** 3 }), { nil: undefined }),
    contentMd5: fc.option(md5, { nil: undefined }),
    expiresInSeconds: fc.integer({ min: 1, max: 3600 }),
    signedAt: fc.date({ min: new Date("2020-01-01T00:00:00Z"), max: new Date("2035-12-31T23:59:59Z"), noInvalidDate: true }),
  });

  it("produces exactly the URL getSignedUrl(UploadPartCommand) produces, the part's length and MD5 signed when given", async () => {
    await fc.assert(
      fc.asyncProperty(part, async (p) => {
        const fast = await new UrlPresigner({ ...p.target, credentials: p.credentials }).presignPart(p);
        const client = s3Client({ region: p.target.region, credentials: p.credentials, ...(p.target.endpoint ? { endpoint: p.target.endpoint } : {}) });
        const command = new UploadPartCommand({
          Bucket: p.target.bucket, Key: p.key, UploadId: p.s3UploadId, PartNumber: p.partNumber,
          ...(p.contentLength === undefined ? {} : { ContentLength: p.contentLength }),
          ...(p.contentMd5 === undefined ? {} : { ContentMD5: p.contentMd5 }),
        });
        const headers = {
          ...(p.contentLength === undefined ? {} : { "content-length": String(p.contentLength) }),
          ...(p.contentMd5 === undefined ? {} : { "content-md5": p.contentMd5 }),
        };
        const signable = new Set(Object.keys(headers));
        expect(fast.url).toBe(await getSignedUrl(client, command, { expiresIn: p.expiresInSeconds, signingDate: p.signedAt, signableHeaders: signable }));
        expect(fast.headers).toEqual(headers);
        if (p.contentMd5) expect(new URL(fast.url).searchParams.get("X-Amz-SignedHeaders")).toContain("content-md5");
        expect(fast.url).not.toMatch(/x-amz-checksum|x-amz-sdk-checksum/i);
      }),
      { numRuns: 300 },
    );
  });
});

describe("UrlPresigner.presignGet", () => {
  const get = fc.record({
    target: fc.constantFrom(...targets),
    credentials: fc.constantFrom(...credentials),
    key: input.map((i) => i.key),
    filename: fc.string({ unit: "grapheme", minLength: 1, maxLength: 60 }),
    contentType: fc.option(fc.constantFrom("image/png", "application/pdf", "video/mp4"), { nil: undefined }),
    expiresInSeconds: fc.integer({ min: 1, max: 3600 }),
    signedAt: fc.date({ min: new Date("2020-01-01T00:00:00Z"), max: new Date("2035-12-31T23:59:59Z"), noInvalidDate: true }),
  });

  it("produces exactly the URL getSignedUrl(GetObjectCommand) produces, with the response overrides", async () => {
    await fc.assert(
      fc.asyncProperty(get, async (g) => {
        const disposition = `attachment; filename="x.png"; filename*=UTF-8''${encodeURIComponent(g.filename)}`;
        const { url } = await new UrlPresigner({ ...g.target, credentials: g.credentials }).presignGet({
          key: g.key, responseHeaders: { "content-disposition": disposition, ...(g.contentType ? { "content-type": g.contentType } : {}) },
          expiresInSeconds: g.expiresInSeconds, signedAt: g.signedAt,
        });
        const client = s3Client({ region: g.target.region, credentials: g.credentials, ...(g.target.endpoint ? { endpoint: g.target.endpoint } : {}) });
        const command = new GetObjectCommand({ Bucket: g.target.bucket, Key: g.key, ResponseContentDisposition: disposition, ...(g.contentType ? { ResponseContentType: g.contentType } : {}) });
        expect(url).toBe(await getSignedUrl(client, command, { expiresIn: g.expiresInSeconds, signingDate: g.signedAt }));
      }),
      { numRuns: 300 },
    );
  });
});
