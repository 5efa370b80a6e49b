/** Operator-defined upload profiles, as parsed from the configuration at cold start. */
import * as z from "zod/mini";
import {
  DEFAULT_EXPIRES_IN_SECONDS, MAX_EXPIRES_IN_SECONDS, MAX_OBJECT_BYTES, MAX_PENDING_QUOTA, MAX_SINGLE_PUT_BYTES, MIN_EXPIRES_IN_SECONDS,
} from "../domain/limits.js";
import { MEDIA_TYPE_PATTERN, MetadataKey, UploadMethod } from "./base.js";

/** A profile's fields; `ProfileSchema` adds the checks across fields. */
export const ProfileFields = z.strictObject({
    name: z.string().check(z.regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "must be 1-64 lowercase letters, digits, '_' or '-'")),
    contentTypes: z
      .array(z.string().check(z.trim(), z.toLowerCase(), z.regex(MEDIA_TYPE_PATTERN, "must be type/subtype or type/*")))
      .check(z.minLength(1)),
    minBytes: z._default(z.int().check(z.minimum(0)), 1),
    maxBytes: z.int().check(z.minimum(1), z.maximum(MAX_OBJECT_BYTES)),
    methods: z._default(z.array(UploadMethod).check(z.minLength(1)), ["put", "post"]),
    expiresInSeconds: z._default(
      z.int().check(z.minimum(MIN_EXPIRES_IN_SECONDS), z.maximum(MAX_EXPIRES_IN_SECONDS)),
      DEFAULT_EXPIRES_IN_SECONDS,
    ),
    metadataKeys: z._default(z.array(MetadataKey), []),
    allowedGroups: z._default(z.array(z.string().check(z.minLength(1))), []),
    /**
     * Whether the record step reads the head of each object and refuses bytes that are not the
     * type they are labelled. Absent: on when the detection library can identify any of
     * `contentTypes` (images, PDF, audio, video, archives), off otherwise (text/plain, text/csv, JSON).
     */
    verifyContent: z.optional(z.boolean()),
    /** Per user and profile; counted with atomic conditional writes. */
    quota: z.optional(
      z.strictObject({
        /** Tickets issued per UTC day. */
        uploadsPerDay: z.optional(z.int().check(z.minimum(1))),
        /** Bytes reserved per UTC day (declared size; a POST's maxBytes until it completes). */
        bytesPerDay: z.optional(z.int().check(z.minimum(1))),
        /** Pending tickets at once. */
        pending: z.optional(z.int().check(z.minimum(1), z.maximum(MAX_PENDING_QUOTA))),
      }),
    ),
    /**
     * Completed uploads are served to anyone through the stack's CDN at `fileUrl` (avatars,
     * product photos); nothing else of the bucket is. @default false
     */
    public: z._default(z.boolean().check(z.describe("Completed uploads are served to anyone through the CDN at their fileUrl.")), false),
});

export const ProfileSchema = ProfileFields.check(
  z.refine((p) => p.minBytes <= p.maxBytes, { path: ["minBytes"], message: "must not exceed maxBytes" }),
  z.refine((p) => p.methods.includes("multipart") || p.maxBytes <= MAX_SINGLE_PUT_BYTES, {
    path: ["maxBytes"],
    message: `must not exceed ${MAX_SINGLE_PUT_BYTES} (5 GiB, S3's limit for one PUT or POST) unless methods include multipart`,
  }),
  // The served copy is made with one CopyObject, which S3 allows up to 5 GiB.
  z.refine((p) => !p.public || p.maxBytes <= MAX_SINGLE_PUT_BYTES, {
    path: ["maxBytes"],
    message: `must not exceed ${MAX_SINGLE_PUT_BYTES} (5 GiB, the largest object S3 copies in one request) for a public profile`,
  }),
);
export type Profile = z.infer<typeof ProfileSchema>;

export const ProfileListSchema = z.array(ProfileSchema).check(
  z.minLength(1, "at least one profile is required"),
  z.superRefine((profiles, ctx) => {
    const seen = new Set<string>();
    profiles.forEach((p, i) => {
      if (seen.has(p.name)) ctx.addIssue({ code: "custom", path: [i, "name"], message: `duplicate profile name '${p.name}'`, input: p.name });
      seen.add(p.name);
    });
  }),
);
