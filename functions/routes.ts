/**
 * The one route table. The stack's functions and API routes, the local server's routing, the
 * OpenAPI document, the client's types and the test and bench entry lists are all derived from
 * it; tests fail when any of them disagrees. Adding a route is one entry here, its handler, and
 * (for a new Lambda entry) its file under `functions/`.
 *
 * No CDK import and no handler import: Lambda entries import their own handler and schemas,
 * never this table, so each bundle carries only what it runs.
 */
import type * as z from "zod/v4/core";
import { MAX_BODY_BYTES, MAX_COMPLETE_BODY_BYTES } from "./domain/limits.js";
import {
  CompleteRequest,
  DownloadResponse,
  HealthResponse,
  ListPartsResponse,
  ListUploadsQuery,
  ListUploadsResponse,
  OpenApiDocument,
  ProfilesResponse,
  SignPostRequest,
  SignPostResponse,
  SignMultipartRequest,
  SignMultipartResponse,
  SignPartsRequest,
  SignPartsResponse,
  SignPutRequest,
  SignPutResponse,
  TicketView,
  UploadIdParams,
  UsageResponse,
} from "./schemas.js";
import {
  UppyAbortResponse,
  UppyCompleteRequest,
  UppyCompleteResponse,
  UppyCreateRequest,
  UppyCreateResponse,
  UppyKeyQuery,
  UppyListPartsResponse,
  UppyParamsQuery,
  UppyParamsResponse,
  UppyPartParams,
  UppyPartResponse,
  UppyProfileParams,
  UppyUploadParams,
} from "./schemas/uppy.js";

/** The Lambda entries that answer HTTP routes, one file each under `functions/`. */
export type HttpEntry = "public" | "sign-put" | "sign-post" | "multipart" | "get-upload" | "list-uploads" | "upload-object" | "uppy" | "usage";

/** Statuses of the contract's error table. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 500 | 501;

export interface Route {
  /** Unique, camelCase; the OpenAPI operationId and the client's name for it. */
  readonly id: string;
  readonly method: "GET" | "POST" | "DELETE";
  /** API Gateway syntax: `/uploads/{uploadId}`. */
  readonly path: string;
  /** The Lambda entry (file under `functions/`) that runs it. */
  readonly entry: HttpEntry;
  /** `jwt`: behind the JWT authorizer; `none`: public. */
  readonly auth: "jwt" | "none";
  readonly summary: string;
  readonly body?: z.$ZodType;
  readonly query?: z.$ZodType;
  readonly params?: z.$ZodType;
  /** Success status and body. */
  readonly status: 200 | 201;
  readonly response: z.$ZodType;
  /** Every error status the route can answer (each with the contract's error body). */
  readonly errors: readonly ErrorStatus[];
  /** Largest request body in bytes, for routes with a body. */
  readonly bodyLimit?: number;
  /** Requests per second and burst for this route alone, within the stage's. @default the stage's only */
  readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number };
}

/** The routes that issue tickets: a script that loops over them fills a bucket; each gets its own limit. */
const SIGN_THROTTLE = { rateLimit: 20, burstLimit: 40 } as const;

/** What every route can answer: an unexpected failure. */
const ALWAYS = [500] as const;
/** What every route behind the JWT authorizer can answer on top of its own. */
const AUTHED = [401, ...ALWAYS] as const;
/** What every JSON body can get wrong. */
const BODY = [400, 413, 422] as const;

