/** GuardDuty Malware Protection for S3's scan result, as EventBridge delivers it. */
import * as z from "zod/mini";

/** `detail-type` of the event GuardDuty publishes to the default bus for each object it scanned. */
export const SCAN_RESULT_DETAIL_TYPE = "GuardDuty Malware Protection Object Scan Result";

export const ScanResultStatus = z.enum(["NO_THREATS_FOUND", "THREATS_FOUND", "UNSUPPORTED", "ACCESS_DENIED", "FAILED"]);
export type ScanResultStatus = z.infer<typeof ScanResultStatus>;

/** The fields the broker reads; GuardDuty sends more (`schemaVersion`, `resourceType`, …). */
export const ScanResultEvent = z.object({
  "detail-type": z.literal(SCAN_RESULT_DETAIL_TYPE),
  source: z.literal("aws.guardduty"),
  time: z.iso.datetime(),
  detail: z.object({
    /** COMPLETED, SKIPPED or FAILED; `scanResultDetails.scanResultStatus` says what it found. */
    scanStatus: z.string(),
    s3ObjectDetails: z.object({
      bucketName: z.string(),
      objectKey: z.string(),
      eTag: z.optional(z.string()),
      versionId: z.optional(z.nullable(z.string())),
    }),
    scanResultDetails: z.object({
      scanResultStatus: ScanResultStatus,
      threats: z.optional(z.nullable(z.array(z.object({ name: z.string() })))),
    }),
  }),
});
export type ScanResultEvent = z.infer<typeof ScanResultEvent>;
