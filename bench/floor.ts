/**
 * The floor: a presigned PutObject URL computed by hand with node:crypto — one SHA-256 and
 * five HMACs. Kept only here, as the yardstick; production signs with the SDK's presigner.
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
}

const encode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest();

export function rawPresignPut(i: FloorInput): string {
  const amzDate = i.signedAt.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
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
    ["x-id", "PutObject"],
  ];
  const canonicalQuery = query.map(([k, v]) => `${encode(k)}=${encode(v)}`).join("&");
  const canonical = [
    "PUT",
    i.path,
    canonicalQuery,
    names.map((n) => `${n}:${headers[n]!.trim()}\n`).join(""),
    names.join(";"),
    "UNSIGNED-PAYLOAD",
  ].join("\n");
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, createHash("sha256").update(canonical).digest("hex")].join("\n");
  const key = hmac(hmac(hmac(hmac(`AWS4${i.secretAccessKey}`, day), i.region), "s3"), "aws4_request");
  return `${i.origin}${i.path}?${canonicalQuery}&X-Amz-Signature=${hmac(key, stringToSign).toString("hex")}`;
}
