/**
 * The Uppy routes (`@uppy/aws-s3` in Companion mode, under `/uppy/{profile}`): what the real
 * client sends and what it reads of the answers, in Companion's shapes (see docs/uppy.md).
 *
 * Uppy sends every file meta field (`name`, `type`, …), so metadata is taken as it comes and
 * the domain keeps only the profile's `metadataKeys`; nothing here refuses an unknown key.
 */
import * as z from "zod/mini";
import { MAX_PARTS } from "../domain/limits.js";
import { Filename, MediaType, PartNumber } from "./base.js";

/** Object keys the broker hands out are far shorter; S3's own limit is 1024 bytes. */
const Key = z.string().check(z.minLength(1), z.maxLength(1024));
/** S3's upload id, as Companion hands it to the client (AWS's are ~150 characters). */
const S3UploadId = z.string().check(z.minLength(1), z.maxLength(1024));
/** A profile name in the path (the profile schema's own pattern). */
const PathProfile = z.string().check(z.regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "must be a profile name"));

/** `/uppy/{profile}/s3/params` and `/uppy/{profile}/s3/multipart`. */
export const UppyProfileParams = z.strictObject({ profile: PathProfile });

/** `/uppy/{profile}/s3/multipart/{uploadId}` (and `/complete`). */
export const UppyUploadParams = z.strictObject({ profile: PathProfile, uploadId: S3UploadId });

/** `/uppy/{profile}/s3/multipart/{uploadId}/{partNumber}`: path segments are text. */
export const UppyPartParams = z.strictObject({
  profile: PathProfile,
  uploadId: S3UploadId,
  partNumber: z.coerce.number().check(z.int(), z.minimum(1), z.maximum(MAX_PARTS)),
});

/** `?key=`: the object key the create answer gave; it names the ticket. */
export const UppyKeyQuery = z.object({ key: Key });
export type UppyKeyQuery = z.infer<typeof UppyKeyQuery>;

const METADATA_PARAM = /^metadata\[(.+)\]$/;

/**
 * `GET /s3/params?filename=&type=&metadata[k]=v…` (URLSearchParams encoding; API Gateway and the
 * local server decode it): the `metadata[k]` parameters become `metadata`.
 */
export const UppyParamsQuery = z.pipe(
  z.looseObject({ filename: Filename, type: MediaType }),
  z.transform(({ filename, type, ...rest }) => ({
    filename,
    type,
    metadata: Object.fromEntries(
      Object.entries(rest).flatMap(([name, value]) => {
        const key = METADATA_PARAM.exec(name)?.[1];
        return key === undefined ? [] : [[key, value]];
      }),
    ) as Record<string, unknown>,
  })),
);
export type UppyParamsQuery = z.output<typeof UppyParamsQuery>;

/** `POST /s3/multipart`: `metadata` holds every file meta field, of any JSON type. */
export const UppyCreateRequest = z.object({
  filename: Filename,
  type: MediaType,
  metadata: z.optional(z.nullable(z.record(z.string(), z.unknown()))),
});
export type UppyCreateRequest = z.infer<typeof UppyCreateRequest>;

/** `POST /s3/multipart/{uploadId}/complete`. */
export const UppyCompleteRequest = z.object({
  parts: z
    .array(z.object({ PartNumber: PartNumber, ETag: z.string().check(z.minLength(1), z.maxLength(256)) }))
    .check(z.minLength(1), z.maxLength(MAX_PARTS)),
});
export type UppyCompleteRequest = z.infer<typeof UppyCompleteRequest>;

/** A POST policy, as `/sign/post` makes, with a concrete key; `expires` in seconds. */
export const UppyParamsResponse = z.object({
  method: z.literal("POST"),
  url: z.url(),
  fields: z.record(z.string(), z.string()),
  expires: z.number(),
});
export type UppyParamsResponse = z.infer<typeof UppyParamsResponse>;

/** `uploadId` is S3's, as Companion answers; `key` is sent back on every later call. */
export const UppyCreateResponse = z.object({ key: z.string(), uploadId: z.string() });
export type UppyCreateResponse = z.infer<typeof UppyCreateResponse>;

/** A presigned UploadPart (no header to send); `expires` in seconds. */
export const UppyPartResponse = z.object({ url: z.url(), expires: z.number() });
export type UppyPartResponse = z.infer<typeof UppyPartResponse>;

/** What S3 holds, as a bare array (ETags without quotes). */
export const UppyListPartsResponse = z.array(z.object({ PartNumber: z.number(), Size: z.number(), ETag: z.string() }));
export type UppyListPartsResponse = z.infer<typeof UppyListPartsResponse>;

/** The object's URL (bucket URL and key, as Uppy derives it for a POST) and its key. */
export const UppyCompleteResponse = z.object({ location: z.url(), key: z.string() });
export type UppyCompleteResponse = z.infer<typeof UppyCompleteResponse>;

export const UppyAbortResponse = z.strictObject({});
export type UppyAbortResponse = z.infer<typeof UppyAbortResponse>;
