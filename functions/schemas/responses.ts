/**
 * What the API answers. The functions use these only as types (responses are built by the
 * domain code, not parsed), so no Lambda bundle constructs them at cold start; tests hold the
 * handlers' answers to them.
 */
import * as z from "zod/mini";
import { UploadMethod } from "./base.js";
import { IsoDate } from "./tickets.js";

/** What both sign routes answer; each adds what the client must send. */
const Issued = z.object({ uploadId: z.string(), key: z.string(), url: z.url(), expiresAt: IsoDate });

export const SignPutResponse = z.extend(Issued, {
  method: z.literal("PUT"),
  headers: z.record(z.string(), z.string()),
});
export type SignPutResponse = z.infer<typeof SignPutResponse>;

export const SignPostResponse = z.extend(Issued, {
  method: z.literal("POST"),
  fields: z.record(z.string(), z.string()),
  conditions: z.object({
    minBytes: z.number(),
    maxBytes: z.number(),
    contentType: z.string(),
    keyPrefix: z.string(),
  }),
});
export type SignPostResponse = z.infer<typeof SignPostResponse>;

/** What `GET /profiles` shows: everything but the group list. */
export const PublicProfile = z.object({
  name: z.string(),
  contentTypes: z.array(z.string()),
  minBytes: z.number(),
  maxBytes: z.number(),
  methods: z.array(UploadMethod),
  expiresInSeconds: z.number(),
  metadataKeys: z.array(z.string()),
});
export const ProfilesResponse = z.object({ profiles: z.array(PublicProfile) });
export type ProfilesResponse = z.infer<typeof ProfilesResponse>;
