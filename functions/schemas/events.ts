/** What the record function reads of S3 event notifications. */
import * as z from "zod/mini";

/** One S3 event notification record, as much of it as the record handler reads. */
export const S3EventRecord = z.object({
  eventName: z.string(),
  s3: z.object({
    bucket: z.object({ name: z.string() }),
    object: z.object({ key: z.string().check(z.minLength(1)), size: z.optional(z.number()), eTag: z.optional(z.string()) }),
  }),
});
export type S3EventRecord = z.infer<typeof S3EventRecord>;

/** An S3 notification; records stay `unknown` so one malformed record cannot hide the others. */
export const S3Event = z.object({ Records: z._default(z.array(z.unknown()), []) });