export const routes = [
  {
    id: "health", method: "GET", path: "/health", entry: "public", auth: "none",
    summary: "Liveness: the API answers.", status: 200, response: HealthResponse, errors: ALWAYS,
  },
  {
    id: "listProfiles", method: "GET", path: "/profiles", entry: "public", auth: "none",
    summary: "The upload profiles clients may ask for (restricted ones are marked, their groups not shown).",
    status: 200, response: ProfilesResponse, errors: ALWAYS,
  },
  {
    id: "openApi", method: "GET", path: "/openapi.json", entry: "public", auth: "none",
    summary: "This API's OpenAPI 3.1 document.", status: 200, response: OpenApiDocument, errors: ALWAYS,
  },
  {
    id: "signPut", method: "POST", path: "/sign/put", entry: "sign-put", auth: "jwt",
    summary: "A presigned PUT URL: type, exact length, metadata, optional checksum and If-None-Match are signed.",
    body: SignPutRequest, bodyLimit: MAX_BODY_BYTES, status: 201, response: SignPutResponse,
    errors: [...BODY, 403, 415, 429, ...AUTHED], throttle: SIGN_THROTTLE,
  },
  {
    id: "signPost", method: "POST", path: "/sign/post", entry: "sign-post", auth: "jwt",
    summary: "A presigned POST policy: size range, key prefix, content type and metadata enforced by S3.",
    body: SignPostRequest, bodyLimit: MAX_BODY_BYTES, status: 201, response: SignPostResponse,
    errors: [...BODY, 403, 415, 429, ...AUTHED], throttle: SIGN_THROTTLE,
  },
  {
    id: "signMultipart", method: "POST", path: "/sign/multipart", entry: "multipart", auth: "jwt",
    summary: "Starts a multipart upload for a large file: the broker plans the parts and creates the S3 upload.",
    body: SignMultipartRequest, bodyLimit: MAX_BODY_BYTES, status: 201, response: SignMultipartResponse,
    errors: [...BODY, 403, 415, 429, ...AUTHED], throttle: SIGN_THROTTLE,
  },
  {
    id: "signParts", method: "POST", path: "/uploads/{uploadId}/parts", entry: "multipart", auth: "jwt",
    summary: "Presigned part URLs (1-100 at a time), each signing its part's exact content-length.",
    params: UploadIdParams, body: SignPartsRequest, bodyLimit: MAX_BODY_BYTES, status: 200, response: SignPartsResponse,
    errors: [...BODY, 404, 409, ...AUTHED],
  },
  {
    id: "listParts", method: "GET", path: "/uploads/{uploadId}/parts", entry: "multipart", auth: "jwt",
    summary: "The parts S3 holds of a pending multipart upload (every ListParts page), for resuming.",
    params: UploadIdParams, status: 200, response: ListPartsResponse,
    errors: [404, 409, 501, ...AUTHED],
  },
  {
    id: "completeUpload", method: "POST", path: "/uploads/{uploadId}/complete", entry: "multipart", auth: "jwt",
    summary: "Completes a multipart upload from exactly parts 1..partCount and answers the checked ticket.",
    params: UploadIdParams, body: CompleteRequest, bodyLimit: MAX_COMPLETE_BODY_BYTES, status: 200, response: TicketView,
    errors: [...BODY, 404, 409, ...AUTHED],
  },
  {
    id: "getUpload", method: "GET", path: "/uploads/{uploadId}", entry: "get-upload", auth: "jwt",
    summary: "The caller's ticket and its status.", params: UploadIdParams, status: 200, response: TicketView,
    errors: [404, ...AUTHED],
  },
  {
    id: "deleteUpload", method: "DELETE", path: "/uploads/{uploadId}", entry: "upload-object", auth: "jwt",
    summary: "Aborts a pending upload or deletes a completed object; the ticket view after it. Idempotent.",
    params: UploadIdParams, status: 200, response: TicketView, errors: [404, 501, ...AUTHED],
  },
  {
    id: "downloadUpload", method: "GET", path: "/uploads/{uploadId}/download", entry: "upload-object", auth: "jwt",
    summary: "A presigned GET (5 minutes) that saves a completed upload under its original name.",
    params: UploadIdParams, status: 200, response: DownloadResponse, errors: [404, 409, ...AUTHED],
  },
  {
    id: "getUsage", method: "GET", path: "/usage", entry: "usage", auth: "jwt",
    summary: "Today's (UTC) counts of the caller's quotas, per profile that has one.", status: 200, response: UsageResponse,
    errors: [...AUTHED],
  },
  {
    id: "listUploads", method: "GET", path: "/uploads", entry: "list-uploads", auth: "jwt",
    summary: "The caller's tickets, newest first.", query: ListUploadsQuery, status: 200, response: ListUploadsResponse,
    errors: [422, ...AUTHED],
  },
  // Uppy's Companion-compatible routes (docs/uppy.md): Companion's shapes; errors add a top-level `message`.
  {
    id: "uppyParams", method: "GET", path: "/uppy/{profile}/s3/params", entry: "uppy", auth: "jwt",
    summary: "Uppy single upload: a POST policy with a concrete key. Query: filename, type and metadata[<key>] (only the profile's keys are kept).",
    params: UppyProfileParams, query: UppyParamsQuery, status: 200, response: UppyParamsResponse,
    errors: [403, 404, 415, 422, ...AUTHED],
  },
  {
    id: "uppyCreateMultipart", method: "POST", path: "/uppy/{profile}/s3/multipart", entry: "uppy", auth: "jwt",
    summary: "Uppy multipart start: creates the S3 upload and a ticket without a declared size; answers S3's upload id and the key.",
    params: UppyProfileParams, body: UppyCreateRequest, bodyLimit: MAX_BODY_BYTES, status: 200, response: UppyCreateResponse,
    errors: [...BODY, 403, 404, 415, ...AUTHED],
  },
  {
    id: "uppySignPart", method: "GET", path: "/uppy/{profile}/s3/multipart/{uploadId}/{partNumber}", entry: "uppy", auth: "jwt",
    summary: "Uppy part URL (no header to send); a part number past floor(maxBytes / 5 MiB) + 1 is refused with 413.",
    params: UppyPartParams, query: UppyKeyQuery, status: 200, response: UppyPartResponse,
    errors: [404, 409, 413, 422, ...AUTHED],
  },
  {
    id: "uppyListParts", method: "GET", path: "/uppy/{profile}/s3/multipart/{uploadId}", entry: "uppy", auth: "jwt",
    summary: "Uppy resume: the parts S3 holds, as a bare array.",
    params: UppyUploadParams, query: UppyKeyQuery, status: 200, response: UppyListPartsResponse,
    errors: [404, 409, 422, 501, ...AUTHED],
  },
  {
    id: "uppyCompleteMultipart", method: "POST", path: "/uppy/{profile}/s3/multipart/{uploadId}/complete", entry: "uppy", auth: "jwt",
    summary: "Uppy multipart complete: the parts S3 holds must add up to the profile's range (else aborted, 413); the object is then checked.",
    params: UppyUploadParams, query: UppyKeyQuery, body: UppyCompleteRequest, bodyLimit: MAX_COMPLETE_BODY_BYTES, status: 200,
    response: UppyCompleteResponse, errors: [...BODY, 404, 409, 501, ...AUTHED],
  },
  {
    id: "uppyAbortMultipart", method: "DELETE", path: "/uppy/{profile}/s3/multipart/{uploadId}", entry: "uppy", auth: "jwt",
    summary: "Uppy cancel: aborts a pending upload in S3 (its ticket becomes aborted); anything else is left as it is.",
    params: UppyUploadParams, query: UppyKeyQuery, status: 200, response: UppyAbortResponse,
    errors: [404, 422, 501, ...AUTHED],
  },
] as const satisfies readonly Route[];

export type RouteId = (typeof routes)[number]["id"];

/** `METHOD /path`, as API Gateway names a route (`event.routeKey`). */
export const routeKey = (route: Pick<Route, "method" | "path">) => `${route.method} ${route.path}`;

/** The Lambda entries that answer HTTP routes, in table order. */
export const httpEntries = (): HttpEntry[] => [...new Set(routes.map((r) => r.entry))];
