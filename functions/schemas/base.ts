/**
 * The building blocks every schema module shares, and zod's configuration.
 *
 * Written with `zod/mini`, the tree-shakable form of zod 4 (same validation, same core):
 * the classic API is a third of a sign function's bundle and of its cold start.
 */
import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";
import { MAX_FILENAME_CHARS, MAX_METADATA_VALUE_CHARS, MAX_PARTS, UPLOAD_ID_METADATA_KEY } from "../domain/limits.js";

// zod/mini loads no messages by default; clients read these in `details`.
z.config(en());

// Media types are taken in any case and around spaces, then trimmed and lowercased; the
// patterns say what is accepted (they are also what the OpenAPI document shows).
const TOKEN = "[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*";
/** `type/subtype`, no parameters. */
export const MEDIA_TYPE = new RegExp(`^\\s*${TOKEN}/${TOKEN}\\s*$`);
/** A media type or a `type/*` wildcard. */
export const MEDIA_TYPE_PATTERN = new RegExp(`^\\s*${TOKEN}/(?:${TOKEN}|\\*)\\s*$`);

export const MediaType = z
  .string()
  .check(z.maxLength(255), z.trim(), z.toLowerCase(), z.regex(MEDIA_TYPE, "must be a media type such as image/png, without parameters"));

export const MetadataKey = z
  .string()
  .check(
    z.regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "must be 1-64 lowercase letters, digits or '-'"),
    z.refine((k) => k !== UPLOAD_ID_METADATA_KEY, `'${UPLOAD_ID_METADATA_KEY}' is reserved`),
  );

// Header values are trimmed in transit, so surrounding whitespace would break the signature.
const MetadataValue = z
  .string()
  .check(
    z.maxLength(MAX_METADATA_VALUE_CHARS),
    z.regex(/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/, "must be printable ASCII without surrounding spaces"),
  );

export const Metadata = z.record(z.string(), MetadataValue);

export const UploadMethod = z.enum(["put", "post", "multipart"]);

/** The profile a request names (unknown ones are refused by the domain with 422). */
export const ProfileName = z.string().check(z.minLength(1), z.maxLength(64));
/** A client's file name, kept verbatim in the ticket (the key holds its sanitized form). */
export const Filename = z.string().check(z.minLength(1), z.maxLength(MAX_FILENAME_CHARS));
/** A multipart part's number, 1 to S3's 10,000. */
export const PartNumber = z.int().check(z.minimum(1), z.maximum(MAX_PARTS));


/**
 * Digests a URL can sign, in base64 as S3 wants them. The last character before the padding
 * can only take values whose unused low bits are zero: exactly 16 or 32 bytes, nothing else.
 */
export const ContentMd5 = z.string().check(z.regex(/^[A-Za-z0-9+/]{21}[AQgw]==$/, "must be the base64 of a 16-byte MD5 digest"));
export const ChecksumSha256 = z.string().check(z.regex(/^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/, "must be the base64 of a 32-byte SHA-256 digest"));
