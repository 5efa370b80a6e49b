/** Multipart uploads: the ticket, part URLs, the parts S3 holds, and completing. */
import * as z from "zod/mini";
import { MAX_PART_BYTES, MAX_PARTS, MAX_PARTS_PER_REQUEST, MIN_PART_BYTES } from "../domain/limits.js";
import { ContentMd5, Filename, MediaType, Metadata, PartNumber, ProfileName } from "./base.js";


export const SignMultipartRequest = z.strictObject({
  profile: ProfileName,
  filename: Filename,
  contentType: MediaType,
  /** Exact size of the whole file. */
  size: z.int().check(z.minimum(0)),
  metadata: z.optional(Metadata),
  /** Bytes per part (the last may be smaller); the broker picks one when omitted. */
  partSize: z.optional(z.int().check(z.minimum(MIN_PART_BYTES), z.maximum(MAX_PART_BYTES))),
});
export type SignMultipartRequest = z.infer<typeof SignMultipartRequest>;

const distinct = <T>(numberOf: (item: T) => number) =>
  z.refine<T[]>((items) => new Set(items.map(numberOf)).size === items.length, "must not repeat a part number");

/**
 * Part URLs to sign: `partNumbers`, or `parts` with each part's digest, which the URL then
 * signs (`content-md5`), so S3 refuses other bytes of the same length. One of the two.
 */
export const SignPartsRequest = z
  .strictObject({
    partNumbers: z.optional(z.array(PartNumber).check(z.minLength(1), z.maxLength(MAX_PARTS_PER_REQUEST), distinct((n: number) => n))),
    parts: z.optional(
      z
        .array(z.strictObject({ partNumber: PartNumber, contentMd5: z.optional(ContentMd5) }))
        .check(z.minLength(1), z.maxLength(MAX_PARTS_PER_REQUEST), distinct((p: { partNumber: number }) => p.partNumber)),
    ),
  })
  .check(
    z.refine((r) => (r.partNumbers === undefined) !== (r.parts === undefined), "must have either partNumbers or parts, not both"),
    z.describe("Either partNumbers, or parts with each part's MD5 (base64 of 16 bytes), which its URL then signs as content-md5."),
  );
export type SignPartsRequest = z.infer<typeof SignPartsRequest>;

export const CompleteRequest = z.strictObject({
  parts: z
    .array(z.strictObject({ partNumber: PartNumber, etag: z.string().check(z.minLength(1), z.maxLength(256)) }))
    .check(z.minLength(1), z.maxLength(MAX_PARTS)),
});
export type CompleteRequest = z.infer<typeof CompleteRequest>;
