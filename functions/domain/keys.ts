import { createHash } from "node:crypto";
import { MAX_KEY_NAME_CHARS, MAX_OWNER_SEGMENT_CHARS, UPLOADS_PREFIX } from "./limits.js";

const SAFE = /[A-Za-z0-9_-]/;
const UNESCAPED = new RegExp(`^[A-Za-z0-9_-]{1,${MAX_OWNER_SEGMENT_CHARS}}$`);

/** A ULID, as upload ids are. */
export const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const OBJECT_KEY = new RegExp(`^${UPLOADS_PREFIX}([A-Za-z0-9._-]+)/(${ULID.source.slice(1, -1)})/(.+)$`);

/**
 * The owner segment of every key, derived from `sub`. Injective, so two users can never
 * share a prefix: `[A-Za-z0-9_-]` stays, every other UTF-8 byte becomes `.XX` (uppercase
 * hex). A segment that would exceed 128 characters becomes `.h` + SHA-256 of `sub`
 * (lowercase hex); escapes never produce `.h`, so the two forms cannot collide.
 */
export function ownerSegment(sub: string): string {
  if (UNESCAPED.test(sub)) return sub;
  let out = "";
  for (const ch of sub) {
    if (SAFE.test(ch)) out += ch;
    else for (const byte of Buffer.from(ch, "utf8")) out += `.${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  if (out.length <= MAX_OWNER_SEGMENT_CHARS) return out;
  return `.h${createHash("sha256").update(sub, "utf8").digest("hex")}`;
}

/**
 * A file name safe for an object key: path parts removed, NFC, invisible control and
 * format characters (NUL, bidi marks) dropped, every run of other characters outside
 * `[A-Za-z0-9._-]` replaced by one `_`, no leading or trailing dots or
 * underscores, at most 128 characters (extension kept), never empty, `.` or `..`.
 */
export function sanitizeFilename(filename: string): string {
  const base = filename.normalize("NFC").split(/[/\\]/).filter((part) => part.length > 0).pop() ?? "";
  const replaced = base
    .replace(/[\p{Cc}\p{Cf}]/gu, "")
    .replace(/[^A-Za-z0-9._-]+/gu, "_")
    .replace(/_+/g, "_")
    .replace(/_\./g, ".")
    .replace(/^[._]+|[._]+$/g, "");
  const name = truncateKeepingExtension(replaced, MAX_KEY_NAME_CHARS).replace(/[._]+$/g, "");
  return name.length > 0 ? name : "file";
}

function truncateKeepingExtension(name: string, max: number): string {
  if (name.length <= max) return name;
  const dot = name.lastIndexOf(".");
  const ext = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : "";
  return name.slice(0, max - ext.length) + ext;
}

/** `uploads/<owner>/<uploadId>/`: everything a ticket may write lies below it. */
export function keyPrefix(sub: string, uploadId: string): string {
  return `${UPLOADS_PREFIX}${ownerSegment(sub)}/${uploadId}/`;
}

/** The parts of a key the broker handed out, or `undefined` for any other key. */
export function parseObjectKey(key: string): { owner: string; uploadId: string; name: string } | undefined {
  const match = OBJECT_KEY.exec(key);
  return match ? { owner: match[1]!, uploadId: match[2]!, name: match[3]! } : undefined;
}

/**
 * Decodes a key from an S3 event. S3 URL-encodes keys in notifications with `+` for a
 * space (form encoding), so `+` must become a space before percent-decoding; a real `+`
 * arrives as `%2B`. Throws `URIError` on a malformed escape.
 */
export function decodeEventKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, " "));
}

