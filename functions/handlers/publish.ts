import { unmarshall } from "@aws-sdk/util-dynamodb";
import * as z from "zod/mini";
import { EventTicket, transitionEvent, type CompletionEvent, type EventPublisher } from "../domain/events.js";
import { countsOf, type TicketCount } from "../domain/ticket-metrics.js";
import { logger } from "../log.js";
import type { MetricSink } from "../ports.js";

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

/** One stream record read: its identifier and the event it publishes, if any. */
function eventOf(raw: unknown, bucket: string): { id?: string; event?: CompletionEvent; counts?: TicketCount[] } {
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
  const event = transitionEvent(before, after, bucket, changedAt);
  return { ...(id ? { id } : {}), ...(event ? { event } : {}), counts: countsOf(before, after) };
}

/**
 * The ticket table's stream handler: every change of a ticket to a final status is published
 * (the stream is the source, so a change is published even when the function that made it
 * crashed right after). Records are published in order, ten at a time; when a publish fails,
 * that record and every later one are reported as failures, so Lambda retries from there
 * (bisecting, then parking the batch on the on-failure queue) and nothing is skipped.
 */
export const makePublishHandler = (deps: PublishDeps) => async (event: unknown): Promise<BatchResponse> => {
  const body = StreamEvent.safeParse(event);
  if (!body.success) {
    logger.error("not a DynamoDB stream event; ignored");
    return { batchItemFailures: [] };
  }
  const records = body.data.Records.map((raw) => eventOf(raw, deps.bucket));
  const publishable = records.flatMap((record, index) => (record.event ? [{ index, event: record.event }] : []));
  for (let start = 0; start < publishable.length; start += PUBLISH_CHUNK) {
    const chunk = publishable.slice(start, start + PUBLISH_CHUNK);
    try {
      await deps.publisher.publish(chunk.map((c) => c.event));
      for (const { event: e } of chunk) logger.info("completion event published", { detailType: e.detailType, uploadId: e.detail.uploadId });
    } catch (error) {
      const failed = records.slice(chunk[0]!.index).flatMap((r) => (r.id ? [{ itemIdentifier: r.id }] : []));
      logger.error("publishing completion events failed; retried from the first failed record", {
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
