/**
 * The Uppy routes on top of the broker's tickets. A single upload is a POST policy with a
 * concrete key, exactly what `/sign/post` makes. A multipart upload has no declared size (no
 * Uppy request carries one), so its ticket has none and the profile's range is enforced twice:
 * a part number that could only exceed `maxBytes` is never signed, and at complete the parts S3
 * holds are summed before anything is assembled (outside the range: the upload is aborted, 413).
 * Every follow-up names the ticket by its key and must carry the ticket's own S3 upload id.
 */
import { safeParse } from "zod/mini";
import { FileTooLargeError, InvalidStateError, NotFoundError, ValidationError, type ErrorDetail } from "../errors.js";
import type { Clock, Ids, MultipartStore, ObjectStore, PartSigner, PostSigner, TicketStore, TicketWriter } from "../ports.js";
import { Metadata } from "../schemas/base.js";
import type { Profile, Ticket } from "../schemas.js";
import type {
  UppyAbortResponse, UppyCompleteRequest, UppyCompleteResponse, UppyCreateRequest, UppyCreateResponse, UppyListPartsResponse,
  UppyParamsQuery, UppyParamsResponse, UppyPartResponse,
} from "../schemas/uppy.js";
import { ownerSegment, parseObjectKey, sanitizeFilename } from "./keys.js";
import { MAX_PARTS, MIN_PART_BYTES, MULTIPART_TICKET_SECONDS, PENDING_TICKET_RETENTION_SECONDS } from "./limits.js";
import type { Principal } from "./principal.js";
import { assertContentType, assertMethod, profileFor } from "./profiles.js";
import { assertOpen, partUrlSeconds } from "./multipart.js";
import { recordUpload } from "./record.js";
import { begin, signPost, storeTicket } from "./sign.js";

/** What the Uppy routes need. */
export interface UppyDeps {
  profiles: readonly Profile[];
  /** Where new tickets are written (params, create). */
  writer: TicketWriter;
  /** Tickets read and updated (the follow-ups, and the record step at complete). */
  tickets: TicketStore;
  objects: ObjectStore;
  multipart: MultipartStore;
  signer: PostSigner & PartSigner;
  clock: Clock;
  ids: Ids;
  /** Malware scanning is on: a completed upload waits in `scanning` (see `RecordDeps.scan`). */
  scan?: boolean;
}

/** Uppy's part size unless the page sets `getChunkSize`: S3's smallest. */
export const UPPY_PART_BYTES = MIN_PART_BYTES;

/** The highest part number a file within `maxBytes` can need with parts of at least 5 MiB. */
export const maxPartNumber = (maxBytes: number) => Math.min(MAX_PARTS, Math.floor(maxBytes / UPPY_PART_BYTES) + 1);

type UppyTicket = Ticket & Required<Pick<Ticket, "s3UploadId">>;

/**
 * The profile's metadata fields out of everything Uppy sends: other keys are ignored, an empty
 * or null value counts as absent, numbers and booleans as their text; what is kept must be
 * valid metadata (422 otherwise).
 */
export function pickMetadata(profile: Profile, sent: Record<string, unknown> | null | undefined): Record<string, string> {
  const picked: Record<string, unknown> = {};
  for (const key of profile.metadataKeys) {
    const value = sent && Object.hasOwn(sent, key) ? sent[key] : undefined;
    if (value === undefined || value === null || value === "") continue;
    picked[key] = typeof value === "number" || typeof value === "boolean" ? String(value) : value;
  }
  const result = safeParse(Metadata, picked);
  if (!result.success) {
    throw new ValidationError(result.error.issues.map((issue) => ({ path: ["metadata", ...issue.path.map(String)].join("."), message: issue.message })));
  }
  return result.data;
}

/** Whole seconds from `now` to an ISO time (Uppy's `expires`). */
const secondsUntil = (iso: string, now: Date) => Math.max(0, Math.floor((Date.parse(iso) - now.getTime()) / 1000));

/** `GET /s3/params`: a POST policy for one file, with a concrete key, as `/sign/post` makes it. */
export async function uppyParams(deps: UppyDeps, principal: Principal, profileName: string, query: UppyParamsQuery): Promise<UppyParamsResponse> {
  const profile = profileFor(deps.profiles, profileName, principal);
  const metadata = pickMetadata(profile, query.metadata);
  const signed = await signPost(
    { profiles: deps.profiles, signer: deps.signer, writer: deps.writer, clock: deps.clock, ids: deps.ids },
    principal,
    { profile: profile.name, filename: query.filename, contentType: query.type, metadata },
  );
  return { method: "POST", url: signed.url, fields: signed.fields, expires: secondsUntil(signed.expiresAt, deps.clock.now()) };
}

