/**
 * What the API answers. Routes name these (`response: "SignPutResponse"`) and the functions
 * use them only as types (responses are built by the domain code, not parsed), so no Lambda
 * bundle constructs them at cold start; the OpenAPI document shows them and tests hold the
 * handlers' answers to it.
 */
import * as z from "zod/mini";
import { ProfileFields } from "./profiles.js";
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

/** What `GET /profiles` shows of a profile: everything but its groups, and whether it has any. */
export const PublicProfile = z.extend(
  z.pick(ProfileFields, { name: true, contentTypes: true, minBytes: true, maxBytes: true, methods: true, expiresInSeconds: true, metadataKeys: true, public: true }),
  { restricted: z.boolean() },
);
export type PublicProfile = z.infer<typeof PublicProfile>;
export const ProfilesResponse = z.object({ profiles: z.array(PublicProfile) });
export type ProfilesResponse = z.infer<typeof ProfilesResponse>;

/** One validation problem, as `details` lists them. */
export const ErrorDetail = z.object({ path: z.string(), message: z.string() });

/** Every error answer: `{"error":{code,message,details?}}`; `details` only for validation. */
export const ErrorBody = z.object({
  error: z.object({ code: z.string().check(z.regex(/^[a-z_]+$/)), message: z.string(), details: z.optional(z.array(ErrorDetail)) }),
  /** The Uppy routes repeat `error.message` here: Uppy 5 shows it to the user. */
  message: z.optional(z.string()),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export const HealthResponse = z.object({ status: z.literal("ok") });

/** `GET /openapi.json`: an OpenAPI 3.1 document. */
export const OpenApiDocument = z.looseObject({ openapi: z.string(), info: z.object({ title: z.string(), version: z.string() }), paths: z.record(z.string(), z.unknown()) });

export const SignMultipartResponse = z.object({
  uploadId: z.string(),
  key: z.string(),
  method: z.literal("MULTIPART"),
  partSize: z.number(),
  partCount: z.number(),
  expiresAt: IsoDate,
});
export type SignMultipartResponse = z.infer<typeof SignMultipartResponse>;

export const SignPartsResponse = z.object({
  parts: z.array(z.object({ partNumber: z.number(), url: z.url(), headers: z.record(z.string(), z.string()) })),
  expiresAt: IsoDate,
});
export type SignPartsResponse = z.infer<typeof SignPartsResponse>;

export const ListPartsResponse = z.object({ parts: z.array(z.object({ partNumber: z.number(), size: z.number(), etag: z.string() })) });
export type ListPartsResponse = z.infer<typeof ListPartsResponse>;

/** `GET /uploads/{id}/download`: a presigned GET that saves the file under its original name. */
export const DownloadResponse = z.object({ url: z.url(), expiresAt: IsoDate });
export type DownloadResponse = z.infer<typeof DownloadResponse>;

/** `GET /usage`: today's counts of each quota the caller has, with the limits. */
export const UsageResponse = z.object({
  day: z.string(),
  profiles: z.array(
    z.object({
      profile: z.string(),
      uploads: z.number(),
      bytes: z.number(),
      /**
       * Tickets pending right now; present only when the profile limits `pending` (the count is
       * then exact: one leased slot per pending ticket). Without that limit nothing counts them.
       */
      pending: z.optional(z.number().check(z.describe("Tickets pending now; only for a profile whose quota limits pending (one leased slot each), absent otherwise."))),
      quota: z.object({ uploadsPerDay: z.optional(z.number()), bytesPerDay: z.optional(z.number()), pending: z.optional(z.number()) }),
    }),
  ),
});
export type UsageResponse = z.infer<typeof UsageResponse>;
