/** Tickets as stored, as clients see them, and the listing route. */
import * as z from "zod/mini";
import { ULID } from "../domain/keys.js";

/** The path of every route about one upload. */
export const UploadIdParams = z.strictObject({ uploadId: z.string().check(z.regex(ULID, "must be an upload id (a ULID)")) });

/** An ISO 8601 timestamp, as every ticket time is. */
export const IsoDate = z.iso.datetime();

/**
 * `aborted`: the owner deleted it before it completed; `deleted`: the owner deleted the
 * completed object; `scanning`: the object passed the checks and waits for the malware scan
 * (only when the stack enables it). `expired` is never stored: it is derived from `pending` and the time.
 */
export const TicketStatus = z.enum(["pending", "scanning", "completed", "rejected", "aborted", "deleted"]);

export const TicketMethod = z.enum(["PUT", "POST", "MULTIPART"]);

/** A ticket as stored: what a client may upload, and later what it did upload. */
export const Ticket = z.object({
  uploadId: z.string(),
  owner: z.string(),
  profile: z.string(),
  key: z.string(),
  method: TicketMethod,
  filename: z.optional(z.string()),
  /** An exact media type, or a `type/*` wildcard for a POST without a content type. */
  contentType: z.string(),
  declaredSize: z.optional(z.number()),
  minBytes: z.number(),
  maxBytes: z.number(),
  metadata: z.record(z.string(), z.string()),
  status: TicketStatus,
  createdAt: IsoDate,
  expiresAt: IsoDate,
  /** DynamoDB TTL, epoch seconds. */
  ttl: z.optional(z.number()),
  size: z.optional(z.number()),
  etag: z.optional(z.string()),
  completedAt: z.optional(IsoDate),
  rejectReason: z.optional(z.string()),
  /** When the recorded object was last modified (S3's value), to ignore stale events. */
  objectModifiedAt: z.optional(IsoDate),
  /**
   * Malware scan: a clean result that came before the record step (its S3 event was late or
   * lost) is kept here, the ETag it vouches for and when; the record step then completes
   * that very object at once instead of waiting in `scanning` for a result already given.
   */
  cleanScanEtag: z.optional(z.string()),
  cleanScanAt: z.optional(IsoDate),
  /** Multipart: every part has `partSize` bytes but the last; `partCount` parts in all. */
  partSize: z.optional(z.number()),
  partCount: z.optional(z.number()),
  /** Multipart: S3's upload id (never shown to clients). */
  s3UploadId: z.optional(z.string()),
  /** Quotas: the UTC day the ticket counts in, the bytes it counts there now, its pending slot. */
  quotaDay: z.optional(z.string()),
  quotaBytes: z.optional(z.number()),
  quotaSlot: z.optional(z.number()),
  /** The `bytesPerDay` in force when it was reserved: a change that adds bytes must fit it. */
  quotaLimit: z.optional(z.number()),
  /** When the owner deleted it (aborted or deleted). */
  deletedAt: z.optional(IsoDate),
  /** Optimistic-locking counter: every update is conditional on it. */
  version: z.number(),
});
export type Ticket = z.infer<typeof Ticket>;

/** What `GET /uploads/{id}` shows of a ticket: no owner, limits or bookkeeping; `expired` derived. */
export const TicketView = z.extend(
  z.pick(Ticket, {
    uploadId: true, key: true, profile: true, method: true, filename: true, contentType: true,
    size: true, etag: true, createdAt: true, expiresAt: true, completedAt: true, rejectReason: true,
    partSize: true, partCount: true,
  }),
  {
    status: z.enum([...TicketStatus.options, "expired"]),
    /** Completed uploads of a public profile: where anyone can fetch the file (the CDN). */
    fileUrl: z.optional(
      z.url().check(
        z.describe(
          "Completed uploads of a public profile only: the file's stable public URL on the CDN (https://<files domain>/<profile>/<uploadId>/<name>), cached by its ETag; gone once the upload is deleted.",
        ),
      ),
    ),
  },
);
export type TicketView = z.infer<typeof TicketView>;
export type ViewStatus = TicketView["status"];

export const ListUploadsQuery = z.strictObject({
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 20),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
  status: z.optional(TicketView.shape.status),
});
export type ListUploadsQuery = z.infer<typeof ListUploadsQuery>;

export const ListUploadsResponse = z.object({ items: z.array(TicketView), nextCursor: z.nullable(z.string()) });
export type ListUploadsResponse = z.infer<typeof ListUploadsResponse>;
