/**
 * What an operator can read about tickets, as counts: the metric names, and which a ticket's
 * change counts (pure; the stream handler and the sweeper emit them, see `MetricSink`).
 */
import type { EventTicket } from "./events.js";

/** The CloudWatch namespace of every broker metric; the dashboard and alarms read it. */
export const METRICS_NAMESPACE = "UploadBroker";
/** Powertools' `service` dimension, on every metric. */
export const METRICS_SERVICE = "upload-broker";

export const METRIC = {
  issued: "TicketsIssued",
  completed: "UploadsCompleted",
  rejected: "UploadsRejected",
  aborted: "UploadsAborted",
  deleted: "UploadsDeleted",
  /** A pending ticket past its expiry whose object was there: its S3 event was lost. */
  rescued: "UploadsRescued",
  /** A pending ticket the sweeper found without an object (it stays `pending`, shown `expired`). */
  expired: "TicketsExpired",
  /** 429 `quota_exceeded` answers, counted from the API's access log (nothing is written then). */
  quotaRefusals: "QuotaRefusals",
} as const;

/** The classes a rejection's reason falls into (the `reasonClass` dimension of `UploadsRejected`). */
export const REJECT_CLASSES = ["size", "content-type", "content", "metadata", "method", "filename", "other"] as const;
export type RejectClass = (typeof REJECT_CLASSES)[number];

/** The class of a `rejectReason` as `record.ts` words them (its first problem decides). */
export function rejectClass(reason: string | undefined): RejectClass {
  const first = reason?.split("; ")[0] ?? "";
  if (/^size /.test(first)) return "size";
  if (/^content type /.test(first)) return "content-type";
  if (/^content is /.test(first)) return "content";
  if (/metadata|x-amz-meta-/.test(first)) return "metadata";
  if (/created by /.test(first)) return "method";
  if (/file name /.test(first)) return "filename";
  return "other";
}

/** One count a ticket's change adds: metric name and dimensions. */
export interface TicketCount {
  name: (typeof METRIC)[keyof typeof METRIC];
  dimensions: Record<string, string>;
}

/**
 * What a stream record's change from `before` to `after` counts: a new pending ticket is
 * issued; a change of status to a final one counts that status (a rejection by its reason's
 * class). Anything else (a retried write, a field's change, the sweeper's unlisting) counts nothing.
 */
export function countsOf(before: EventTicket | undefined, after: EventTicket): TicketCount[] {
  const profile = { profile: after.profile };
  if (!before) return after.status === "pending" ? [{ name: METRIC.issued, dimensions: profile }] : [];
  if (before.status === after.status) return [];
  switch (after.status) {
    case "completed":
      return [{ name: METRIC.completed, dimensions: profile }];
    case "rejected":
      return [{ name: METRIC.rejected, dimensions: { ...profile, reasonClass: rejectClass(after.rejectReason) } }];
    case "aborted":
      return [{ name: METRIC.aborted, dimensions: profile }];
    case "deleted":
      return [{ name: METRIC.deleted, dimensions: profile }];
    default:
      return [];
  }
}
