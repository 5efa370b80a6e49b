/**
 * SigV4 checks at the embedded bucket's door: presigned URLs (query signature, X-Amz-Expires)
 * and signed requests (Authorization header), recomputed with the AWS SDK's own signer
 * (`@smithy/signature-v4`'s `presign` and `sign`, with the request's date, headers and scope) and
 * compared with what the request carries. Nothing of SigV4 is written here: only which parts of
 * the request go in, and S3's answer when the result differs.
 */
import { timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";
import { s3Errors } from "./s3-door-errors.js";

/** The one key pair the embedded bucket knows, and its region. */
export interface DoorKeys {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

/** What a signature covers of a request. */
export interface DoorRequest {
  method: string;
  /** The path as sent, still percent-encoded (S3 signs it so). */
  rawPath: string;
  /** The query, decoded; a repeated name holds its values in order. */
  query: Record<string, string | string[]>;
  headers: IncomingHttpHeaders;
}

const ALGORITHM = "AWS4-HMAC-SHA256";
const PAYLOAD_HASH = "x-amz-content-sha256";
/** S3 refuses a request whose time is further than this from its own clock. */
const MAX_SKEW_MS = 15 * 60 * 1000;
/** SigV4's limit on X-Amz-Expires: one week. */
const MAX_EXPIRES_S = 604_800;

export const signer = (keys: DoorKeys) =>
  new SignatureV4({
    service: "s3",
    region: keys.region,
    credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey },
    sha256: Sha256,
    // S3 signs the path as sent, and the payload hash as the request states it.
    uriEscapePath: false,
    applyChecksum: false,
  });

/** How a request is authenticated; `anonymous` when it carries no signature at all. */
export type Authentication = "presigned" | "signed" | "anonymous";

/**
 * Checks a request's signature as S3 does and answers how it was made; throws `S3Error`
 * (SignatureDoesNotMatch, AccessDenied "Request has expired", …) when S3 would refuse it.
 */
export async function authenticate(request: DoorRequest, keys: DoorKeys, now: Date): Promise<Authentication> {
  const authorization = header(request.headers, "authorization");
  const presigned = "X-Amz-Algorithm" in request.query || "X-Amz-Signature" in request.query;
  if (authorization !== undefined && presigned) {
    throw s3Errors.invalidArgument("Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified");
  }
  if ("Signature" in request.query || authorization?.startsWith("AWS ")) throw s3Errors.unsupportedAuth();
  if (presigned) {
    await checkPresigned(request, keys, now);
    return "presigned";
  }
  if (authorization !== undefined) {
    await checkSigned(request, authorization, keys, now);
    return "signed";
  }
  return "anonymous";
}

async function checkPresigned(request: DoorRequest, keys: DoorKeys, now: Date): Promise<void> {
  const q = (name: string) => {
    const value = request.query[name];
    return typeof value === "string" ? value : undefined;
  };
  const [algorithm, credential, date, expires, signedHeaders, signature] = ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature"].map(q);
  if (algorithm !== ALGORITHM) throw s3Errors.queryParameters(`X-Amz-Algorithm only supports "${ALGORITHM}"`);
  if (!credential || !date || !expires || !signedHeaders || !signature) {
    throw s3Errors.queryParameters("Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.");
  }
  const signedAt = parseAmzDate(date);
  if (!signedAt) throw s3Errors.queryParameters("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  checkScope(credential, date, keys, s3Errors.queryParameters);
  const seconds = /^\d{1,7}$/.test(expires) ? Number(expires) : NaN;
  if (!(seconds >= 1 && seconds <= MAX_EXPIRES_S)) {
    throw s3Errors.queryParameters(`X-Amz-Expires must be a number of seconds from 1 to ${MAX_EXPIRES_S} (seven days)`);
  }
  if (signedAt.getTime() - now.getTime() > MAX_SKEW_MS) throw s3Errors.notYetValid();

  const names = signedHeaderNames(signedHeaders, s3Errors.queryParameters);
  const { "X-Amz-Signature": _, ...query } = request.query;
  // The payload is never signed in a URL: the hash the signer must use is UNSIGNED-PAYLOAD (or
  // what the URL states), read from this header and kept out of the signed headers and query.
  const payloadHash = names.includes(PAYLOAD_HASH) ? header(request.headers, PAYLOAD_HASH) : (q("X-Amz-Content-Sha256") ?? "UNSIGNED-PAYLOAD");
  const headers = { ...signedHeaderValues(request.headers, names, keys), [PAYLOAD_HASH]: payloadHash ?? "" };
  const expected = await signer(keys).presign(
    { method: request.method, protocol: "http:", hostname: hostName(request.headers), path: request.rawPath, query, headers },
    {
      signingDate: signedAt,
      expiresIn: seconds,
      unhoistableHeaders: new Set([...names, PAYLOAD_HASH]),
      ...(names.includes(PAYLOAD_HASH) ? {} : { unsignableHeaders: new Set([PAYLOAD_HASH]) }),
    },
  );
  if (!sameText(expected.query?.["X-Amz-Signature"], signature) || expected.query?.["X-Amz-SignedHeaders"] !== signedHeaders) {
    throw s3Errors.signatureDoesNotMatch(keys.accessKeyId);
  }
  const expiresAt = new Date(signedAt.getTime() + seconds * 1000);
  if (expiresAt < now) throw s3Errors.expired(expiresAt, now);
}

async function checkSigned(request: DoorRequest, authorization: string, keys: DoorKeys, now: Date): Promise<void> {
  const [algorithm, ...rest] = authorization.trim().split(/\s+/);
  if (algorithm !== ALGORITHM) throw s3Errors.unsupportedAuth();
  const parts = new Map(
    rest.join("").split(",").map((part) => {
      const at = part.indexOf("=");
      return [part.slice(0, at), part.slice(at + 1)] as const;
    }),
  );
  const [credential, signedHeaders, signature] = ["Credential", "SignedHeaders", "Signature"].map((name) => parts.get(name));
  if (!credential || !signedHeaders || !signature) {
    throw s3Errors.headerMalformed("The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature.");
  }
  const date = header(request.headers, "x-amz-date");
  const signedAt = date ? parseAmzDate(date) : undefined;
  if (!date || !signedAt) throw s3Errors.accessDenied();
  checkScope(credential, date, keys, s3Errors.headerMalformed);
  if (Math.abs(now.getTime() - signedAt.getTime()) > MAX_SKEW_MS) throw s3Errors.tooSkewed(date, now);
  const payloadHash = header(request.headers, PAYLOAD_HASH);
  if (payloadHash === undefined) throw s3Errors.invalidRequest(`Missing required header for this request: ${PAYLOAD_HASH}`);

  const names = signedHeaderNames(signedHeaders, s3Errors.headerMalformed);
  const headers = { ...signedHeaderValues(request.headers, names, keys), [PAYLOAD_HASH]: payloadHash };
  const signed = await signer(keys).sign(
    { method: request.method, protocol: "http:", hostname: hostName(request.headers), path: request.rawPath, query: request.query, headers },
    { signingDate: signedAt, ...(names.includes(PAYLOAD_HASH) ? {} : { unsignableHeaders: new Set([PAYLOAD_HASH]) }) },
  );
  const recomputed = /Signature=([0-9a-f]+)/.exec(String(signed.headers.authorization ?? ""))?.[1];
  const recomputedHeaders = /SignedHeaders=([^,]+)/.exec(String(signed.headers.authorization ?? ""))?.[1];
  if (!sameText(recomputed, signature) || recomputedHeaders !== signedHeaders) throw s3Errors.signatureDoesNotMatch(keys.accessKeyId);
}

/** `<key>/<yyyymmdd>/<region>/s3/aws4_request`, for the one key pair, the request's day and the bucket's region. */
export function checkScope(credential: string, date: string, keys: DoorKeys, malformed: (message: string) => Error): void {
  const [accessKeyId = "", day, region, service, terminator, ...extra] = credential.split("/");
  if (accessKeyId !== keys.accessKeyId) throw s3Errors.invalidAccessKeyId(accessKeyId);
  if (extra.length || service !== "s3" || terminator !== "aws4_request") {
    throw malformed(`Error parsing the X-Amz-Credential parameter; the credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`);
  }
  if (region !== keys.region) throw malformed(`Error parsing the X-Amz-Credential parameter; the region '${region}' is wrong; expecting '${keys.region}'`);
  if (day !== date.slice(0, 8)) throw malformed(`Error parsing the X-Amz-Credential parameter; incorrect date format "${day}". This date in the credential must be in the format "yyyyMMdd".`);
}

function signedHeaderNames(list: string, malformed: (message: string) => Error): string[] {
  const names = list.split(";");
  if (!names.includes("host") || names.some((n) => !/^[a-z0-9-]+$/.test(n))) {
    throw malformed("The list of signed headers must hold lowercase header names separated by ';', host among them.");
  }
  return names;
}

/** The values of the headers a signature names; one named but not sent cannot match. */
function signedHeaderValues(headers: IncomingHttpHeaders, names: string[], keys: DoorKeys): Record<string, string> {
  const values: Record<string, string> = {};
  for (const name of names) {
    const value = header(headers, name);
    if (value === undefined) throw s3Errors.signatureDoesNotMatch(keys.accessKeyId);
    values[name] = value;
  }
  return values;
}

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

const hostName = (headers: IncomingHttpHeaders) => (header(headers, "host") ?? "").replace(/:\d+$/, "");

/** `20261203T120000Z` → its Date; anything else → undefined. */
export function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function sameText(a: unknown, b: string): boolean {
  if (typeof a !== "string" || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