/**
 * `POST /s3/multipart`: creates the S3 upload (type, `x-amz-meta-upload-id` and metadata set
 * there) and a ticket without a declared size, 5 MiB parts and no part count. The ticket lives
 * 24 hours, as every multipart ticket does.
 */
export async function uppyCreate(deps: UppyDeps, principal: Principal, profileName: string, input: UppyCreateRequest): Promise<UppyCreateResponse> {
  const profile = profileFor(deps.profiles, profileName, principal);
  assertMethod(profile, "multipart");
  assertContentType(profile, input.type);
  const start = begin(deps, principal, profile, pickMetadata(profile, input.metadata), MULTIPART_TICKET_SECONDS);
  const key = start.prefix + sanitizeFilename(input.filename);
  const s3UploadId = await deps.multipart.create(key, input.type, start.metadata);
  const now = start.now;
  const ticket = Object.assign(start.ticket, {
    key, method: "MULTIPART", filename: input.filename, contentType: input.type, partSize: UPPY_PART_BYTES, s3UploadId,
  } satisfies Partial<Ticket>) as Ticket;
  try {
    await storeTicket(deps.writer, profile, ticket, now);
  } catch (error) {
    // No ticket, no upload: S3 would bill the parts of an upload nobody can complete.
    await deps.multipart.abort(key, s3UploadId).catch(() => undefined);
    throw error;
  }
  return { key, uploadId: s3UploadId };
}

/**
 * The caller's own Uppy upload: the key names the ticket (under the caller's own prefix), the
 * S3 upload id must be the ticket's and the profile the path's. Anything else, a ticket with a
 * declared size included (`/sign/multipart`'s, whose S3 id is never shown), is 404.
 */
async function ownUpload(deps: UppyDeps, principal: Principal, profileName: string, s3UploadId: string, key: string): Promise<UppyTicket> {
  const parsed = parseObjectKey(key);
  const ticket = parsed && parsed.owner === ownerSegment(principal.sub) ? await deps.tickets.get(parsed.uploadId) : undefined;
  if (
    !ticket || ticket.owner !== principal.sub || ticket.key !== key || ticket.profile !== profileName ||
    ticket.method !== "MULTIPART" || ticket.s3UploadId !== s3UploadId || ticket.declaredSize !== undefined
  ) {
    throw new NotFoundError("No such upload.");
  }
  return ticket as UppyTicket;
}


/**
 * `GET /s3/multipart/{uploadId}/{partNumber}`: a part URL without a signed length (Uppy sends
 * no header); a part number past what `maxBytes` allows → 413.
 */
export async function uppySignPart(
  deps: UppyDeps, principal: Principal, profileName: string, s3UploadId: string, partNumber: number, key: string,
): Promise<UppyPartResponse> {
  const ticket = await ownUpload(deps, principal, profileName, s3UploadId, key);
  const now = deps.clock.now();
  assertOpen(ticket, now);
  const ceiling = maxPartNumber(ticket.maxBytes);
  if (partNumber > ceiling) {
    throw new FileTooLargeError(`The profile '${ticket.profile}' accepts at most ${ticket.maxBytes} bytes: ${ceiling} parts of ${UPPY_PART_BYTES} bytes; part ${partNumber} would be beyond it.`);
  }
  const expiresInSeconds = partUrlSeconds(deps.profiles, ticket, now);
  const signed = await deps.signer.presignPart({ key, s3UploadId, partNumber, expiresInSeconds, signedAt: now });
  return { url: signed.url, expires: secondsUntil(signed.expiresAt, now) };
}

/** `GET /s3/multipart/{uploadId}`: the parts S3 holds, for resuming. */
export async function uppyListParts(deps: UppyDeps, principal: Principal, profileName: string, s3UploadId: string, key: string): Promise<UppyListPartsResponse> {
  const ticket = await ownUpload(deps, principal, profileName, s3UploadId, key);
  assertOpen(ticket, deps.clock.now());
  const parts = await deps.multipart.listParts(key, s3UploadId);
  return parts.map((p) => ({ PartNumber: p.partNumber, Size: p.size, ETag: p.etag }));
}

/**
 * `POST /s3/multipart/{uploadId}/complete`: parts 1..n in order; their sizes as S3 holds them
 * must add up to the ticket's range, else the upload is aborted, the ticket rejected and the
 * answer 413. Then S3 assembles the object and the record step checks it (the same code as the
 * S3 event's, so the two never disagree). Completing again answers the same.
 */
