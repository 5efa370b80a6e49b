/**
 * The floors: what a presigned URL and a POST policy cost when written by hand with
 * node:crypto alone — for a URL one SHA-256 and five HMACs, for a policy its JSON, base64 and
 * five HMACs. Kept only here, as yardsticks: production signs with aws4 (UrlPresigner,
 * PostPresigner), and `npm run bench` first checks that each floor signs exactly what the
 * presigner signs, so both measure the same work.
 */
import { createHash, createHmac } from "node:crypto";

export interface FloorInput {
  origin: string;
  path: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  headers: Record<string, string>;
  expiresInSeconds: number;
  signedAt: Date;
  /** The operation's own query parameters; `x-id=PutObject` when omitted. */
  operation?: Array<[string, string]>;
}

const encode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest();
const amzDateOf = (d: Date) => d.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
const signingKey = (secret: string, day: string, region: string) => hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), "s3"), "aws4_request");

/** A presigned S3 URL (PutObject unless `operation` says otherwise), query sorted by name. */
export function rawPresignPut(i: FloorInput): string {
  const amzDate = amzDateOf(i.signedAt);
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${i.region}/s3/aws4_request`;
  const headers: Record<string, string> = { ...i.headers, host: new URL(i.origin).host };
  const names = Object.keys(headers).sort();
  const query: Array<[string, string]> = [
    ["X-Amz-Algorithm", "AWS4-HMAC-SHA256"],
    ["X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD"],
    ["X-Amz-Credential", `${i.accessKeyId}/${scope}`],
    ["X-Amz-Date", amzDate],
    ["X-Amz-Expires", String(i.expiresInSeconds)],
    ["X-Amz-SignedHeaders", names.join(";")],
    ...(i.operation ?? [["x-id", "PutObject"]]),
  ];
  const canonicalQuery = query
    .map(([k, v]) => `${encode(k)}=${encode(v)}`)
    .sort()
    .join("&");
  const canonical = [
    "PUT",
    i.path,
    canonicalQuery,
    names.map((n) => `${n}:${headers[n]!.trim()}\n`).join(""),
    names.join(";"),
    "UNSIGNED-PAYLOAD",
  ].join("\n");
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, createHash("sha256").update(canonical).digest("hex")].join("\n");
  return `${i.origin}${i.path}?${canonicalQuery}&X-Amz-Signature=${hmac(signingKey(i.secretAccessKey, day, i.region), stringToSign).toString("hex")}`;
}

export interface PostFloorInput {
  url: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  key: string;
  fields: Record<string, string>;
  conditions: unknown[];
  expiresInSeconds: number;
  signedAt: Date;
}

/**
 * A POST policy by hand: the form fields, each also an `eq` condition, the key's condition,
 * the policy's JSON in base64 and its SigV4 signature (the day's signing key, four HMACs, then
 * one HMAC of the base64 policy, which is the string to sign).
 */
export function rawPresignPost(i: PostFloorInput): { url: string; fields: Record<string, string> } {
  const amzDate = amzDateOf(i.signedAt);
  const day = amzDate.slice(0, 8);
  const fields: Record<string, string> = {
    ...i.fields,
    bucket: i.bucket,
    "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
    "X-Amz-Credential": `${i.accessKeyId}/${day}/${i.region}/s3/aws4_request`,
    "X-Amz-Date": amzDate,
    ...(i.sessionToken ? { "X-Amz-Security-Token": i.sessionToken } : {}),
  };
  const conditions = new Set<string>();
  for (const c of i.conditions) conditions.add(JSON.stringify(c));
  for (const name in fields) conditions.add(JSON.stringify({ [name]: fields[name] }));
  const placeholder = i.key.lastIndexOf("${filename}");
  conditions.add(placeholder >= 0 && placeholder === i.key.length - 11 ? JSON.stringify(["starts-with", "$key", i.key.slice(0, placeholder)]) : JSON.stringify({ key: i.key }));
  const expiration = new Date(i.signedAt.getTime() + i.expiresInSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
  const policy = Buffer.from(`{"expiration":"${expiration}","conditions":[${[...conditions].join(",")}]}`).toString("base64");
  const signature = hmac(signingKey(i.secretAccessKey, day, i.region), policy).toString("hex");
  return { url: i.url, fields: { ...fields, key: i.key, Policy: policy, "X-Amz-Signature": signature } };
}
