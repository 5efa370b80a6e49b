import { decodeEventKey } from "../domain/keys.js";
import { recordUpload, type RecordResult } from "../domain/record.js";
import { logger } from "../log.js";
import type { RecordDeps } from "../ports.js";
import { S3Event, S3EventRecord } from "../schemas.js";

/**
 * The S3 `ObjectCreated:*` notification handler. Every record is handled even when
 * another fails; any failure then fails the invocation, so Lambda retries the event and
 * finally sends it to the dead-letter queue (recording is idempotent, so retries are safe).
 */
export const makeRecordHandler = (deps: RecordDeps & { bucket: string }) => async (event: unknown) => {
  const parsed = S3Event.safeParse(event);
  if (!parsed.success) {
    logger.error("not an S3 event notification", { issues: parsed.error.issues });
    throw new Error("not an S3 event notification");
  }
  const results: RecordResult[] = [];
  const failures: unknown[] = [];
  for (const [index, raw] of parsed.data.Records.entries()) {
    try {
      const record = S3EventRecord.parse(raw);
      const key = decodeEventKey(record.s3.object.key);
      if (!record.eventName.replace(/^s3:/, "").startsWith("ObjectCreated:")) {
        logger.info("event ignored", { key, eventName: record.eventName });
      } else if (record.s3.bucket.name !== deps.bucket) {
        logger.warn("event for another bucket ignored", { key, bucket: record.s3.bucket.name });
      } else {
        const result = await recordUpload(deps, key);
        logger.info("upload recorded", { ...result });
        results.push(result);
      }
    } catch (error) {
      logger.error("record failed", { index, error: error instanceof Error ? error : String(error) });
      failures.push(error);
    }
  }
  if (failures.length > 0) {
    throw new AggregateError(failures, `${failures.length} of ${parsed.data.Records.length} S3 event records failed`);
  }
  return { results };
};
