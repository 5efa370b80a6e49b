import aws4 from "aws4";
import { ConfigError } from "../errors.js";
import type { PostSigner, PostSigningRequest, PresignedPost } from "../ports.js";
import { uriEscape } from "./s3-location.js";
import { awsDomain, endpointFromEnv, signingCredentials, signingSeconds, type CredentialSource, type Credentials } from "./aws.js";

export interface PostPresignerOptions {
  bucket: string;
  region: string;
  /** An S3-compatible endpoint (path-style addressing); AWS's regional endpoint when omitted. */
  endpoint?: string;
  credentials?: CredentialSource;
  /** The signing clock; `new Date()` when omitted. */
  now?: () => Date;
}

/**
 * Signs POST policies without the S3 client: exactly the `url` and `fields` (policy and
 * signature included, byte for byte) that `createPresignedPost(s3Client(…), …)` from
 * `@aws-sdk/s3-presigned-post` produces for the same inputs, credentials and clock (a
 * property test holds it to that). As the SDK does, every field becomes an `eq` condition
 * (S3 refuses unconditioned fields), duplicate conditions are dropped, and the key gets an
 * `eq` condition, or `starts-with` on its prefix when it ends in `${filename}`. The signature
 * is SigV4's: aws4 derives the day's signing key (and caches it) and HMACs the base64 policy,
 * which stands in for its string to sign. The policy's `expiration` never outlives the
 * credentials that sign it (see `signingSeconds`).
 */
export class PostPresigner implements PostSigner {
  private readonly target: Target;

  constructor(options: PostPresignerOptions) {
    const { bucket, region, endpoint, credentials, now = () => new Date() } = options;
    this.target = { bucket, region, url: postUrl(bucket, region, endpoint), credentials: () => signingCredentials(credentials), now };
  }

  async presignPost(request: PostSigningRequest): Promise<PresignedPost> {
    return sign(this.target, await this.target.credentials(), request.signedAt ?? this.target.now(), request);
  }
}

interface Target {
  bucket: string;
  region: string;
  url: string;
  credentials: () => Promise<Credentials>;
  now: () => Date;
}

/** The policy and form fields, in the order and shape `createPresignedPost` writes them. */
function sign(target: Target, credentials: Credentials, now: Date, request: PostSigningRequest): PresignedPost {
  const { key } = request;
  const amzDate = iso8601(now).replace(/[-:]/g, ""); // 20261121T100000Z
  const fields: Record<string, string> = {
    ...request.fields,
    bucket: target.bucket,
    "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
    "X-Amz-Credential": `${credentials.accessKeyId}/${amzDate.slice(0, 8)}/${target.region}/s3/aws4_request`,
    "X-Amz-Date": amzDate,
    ...(credentials.sessionToken ? { "X-Amz-Security-Token": credentials.sessionToken } : {}),
  };
  // The SDK dedupes conditions by their JSON and re-serialises the parsed set: the JSON of
  // a JSON value reads back to itself, so the strings are joined as they are.
  const conditions = new Set<string>();
  for (const condition of request.conditions) conditions.add(JSON.stringify(condition));
  for (const [name, value] of Object.entries(fields)) conditions.add(JSON.stringify({ [name]: value }));
  conditions.add(
    key.endsWith("${filename}") ? JSON.stringify(["starts-with", "$key", key.substring(0, key.lastIndexOf("${filename}"))]) : JSON.stringify({ key }),
  );
  const expires = new Date(now.valueOf() + signingSeconds(request.expiresInSeconds, now, credentials) * 1000);
  const expiration = iso8601(expires);
  const policy = Buffer.from(`{"expiration":${JSON.stringify(expiration)},"conditions":[${[...conditions].join(",")}]}`, "utf8").toString("base64");
  return {
    url: target.url,
    expiresAt: expires.toISOString(),
    fields: { ...fields, key, Policy: policy, "X-Amz-Signature": new PolicySigner(policy, target.region, amzDate, credentials).signature() },
  };
}

const iso8601 = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, "Z");

/**
 * aws4's signer with the base64 policy as its string to sign: `signature()` is then
 * HMAC-SHA256(signing key of the day, region and `s3`, policy), the key from aws4's cache.
 */
class PolicySigner extends aws4.RequestSigner {
  constructor(
    private readonly policy: string,
    region: string,
    amzDate: string,
    credentials: Credentials,
  ) {
    super({ service: "s3", region, host: "s3.amazonaws.com" }, credentials);
    this.datetime = amzDate;
  }

  override stringToSign(): string {
    return this.policy;
  }
}

/**
 * The form's action, as the SDK's endpoint rules resolve PutObject for the bucket: the
 * custom endpoint's path plus the bucket (given, or named by the environment, as for the other
 * S3 calls: `location()` in s3-location.ts; the form's URL differs from it in its trailing `/`); on AWS a virtual host for DNS-compatible names
 * (a trailing `/`), else the regional host and the bucket as path. ARNs, directory buckets
 * and other suffixed names that the rules send elsewhere are refused.
 */
function postUrl(bucket: string, region: string, endpoint = endpointFromEnv("S3")): string {
  if (bucket.startsWith("arn:") || /--[a-z0-9]+-s3$/.test(bucket)) {
    throw new ConfigError(`The bucket ${bucket} is not a general purpose bucket name; POST policies are signed for those only.`);
  }
  if (endpoint) {
    const url = new URL(endpoint);
    if (url.search || (url.protocol !== "http:" && url.protocol !== "https:")) {
      throw new ConfigError(`The S3 endpoint ${endpoint} must be an http(s) URL without a query.`);
    }
    return `${url.origin}${url.pathname.endsWith("/") ? url.pathname : `${url.pathname}/`}${uriEscape(bucket)}`;
  }
  const host = `s3.${region}.${awsDomain(region)}`;
  // What the rules' isVirtualHostableS3Bucket accepts: a lowercase DNS label of 3–63 characters.
  return /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(bucket) ? `https://${bucket}.${host}/` : `https://${host}/${uriEscape(bucket)}`;
}
