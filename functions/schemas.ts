/**
 * Every shape of the contract as a zod schema; the types are `z.infer` of these.
 * Limits come from `domain/limits.ts` so schemas, domain and stack agree.
 *
 * Written with `zod/mini`, the tree-shakable form of zod 4 (same validation, same core):
 * the classic API is a third of a sign function's bundle and of its cold start.
 */
import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";
import {
  DEFAULT_EXPIRES_IN_SECONDS,
  MAX_EXPIRES_IN_SECONDS,
  MAX_FILENAME_CHARS,
  MAX_METADATA_VALUE_CHARS,
  MAX_OBJECT_BYTES,
  MIN_EXPIRES_IN_SECONDS,
  UPLOAD_ID_METADATA_KEY,
} from "./domain/limits.js";

// zod/mini loads no messages by default; clients read these in `details`.
z.config(en());

const TOKEN = "[a-z0-9][a-z0-9!#$&^_.+-]*";
/** `type/subtype`, lowercase, no parameters. */
export const MEDIA_TYPE = new RegExp(`^${TOKEN}/${TOKEN}$`);
/** A media type or a `type/*` wildcard. */
const MEDIA_TYPE_PATTERN = new RegExp(`^${TOKEN}/(?:${TOKEN}|\\*)$`);

const MediaType = z
  .string()
  .check(z.maxLength(255), z.trim(), z.toLowerCase(), z.regex(MEDIA_TYPE, "must be a media type such as image/png, without parameters"));

const MetadataKey = z
  .string()
  .check(
    z.regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "must be 1-64 lowercase letters, digits or '-'"),
    z.refine((k) => k !== UPLOAD_ID_METADATA_KEY, `'${UPLOAD_ID_METADATA_KEY}' is reserved`),
  );

// Header values are trimmed in transit, so surrounding whitespace would break the signature.
const MetadataValue = z
  .string()
  .check(
    z.maxLength(MAX_METADATA_VALUE_CHARS),
    z.regex(/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/, "must be printable ASCII without surrounding spaces"),
  );

export const Metadata = z.record(z.string(), MetadataValue);

export const UploadMethod = z.enum(["put", "post", "multipart"]);

export const ProfileSchema = z
  .strictObject({
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
  })
  .check(z.refine((p) => p.minBytes <= p.maxBytes, { path: ["minBytes"], message: "must not exceed maxBytes" }));
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

const ProfileName = z.string().check(z.minLength(1), z.maxLength(64));
const Filename = z.string().check(z.minLength(1), z.maxLength(MAX_FILENAME_CHARS));
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

const IsoDate = z.iso.datetime();

export const SignPutResponse = z.object({
  uploadId: z.string(),
  key: z.string(),
  method: z.literal("PUT"),
  url: z.url(),
  headers: z.record(z.string(), z.string()),
  expiresAt: IsoDate,
});
export type SignPutResponse = z.infer<typeof SignPutResponse>;

export const SignPostResponse = z.object({
  uploadId: z.string(),
  key: z.string(),
  method: z.literal("POST"),
  url: z.url(),
  fields: z.record(z.string(), z.string()),
  expiresAt: IsoDate,
  conditions: z.object({
    minBytes: z.number(),
    maxBytes: z.number(),
    contentType: z.string(),
    keyPrefix: z.string(),
  }),
});
export type SignPostResponse = z.infer<typeof SignPostResponse>;

export const TicketStatus = z.enum(["pending", "completed", "rejected"]);

/** A ticket as stored: what a client may upload, and later what it did upload. */
export const Ticket = z.object({
  uploadId: z.string(),
  owner: z.string(),
  profile: z.string(),
  key: z.string(),
  method: z.enum(["PUT", "POST"]),
  filename: z.optional(z.string()),
  /** An exact media type, or a `type/*` wildcard for a POST without a content type. */
  contentType: z.string(),
  declaredSize: z.optional(z.number()),
  minBytes: z.number(),
  maxBytes: z.number(),
  metadata: z.record(z.string(), z.string()),
  status: TicketStatus,
  createdAt: IsoDate,
  expiresAt: IsoDate,
  /** DynamoDB TTL, epoch seconds. */
  ttl: z.number(),
  size: z.optional(z.number()),
  etag: z.optional(z.string()),
  completedAt: z.optional(IsoDate),
  rejectReason: z.optional(z.string()),
  /** When the recorded object was last modified (S3's value), to ignore stale events. */
  objectModifiedAt: z.optional(IsoDate),
  /** Optimistic-locking counter: every update is conditional on it. */
  version: z.number(),
});
export type Ticket = z.infer<typeof Ticket>;

/** What `GET /uploads/{id}` shows of a ticket. */
export const TicketView = z.object({
  uploadId: z.string(),
  key: z.string(),
  profile: z.string(),
  method: z.enum(["PUT", "POST"]),
  filename: z.optional(z.string()),
  contentType: z.string(),
  status: z.enum(["pending", "completed", "rejected", "expired"]),
  size: z.optional(z.number()),
  etag: z.optional(z.string()),
  createdAt: IsoDate,
  expiresAt: IsoDate,
  completedAt: z.optional(IsoDate),
  rejectReason: z.optional(z.string()),
});
export type TicketView = z.infer<typeof TicketView>;
export type ViewStatus = TicketView["status"];

export const ListUploadsQuery = z.strictObject({
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 20),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
  status: z.optional(TicketView.shape.status),
});
export type ListUploadsQuery = z.infer<typeof ListUploadsQuery>;

export const ListUploadsResponse = z.object({ items: z.array(TicketView), nextCursor: z.nullable(z.string()) });
export type ListUploadsResponse = z.infer<typeof ListUploadsResponse>;

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
