/** What the functions read of their events: S3 notifications and the JWT authorizer's claims. */
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

/**
 * JWT claims as API Gateway's JWT authorizer passes them. Arrays arrive flattened to
 * strings like `[a b]`, so groups are taken as they come and normalized in the domain.
 */
export const Claims = z.object({
  sub: z.string().check(z.minLength(1), z.maxLength(1024)),
  "cognito:groups": z.optional(z.unknown()),
  groups: z.optional(z.unknown()),
});
