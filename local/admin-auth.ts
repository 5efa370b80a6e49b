/**
 * Local mode's IAM authorizer for the admin routes: a request must be signed with AWS Signature
 * Version 4 (service `execute-api`) by the local admin key pair, as the deployed API wants it
 * signed by credentials allowed `execute-api:Invoke`. The signature is recomputed with the AWS
 * SDK's own signer (`@smithy/signature-v4`) from the request's date, signed headers and body,
 * and compared; anything else (no signature, a JWT, another key, a stale date) is refused.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";
import type { IamCaller } from "../functions/http.js";
import { header, parseAmzDate } from "./s3-door-auth.js";

/** The one key pair local mode's admin routes accept (printed at start; this machine only). */
export const LOCAL_ADMIN_CREDENTIALS = { accessKeyId: "LOCALADMIN", secretAccessKey: "local-admin-secret" };
/** What API Gateway names the caller in local mode. */
const LOCAL_ADMIN_ARN = "arn:aws:iam::000000000000:user/local-admin";
/** A signature older or newer than this is refused, as AWS does. */
const MAX_SKEW_MS = 15 * 60 * 1000;

export interface SignedRequest {
  method: string;
  /** The path and query as sent. */
  target: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** The caller when the request is signed by the local admin key pair in `region`; otherwise undefined. */
export async function verifyAdminRequest(request: SignedRequest, region: string, now = new Date()): Promise<IamCaller | undefined> {
  const authorization = header(request.headers, "authorization")?.trim() ?? "";
  const fields = /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/.exec(authorization);
  const date = header(request.headers, "x-amz-date");
  const signedAt = date ? parseAmzDate(date) : undefined;
  if (!fields || !date || !signedAt || Math.abs(now.getTime() - signedAt.getTime()) > MAX_SKEW_MS) return undefined;
  const [, credential, signedHeaders, signature] = fields as unknown as [string, string, string, string];
  const { accessKeyId, secretAccessKey } = LOCAL_ADMIN_CREDENTIALS;
  if (credential !== `${accessKeyId}/${date.slice(0, 8)}/${region}/execute-api/aws4_request`) return undefined;
  const names = signedHeaders.split(";");
  if (!names.includes("host")) return undefined;
  const headers: Record<string, string> = {};
  for (const name of names) {
    const value = header(request.headers, name);
    if (value === undefined) return undefined;
    headers[name] = value;
  }
  const url = new URL(request.target, "http://localhost");
  // Signed and routed path must be one: a target that URL parsing would normalise (dot segments,
  // re-encoded characters) is refused rather than verified as one path and served as another.
  if (url.pathname !== request.target.split("?")[0]) return undefined;
  // A signed payload hash (`UNSIGNED-PAYLOAD` included) must be the body's, or the body would be free.
  const payloadHash = header(request.headers, "x-amz-content-sha256");
  if (payloadHash !== undefined && payloadHash !== createHash("sha256").update(request.body).digest("hex")) return undefined;
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) {
    const held = query[name];
    query[name] = held === undefined ? value : [held, value].flat();
  }
  const signer = new SignatureV4({ service: "execute-api", region, credentials: { accessKeyId, secretAccessKey }, sha256: Sha256, applyChecksum: false });
  const signed = await signer.sign(
    { method: request.method, protocol: "http:", hostname: (headers.host ?? "").replace(/:\d+$/, ""), path: url.pathname, query, headers, body: request.body },
    { signingDate: signedAt },
  );
  const recomputed = String(signed.headers.authorization ?? "");
  const expected = /Signature=([0-9a-f]{64})/.exec(recomputed)?.[1] ?? "";
  const sameHeaders = /SignedHeaders=([^,]+)/.exec(recomputed)?.[1] === signedHeaders;
  if (!sameHeaders || expected.length !== signature.length || !timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) return undefined;
  return { arn: LOCAL_ADMIN_ARN, accountId: "000000000000" };
}
