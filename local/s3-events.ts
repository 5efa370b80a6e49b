import { encodeEventKey } from "../functions/domain/keys.js";

/**
 * Turns an S3 notification body into the AWS shape the record handler expects. Ceph RGW
 * (`eventSource: "ceph:s3"`) sends object keys raw, AWS URL-encodes them; RGW keys are
 * encoded here the way S3 does it, so one decoder serves both.
 */
export function toAwsS3Event(body: unknown): unknown {
  const records = (body as { Records?: unknown })?.Records;
  if (!Array.isArray(records)) return body;
  return {
    Records: records.map((record: { eventSource?: unknown; s3?: { object?: { key?: unknown } } }) => {
      const key = record?.s3?.object?.key;
      if (record?.eventSource !== "ceph:s3" || typeof key !== "string") return record;
      return { ...record, s3: { ...record.s3, object: { ...record.s3!.object, key: encodeEventKey(key) } } };
    }),
  };
}
