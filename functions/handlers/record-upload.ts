import { httpStatus } from "../adapters/aws.js";
import { decodeEventKey } from "../domain/keys.js";
import { recordUpload, type ObjectEvent, type RecordResult } from "../domain/record.js";
import type { ErrorDetail } from "../errors.js";
import { logger } from "../log.js";
import type { RecordDeps } from "../ports.js";
import { S3Event, S3EventRecord } from "../schemas.js";

/** One notification record, read: the decoded key and what the event says of its object. */
export interface ObjectCreated extends ObjectEvent {
  eventName: string;
  bucket: string;
  key: string;
}

/**
 * Reads an S3 notification body. Each record is read on its own, so one malformed record
 * cannot hide the others; `problems` names what is wrong with the rest (or with the body).
 */
export function readS3Event(body: unknown): { records: ObjectCreated[]; problems: ErrorDetail[] } {
  const parsed = S3Event.safeParse(body);
  if (!parsed.success) return { records: [], problems: [{ path: "Records", message: "must be an array of S3 event records" }] };
  const records: ObjectCreated[] = [];
  const problems: ErrorDetail[] = [];
  parsed.data.Records.forEach((raw, index) => {
    const record = S3EventRecord.safeParse(raw);
    if (!record.success) {
      const [issue] = record.error.issues;
      problems.push({ path: ["Records", index, ...(issue?.path ?? [])].join("."), message: issue?.message ?? "not an S3 event record" });
      return;
    }
    const { eventName, s3 } = record.data;
    try {
      const key = decodeEventKey(s3.object.key);
      records.push({ eventName, bucket: s3.bucket.name, key, ...(s3.object.eTag ? { etag: s3.object.eTag } : {}) });
    } catch {
      problems.push({ path: `Records.${index}.s3.object.key`, message: "is not a URL-encoded object key" });
    }
  });
  return { records, problems };
}

/**
 * An error that retrying cannot cure: access denied or a malformed request (a 4xx from AWS
 * other than throttling and timeouts). Such a record is logged, not retried.
 */
function isPermanent(error: unknown): boolean {
  const { name } = error as { name?: string };
  const status = httpStatus(error);
  if (status === undefined || status < 400 || status >= 500 || status === 408 || status === 429) return false;
  return !/Throttl|SlowDown|Timeout|RequestTimeTooSkewed|ExpiredToken|TooManyRequests/i.test(name ?? "");
}

/**
 * The S3 `ObjectCreated:*` notification handler. Every record is handled even when another
 * fails; a transient failure then fails the invocation, so Lambda retries the event and
 * finally sends it to the dead-letter queue (recording is idempotent, so retries are safe).
 * Malformed records and permanent errors are logged and never retried.
 */
export const makeRecordHandler = (deps: RecordDeps & { bucket: string }) => async (event: unknown) => {
  const { records, problems } = readS3Event(event);
  for (const problem of problems) logger.error("malformed S3 event record ignored", { ...problem });
  const results: RecordResult[] = [];
  const failures: unknown[] = [];
  for (const record of records) {
    const { key } = record;
    if (!record.eventName.replace(/^s3:/, "").startsWith("ObjectCreated:")) {
      logger.info("event ignored", { key, eventName: record.eventName });
    } else if (record.bucket !== deps.bucket) {
      logger.warn("event for another bucket ignored", { key, bucket: record.bucket });
    } else {
      try {
        const result = await recordUpload(deps, key, record);
        logger.info("upload recorded", { ...result });
        results.push(result);
      } catch (error) {
        const permanent = isPermanent(error);
        logger.error(permanent ? "record failed permanently; not retried" : "record failed", { key, error: error instanceof Error ? error : String(error) });
        if (permanent) results.push({ key, outcome: "failed", reason: error instanceof Error ? error.name : "error" });
        else failures.push(error);
      }
    }
  }
  if (failures.length > 0) {
    throw new AggregateError(failures, `${failures.length} of ${records.length} S3 event records failed`);
  }
  return { results };
};
