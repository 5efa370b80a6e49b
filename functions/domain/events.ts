/**
 * Completion events: what a ticket's change to a final status tells the world (docs/api.md,
 * "Completion events"). Pure: the stream handler and local mode both build events here.
 */
import * as z from "zod/mini";
import { IsoDate, Ticket } from "../schemas/tickets.js";
import type { FileUrls } from "./public-files.js";

/** The `source` of every event the broker publishes. */
export const EVENT_SOURCE = "upload-broker";

/** The detail-type of each final status; a change to any other status publishes nothing. */
export const DETAIL_TYPES = {
  completed: "Upload Completed",
  rejected: "Upload Rejected",
  aborted: "Upload Aborted",
  deleted: "Upload Deleted",
} as const;

export type EventStatus = keyof typeof DETAIL_TYPES;
export type DetailType = (typeof DETAIL_TYPES)[EventStatus];

/** The statuses that publish an event, in a stable order (the stack's stream filters use it). */
export const EVENT_STATUSES = Object.keys(DETAIL_TYPES) as EventStatus[];

/** The `detail` of every completion event, exactly the contract's fields. */
export const CompletionEventDetail = z.strictObject({
  uploadId: z.string(),
  owner: z.string(),
  profile: z.string(),
  bucket: z.string(),
  key: z.string(),
  /** The client's file name; for a POST signed without one, the name S3 filled into the key. */
  filename: z.string(),
  /** The ticket's content type (a `type/*` wildcard for a POST signed without one). */
  contentType: z.string(),
  size: z.optional(z.number()),
  etag: z.optional(z.string()),
  metadata: z.record(z.string(), z.string()),
  status: z.enum(["completed", "rejected", "aborted", "deleted"]),
  rejectReason: z.optional(z.string()),
  /** Completed uploads of a public profile: where anyone can fetch the file (the CDN). */
  fileUrl: z.optional(z.string()),
  /** When the change happened; see `transitionEvent`. */
  at: IsoDate,
});
export type CompletionEventDetail = z.infer<typeof CompletionEventDetail>;

/**
 * What a webhook receives: these five fields of the EventBridge event's JSON, in both modes.
 * Loose, because the stack's deliverer reads the whole EventBridge event with it, which adds
 * `version`, `account`, `region` and `resources`.
 */
export const WebhookEvent = z.looseObject({
  id: z.string(),
  source: z.literal(EVENT_SOURCE),
  "detail-type": z.enum(Object.values(DETAIL_TYPES) as [DetailType, ...DetailType[]]),
  time: IsoDate,
  detail: CompletionEventDetail,
});
export type WebhookEvent = z.infer<typeof WebhookEvent>;

/** One event as the broker hands it to a publisher (EventBridge, or local mode's webhook). */
export interface CompletionEvent {
  source: typeof EVENT_SOURCE;
  detailType: DetailType;
  detail: CompletionEventDetail;
}

/** Where completion events go. Rejects when any event could not be handed over. */
export interface EventPublisher {
  publish(events: CompletionEvent[]): Promise<void>;
}

/**
 * What an event is made of: the ticket fields it reads, and no more, so a stored ticket the
 * full schema would refuse (a completed one has no `ttl`) still publishes.
 */
export const EventTicket = z.pick(Ticket, {
  uploadId: true, owner: true, profile: true, key: true, filename: true, contentType: true, size: true, etag: true,
  metadata: true, status: true, rejectReason: true, createdAt: true, completedAt: true, deletedAt: true, objectModifiedAt: true,
});
export type EventTicket = z.infer<typeof EventTicket>;

const isEventStatus = (status: string): status is EventStatus => Object.hasOwn(DETAIL_TYPES, status);

// What S3 puts in a POST key whose name was left to it; until then the name is unknown.
const FILENAME_PLACEHOLDER = "${filename}";

/**
 * The event a ticket's change from `before` (undefined for a new ticket) to `after` publishes:
 * one exactly when the status changed to completed, rejected, aborted or deleted; `undefined`
 * for anything else (pending, a status that stayed the same, any other field's change).
 *
 * `at` is the ticket's own time of the change, so a retried or replayed change carries the
 * same `at`: `completedAt` for completed, `deletedAt` for aborted and deleted, and for
 * rejected (which has no time of its own) `objectModifiedAt`, when S3 received the refused
 * object, which the record step rejects right then. Only when that field is missing does
 * `changedAt` (the stream record's time, when the caller has one) or else `createdAt` stand in.
 * `fileUrl` names where a completed upload of a public profile is served.
 */
export function transitionEvent(
  before: EventTicket | undefined, after: EventTicket, bucket: string, changedAt?: string, fileUrl?: FileUrls,
): CompletionEvent | undefined {
  const { status } = after;
  if (!isEventStatus(status) || before?.status === status) return undefined;
  const own = status === "completed" ? after.completedAt : status === "rejected" ? after.objectModifiedAt : after.deletedAt;
  const keyName = after.key.slice(after.key.lastIndexOf("/") + 1);
  const url = fileUrl?.(after);
  const detail: CompletionEventDetail = {
    uploadId: after.uploadId,
    owner: after.owner,
    profile: after.profile,
    bucket,
    key: after.key,
    filename: after.filename ?? (keyName === FILENAME_PLACEHOLDER ? "" : keyName),
    contentType: after.contentType,
    ...(after.size !== undefined ? { size: after.size } : {}),
    ...(after.etag !== undefined ? { etag: after.etag } : {}),
    metadata: after.metadata,
    status,
    ...(status === "rejected" && after.rejectReason !== undefined ? { rejectReason: after.rejectReason } : {}),
    ...(url !== undefined ? { fileUrl: url } : {}),
    at: own ?? changedAt ?? after.createdAt,
  };
  return { source: EVENT_SOURCE, detailType: DETAIL_TYPES[status], detail };
}