export async function uppyComplete(
  deps: UppyDeps, principal: Principal, profileName: string, s3UploadId: string, key: string, input: UppyCompleteRequest,
): Promise<UppyCompleteResponse> {
  const ticket = await ownUpload(deps, principal, profileName, s3UploadId, key);
  const now = deps.clock.now();
  // Waiting for the malware scan is done as far as the upload goes: its outcome comes as the ticket's events.
  if (ticket.status === "completed" || ticket.status === "scanning") return { location: await objectUrl(deps, ticket, now), key };
  assertOpen(ticket, now);
  const parts = input.parts.map((p) => ({ partNumber: p.PartNumber, etag: p.ETag.replace(/^"|"$/g, "") }));
  const order: ErrorDetail[] = parts.flatMap((p, i) => (p.partNumber === i + 1 ? [] : [{ path: `parts.${i}.PartNumber`, message: `must be ${i + 1}: parts 1 to ${parts.length}, each once, in order` }]));
  if (order.length > 0) throw new ValidationError(order);

  const held = new Map((await deps.multipart.listParts(key, s3UploadId)).map((p) => [p.partNumber, p]));
  // The size is judged from the parts S3 holds, so completing must be from exactly those: a part
  // swapped in after the check would have another ETag, and S3 refuses that list (InvalidPart).
  const missing = parts.flatMap((p, i) =>
    held.get(p.partNumber)?.etag === p.etag ? [] : [{ path: `parts.${i}.ETag`, message: "S3 holds no such part of this upload" }],
  );
  if (missing.length > 0) throw new ValidationError(missing);
  const size = parts.reduce((sum, p) => sum + held.get(p.partNumber)!.size, 0);
  if (size < ticket.minBytes || size > ticket.maxBytes) {
    const reason = `size ${size} is outside the allowed ${ticket.minBytes}-${ticket.maxBytes} bytes`;
    await deps.multipart.abort(key, s3UploadId);
    await deps.tickets.update(ticket, {
      status: "rejected", size, rejectReason: reason, ttl: Math.floor(now.getTime() / 1000) + PENDING_TICKET_RETENTION_SECONDS,
    });
    throw new FileTooLargeError(`The profile '${ticket.profile}' accepts ${ticket.minBytes} to ${ticket.maxBytes} bytes; the parts add up to ${size}. The upload was aborted.`);
  }

  await deps.multipart.complete(key, s3UploadId, parts);
  const result = await recordUpload(deps, key, { eventName: "ObjectCreated:CompleteMultipartUpload" });
  // S3's event may have recorded (and deleted) the object first: the ticket tells what happened.
  const after = await deps.tickets.get(ticket.uploadId);
  if (after?.status === "completed" || after?.status === "scanning") return { location: await objectUrl(deps, ticket, now), key };
  if (after?.status !== "rejected" && result.outcome === "gone") {
    throw new InvalidStateError("S3 holds no such upload any more (aborted, or expired and cleaned up).");
  }
  const reason = after?.rejectReason ?? result.reason ?? "the object does not match its ticket";
  throw new ValidationError([{ path: "file", message: reason }], `The upload was rejected: ${reason}.`);
}

/**
 * `DELETE /s3/multipart/{uploadId}`: a pending upload is aborted in S3 and its ticket `aborted`;
 * anything else (completed, rejected, already aborted) is left as it is. Idempotent.
 */
export async function uppyAbort(deps: UppyDeps, principal: Principal, profileName: string, s3UploadId: string, key: string): Promise<UppyAbortResponse> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const ticket = await ownUpload(deps, principal, profileName, s3UploadId, key);
    if (ticket.status !== "pending") return {};
    await deps.multipart.abort(key, s3UploadId);
    const now = deps.clock.now();
    const changes: Partial<Ticket> = {
      status: "aborted", deletedAt: now.toISOString(), ttl: Math.floor(now.getTime() / 1000) + PENDING_TICKET_RETENTION_SECONDS,
    };
    if (await deps.tickets.update(ticket, changes)) return {};
  }
  throw new Error(`ticket for ${key} changed 5 times while aborting; retry later`);
}

/**
 * The object's URL, as Companion's `location` (S3's CompleteMultipartUpload Location) and as
 * Uppy derives it for a POST: the bucket URL and the escaped key, without a query. The part
 * signer knows where the bucket is and how keys are escaped; its signature is dropped.
 */
async function objectUrl(deps: UppyDeps, ticket: UppyTicket, now: Date): Promise<string> {
  const { url } = await deps.signer.presignPart({ key: ticket.key, s3UploadId: ticket.s3UploadId, partNumber: 1, expiresInSeconds: 1, signedAt: now });
  return url.split("?")[0]!;
}
