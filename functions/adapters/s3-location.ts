/** Where S3 requests for a bucket go, and S3's URI encoding: shared by the presigners and the REST client. */
import { ConfigError } from "../errors.js";
import { awsDomain, endpointFromEnv } from "./aws.js";

const UNRESERVED = /^[A-Za-z0-9._~-]*$/;
const UNRESERVED_PATH = /^[A-Za-z0-9._~/-]*$/;

/** RFC 3986 encoding, as SigV4 wants it: everything but unreserved characters, `!'()*` included. */
export const uriEscape = (s: string) =>
  UNRESERVED.test(s) ? s : encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** S3's greedy-label encoding of a key: every segment escaped, the `/` between them kept. */
export const encodeKey = (key: string) => (UNRESERVED_PATH.test(key) ? key : uriEscape(key).replace(/%2F/g, "/"));

/**
 * Where requests go: path-style on a custom endpoint (given, or named by the environment as the
 * SDK reads it), else AWS's virtual-hosted or path-style host. An endpoint path or bucket with characters to escape is refused: aws4 would sign such a
 * path decoded and re-encoded, not as sent.
 */
export function location({ bucket, region, endpoint = endpointFromEnv("S3") }: { bucket: string; region: string; endpoint?: string }) {
  if (endpoint) {
    const url = new URL(endpoint);
    const path = `${url.pathname.replace(/\/$/, "")}/${bucket}`;
    if (!UNRESERVED_PATH.test(path)) {
      throw new ConfigError(`The S3 endpoint path and bucket (${path}) may only hold letters, digits, '-', '.', '_', '~' and '/'.`);
    }
    return { host: url.host, origin: url.origin, path };
  }
  const suffix = awsDomain(region);
  // Buckets with dots or other non-DNS names cannot be virtual hosts under TLS.
  const virtual = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(bucket);
  const host = virtual ? `${bucket}.s3.${region}.${suffix}` : `s3.${region}.${suffix}`;
  return { host, origin: `https://${host}`, path: virtual ? "" : `/${bucket}` };
}
