import { createHash } from "node:crypto";
import { createRequire } from "node:module";
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
 * format characters (NUL, bidi marks) dropped, letters outside ASCII transliterated
 * (`报告` → `BaoGao`, `é` → `e`), every run of other characters outside `[A-Za-z0-9._-]`
 * replaced by one `_` (dropped at either end and beside a dot), no leading or trailing
 * dots, at most 128 characters, never empty, `.` or `..`. The extension (1-16 ASCII letters or digits after the last dot,
 * case kept) is always kept, behind `file` when nothing of the stem survives; a leading dot
 * (`.env`) starts no extension.
 */
export function sanitizeFilename(filename: string): string {
  const base = filename.normalize("NFC").split(/[/\\]/).filter((part) => part.length > 0).pop() ?? "";
  const dot = base.lastIndexOf(".");
  const ext = dot > 0 ? toAscii(base.slice(dot + 1)) : "";
  if (EXTENSION.test(ext)) {
    const stem = cleanPart(toAscii(base.slice(0, dot)), MAX_KEY_NAME_CHARS - ext.length - 1);
    return `${stem.length > 0 ? stem : "file"}.${ext}`;
  }
  const name = cleanPart(toAscii(base), MAX_KEY_NAME_CHARS);
  return name.length > 0 ? name : "file";
}

const EXTENSION = /^[A-Za-z0-9]{1,16}$/;

/**
 * any-ascii, loaded on the first name that needs it: its tables are half a megabyte, which
 * every sign function would otherwise parse at cold start. The bundles keep it external and
 * ship the package beside them (lib/upload-function.ts).
 */
let anyAscii: ((text: string) => string) | undefined;
const transliterate = (run: string) =>
  (anyAscii ??= (createRequire(import.meta.url)("any-ascii") as { default: (text: string) => string }).default)(run);

/** Drops control and format characters, transliterates letters, marks and digits. */
function toAscii(part: string): string {
  const visible = part.replace(/[\p{Cc}\p{Cf}]/gu, "");
  return /^[\x00-\x7f]*$/.test(visible) ? visible : visible.replace(/[\p{L}\p{M}\p{N}]+/gu, transliterate);
}

/**
 * `[A-Za-z0-9._-]` only, at most `max` characters, no leading or trailing dots. Each run of
 * other characters (with the underscores around it) becomes one `_`, or nothing at either
 * end or beside a dot.
 */
function cleanPart(part: string, max: number): string {
  return part
    .replace(/_*(?:[^A-Za-z0-9._-]+_*)+/g, (run: string, at: number, whole: string) => {
      const before = whole[at - 1];
      const after = whole[at + run.length];
      return before === undefined || after === undefined || before === "." || after === "." ? "" : "_";
    })
    .replace(/^\.+/, "")
    .slice(0, max)
    .replace(/\.+$/, "");
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

