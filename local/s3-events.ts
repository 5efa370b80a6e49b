
/**
 * Turns an S3 notification body into the AWS shape the record handler expects. AWS
 * URL-encodes object keys; Ceph RGW (`eventSource: "ceph:s3"`) and s3rver send them raw,
 * so those are encoded here the way S3 does it and one decoder serves all of them.
 */
export function toAwsS3Event(body: unknown, options: { rawKeys?: boolean } = {}): unknown {
  const records = (body as { Records?: unknown })?.Records;
  if (!Array.isArray(records)) return body;
  return {
    Records: records.map((record: { eventSource?: unknown; s3?: { object?: { key?: unknown } } }) => {
      const key = record?.s3?.object?.key;
      const raw = options.rawKeys || record?.eventSource === "ceph:s3";
      if (!raw || typeof key !== "string") return record;
      return { ...record, s3: { ...record.s3, object: { ...record.s3!.object, key: encodeEventKey(key) } } };
    }),
  };
}

/** Encodes a key the way S3 notifications carry it (the inverse of `decodeEventKey` in functions/domain/keys.ts). */
export function encodeEventKey(key: string): string {
  return key.split("/").map((part) => encodeURIComponent(part).replace(/%20/g, "+")).join("/");
}
