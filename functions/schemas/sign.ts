/** `POST /sign/put` and `POST /sign/post`: what clients ask for. */
import * as z from "zod/mini";
import { Filename, MediaType, Metadata, ProfileName } from "./base.js";

const Size = z.int().check(z.minimum(0));

export const SignPutRequest = z.strictObject({
  profile: ProfileName,
  filename: Filename,
  contentType: MediaType,
  size: Size,
  metadata: z.optional(Metadata),
  checksumSha256: z.optional(
    z.string().check(z.regex(/^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/, "must be the base64 of a 32-byte SHA-256 digest")),
  ),
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
