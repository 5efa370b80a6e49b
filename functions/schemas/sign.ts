/** `POST /sign/put` and `POST /sign/post`: what clients ask for. */
import * as z from "zod/mini";
import { ChecksumSha256, ContentMd5, Filename, MediaType, Metadata, ProfileName } from "./base.js";

const Size = z.int().check(z.minimum(0));

export const SignPutRequest = z.strictObject({
  profile: ProfileName,
  filename: Filename,
  contentType: MediaType,
  size: Size,
  metadata: z.optional(Metadata),
  /** Signed as `x-amz-checksum-sha256`: S3 refuses other bytes (where the storage checks it). */
  checksumSha256: z.optional(ChecksumSha256),
  /** Signed as `content-md5`: S3 refuses other bytes (400 BadDigest; every S3-compatible server checks it). */
  contentMd5: z.optional(ContentMd5),
});
export type SignPutRequest = z.infer<typeof SignPutRequest>;

export const SignPostRequest = z.strictObject({
  profile: ProfileName,
  filename: z.optional(Filename),
  contentType: z.optional(MediaType),
  maxBytes: z.optional(Size),
  metadata: z.optional(Metadata),
});
export type SignPostRequest = z.infer<typeof SignPostRequest>;
