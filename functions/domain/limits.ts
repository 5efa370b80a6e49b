/**
 * Limits shared by the schemas, the domain and (later) the stack. One place, so the
 * contract, the validation and the infrastructure can never disagree.
 */

/** Request bodies above this many bytes are refused with 413 `body_too_large`. */
export const MAX_BODY_BYTES = 16 * 1024;

/** Default and ceiling of a profile's `expiresInSeconds`. */
export const DEFAULT_EXPIRES_IN_SECONDS = 300;
export const MAX_EXPIRES_IN_SECONDS = 3600;
export const MIN_EXPIRES_IN_SECONDS = 10;

/** S3 refuses a single PUT above 5 GiB; bigger files need multipart. */
export const MAX_SINGLE_PUT_BYTES = 5 * 1024 ** 3;
/** S3's largest object (multipart). */
export const MAX_OBJECT_BYTES = 5 * 1024 ** 4;

/** S3's multipart limits: parts of 5 MiB to 5 GiB (the last may be smaller), at most 10,000. */
export const MIN_PART_BYTES = 5 * 1024 ** 2;
export const MAX_PART_BYTES = 5 * 1024 ** 3;
export const MAX_PARTS = 10_000;
/** The part size the broker picks when it may: 8 MiB, or more when 10,000 of those are too few. */
export const DEFAULT_PART_BYTES = 8 * 1024 ** 2;
/** Part URLs one request may ask for. */
export const MAX_PARTS_PER_REQUEST = 100;
/** How long a multipart ticket lives (its part URLs live as long as the profile says). */
export const MULTIPART_TICKET_SECONDS = 24 * 3600;
/** The complete routes take a part list of up to 10,000 parts (~600 KB of JSON). */
export const MAX_COMPLETE_BODY_BYTES = 1024 * 1024;

/** Longest sanitized file name kept in the object key. */
export const MAX_KEY_NAME_CHARS = 128;
/** Longest file name a client may send (it is kept verbatim in the ticket). */
export const MAX_FILENAME_CHARS = 1024;
/** Longest owner segment before it is replaced by a hash of `sub`. */
export const MAX_OWNER_SEGMENT_CHARS = 128;

/** S3 allows 2 KB of user metadata (keys + values) per object. */
export const MAX_METADATA_BYTES = 2048;
export const MAX_METADATA_VALUE_CHARS = 512;

/** A pending ticket past `expiresAt` + this grace is reported as `expired`. */
export const EXPIRED_GRACE_SECONDS = 15 * 60;
/** DynamoDB TTL of a ticket that never completed, counted from `expiresAt`. */
export const PENDING_TICKET_RETENTION_SECONDS = 30 * 24 * 3600;

/** Prefix of every object key the broker hands out. */
export const UPLOADS_PREFIX = "uploads/";
/** Metadata key that binds an object to its ticket. */
export const UPLOAD_ID_METADATA_KEY = "upload-id";

/** How long a download link lives. */
export const DOWNLOAD_URL_SECONDS = 300;

/** The largest `pending` quota: each pending ticket holds one of that many slots. */
export const MAX_PENDING_QUOTA = 100;
/** How long a client waits before asking again after the `pending` quota refused it. */
export const PENDING_RETRY_AFTER_SECONDS = 60;
