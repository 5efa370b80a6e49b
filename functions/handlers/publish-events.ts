import { createHash } from "node:crypto";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import * as z from "zod/mini";
import { EventTicket, transitionEvent, type CompletionEvent, type EventPublisher } from "../domain/events.js";
import { servingChange, type FileUrls, type ServingChange } from "../domain/public-files.js";
import { countsOf, type TicketCount } from "../domain/ticket-metrics.js";
import { logger } from "../log.js";
import type { FileServer, MetricSink } from "../ports.js";

/** What the handler reads of a DynamoDB Streams record (images in DynamoDB JSON). */
const StreamRecord = z.object({
  eventID: z.optional(z.string()),
  eventName: z.optional(z.string()),
  dynamodb: z.object({
    SequenceNumber: z.optional(z.string()),
    /** Epoch seconds. */
    ApproximateCreationDateTime: z.optional(z.number()),
    OldImage: z.optional(z.record(z.string(), z.unknown())),
    NewImage: z.optional(z.record(z.string(), z.unknown())),
  }),
});
const StreamEvent = z.object({ Records: z.array(z.unknown()) });

/** Lambda's partial batch response: a stream resumes from the lowest identifier listed. */
export interface BatchResponse {
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

export interface PublishDeps {
  publisher: EventPublisher;
  /** The upload bucket, named in every event. */
  bucket: string;
  /** Where the tickets' counts go (issued, completed, rejected, …). @default - not counted */
  metrics?: MetricSink;
  /** Public files: served copies made and removed before the change is announced. @default - none served */
  files?: PublicFileDeps;
}

/** What serving public files takes: the copies, which profiles are public, and their URLs. */
export interface PublicFileDeps {
  server: FileServer;
  publicProfiles: ReadonlySet<string>;
  fileUrl: FileUrls;
}

/** One stream record read: its identifier, the event it publishes and what it asks of a served copy. */
interface ReadRecord {
  id?: string;
  event?: CompletionEvent;
  serving?: ServingChange;
  counts?: TicketCount[];
}

type Image = Parameters<typeof unmarshall>[0];

/** Events handed to the publisher at once: one PutEvents call's worth, so a failure names few records. */
const PUBLISH_CHUNK = 10;

/** The ticket in one image, or `undefined` (logged) when it is not a ticket. */
function ticketOf(image: Record<string, unknown> | undefined, id: string): EventTicket | undefined {
  if (!image) return undefined;
  const parsed = EventTicket.safeParse(unmarshall(image as Image));
  if (parsed.success) return parsed.data;
  logger.error("stream image is not a ticket; record skipped", { id, issues: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) });
  return undefined;
}

/** One stream record read. */
function eventOf(raw: unknown, bucket: string, files: PublicFileDeps | undefined): ReadRecord {
  const parsed = StreamRecord.safeParse(raw);
  if (!parsed.success) {
    logger.error("malformed DynamoDB stream record ignored", { issues: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) });
    return {};
  }
  const { eventID, dynamodb } = parsed.data;
  const id = dynamodb.SequenceNumber ?? eventID;
  const after = ticketOf(dynamodb.NewImage, id ?? "?");
  if (!after) return { ...(id ? { id } : {}) };
  const before = ticketOf(dynamodb.OldImage, id ?? "?");
  const changedAt = dynamodb.ApproximateCreationDateTime !== undefined ? new Date(dynamodb.ApproximateCreationDateTime * 1000).toISOString() : undefined;
  const event = transitionEvent(before, after, bucket, changedAt, files?.fileUrl);
  const serving = files ? servingChange(before, after, files.publicProfiles) : undefined;
  return { ...(id ? { id } : {}), ...(event ? { event } : {}), ...(serving ? { serving } : {}), counts: countsOf(before, after) };
}

/**
 * Makes the served copies match the records' tickets, in stream order, then drops the changed
 * paths from the CDN in one invalidation. A copy whose upload was replaced or deleted meanwhile
 * is skipped: the later change that did it comes through the stream too.
 */
async function serve(files: PublicFileDeps, chunk: ReadRecord[]): Promise<void> {
  const paths: string[] = [];
  for (const { serving } of chunk) {
    if (!serving) continue;
    if (serving.remove.length > 0) await files.server.remove(serving.remove);
    if (serving.copy && !(await files.server.copy(serving.copy.from, serving.copy.to, serving.copy.etag))) {
      logger.info("upload changed before it was served; the later change serves it", { key: serving.copy.from });
    }
    paths.push(...serving.invalidate);
  }
  if (paths.length === 0) return;
  // The same records retried make the same request, which CloudFront answers with the first invalidation.
  const reference = createHash("sha256").update(JSON.stringify([chunk.map((r) => r.id), paths])).digest("base64url");
  await files.server.invalidate([...new Set(paths)], reference);
}

/**
 * The ticket table's stream handler: every change of a ticket to a final status is published
 * (the stream is the source, so a change is published even when the function that made it
 * crashed right after). With public files, a record's served copy is made (or removed) before its
 * event is published, so whoever hears of a completed upload can fetch its `fileUrl` at once.
 * Records are published in order, ten at a time; when a publish fails,
 * that record and every later one are reported as failures, so Lambda retries from there
 * (bisecting, then parking the batch on the on-failure queue) and nothing is skipped.
 */
export const makePublishHandler = (deps: PublishDeps) => async (event: unknown): Promise<BatchResponse> => {
  const body = StreamEvent.safeParse(event);
  if (!body.success) {
    logger.error("not a DynamoDB stream event; ignored");
    return { batchItemFailures: [] };
  }
  const records = body.data.Records.map((raw) => eventOf(raw, deps.bucket, deps.files));
  const publishable = records.flatMap((record, index) => (record.event || record.serving ? [{ index, record }] : []));
  for (let start = 0; start < publishable.length; start += PUBLISH_CHUNK) {
    const chunk = publishable.slice(start, start + PUBLISH_CHUNK);
    try {
      if (deps.files) await serve(deps.files, chunk.map((c) => c.record));
      const events = chunk.flatMap((c) => (c.record.event ? [c.record.event] : []));
      if (events.length > 0) await deps.publisher.publish(events);
      for (const e of events) logger.info("completion event published", { detailType: e.detailType, uploadId: e.detail.uploadId });
    } catch (error) {
      const failed = records.slice(chunk[0]!.index).flatMap((r) => (r.id ? [{ itemIdentifier: r.id }] : []));
      logger.error("serving or publishing failed; retried from the first failed record", {
        failed: failed.length,
        error: error instanceof Error ? error : String(error),
      });
      count(deps, records.slice(0, chunk[0]!.index));
      return { batchItemFailures: failed };
    }
  }
  count(deps, records);
  return { batchItemFailures: [] };
};

/** Counts the records that are done (a failed one and those after it come again, and count then). */
function count(deps: PublishDeps, records: Array<{ counts?: TicketCount[] }>): void {
  if (!deps.metrics) return;
  for (const { name, dimensions } of records.flatMap((r) => r.counts ?? [])) deps.metrics.count(name, 1, dimensions);
  deps.metrics.flush();
}
