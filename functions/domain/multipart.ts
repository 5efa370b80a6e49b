/**
 * Multipart uploads after the ticket: the part plan, part URLs each signed for its exact
 * length, the parts S3 holds (for resuming) and completing. Every call is bound to the
 * caller's own pending multipart ticket; S3's upload id never leaves the broker.
 */
import { InvalidStateError, NotFoundError, ValidationError, type ErrorDetail } from "../errors.js";
import type { Clock, MultipartStore, ObjectStore, PartSigner, TicketStore } from "../ports.js";
import type { CompleteRequest, ListPartsResponse, Profile, SignPartsRequest, SignPartsResponse, Ticket, TicketView } from "../schemas.js";
import { DEFAULT_EXPIRES_IN_SECONDS } from "./limits.js";
import { partLength } from "./parts.js";
import type { Principal } from "./principal.js";
import type { FileUrls } from "./public-files.js";
import { recordUpload } from "./record.js";
import { ticketView } from "./uploads.js";

/** What the multipart follow-ups need. */
export interface MultipartDeps {
  profiles: readonly Profile[];
  tickets: TicketStore;
  objects: ObjectStore;
  multipart: MultipartStore;
  signer: PartSigner;
  clock: Clock;
  /** Malware scanning is on: a completed upload waits in `scanning` (see `RecordDeps.scan`). */
  scan?: boolean;
  /** Where completed uploads of public profiles are served. @default - no fileUrl */
  fileUrl?: FileUrls;
}

type MultipartTicket = Ticket & Required<Pick<Ticket, "partSize" | "partCount" | "s3UploadId" | "declaredSize">>;

/** The caller's own multipart ticket: someone else's or unknown → 404; another method → 409. */
async function ownMultipart(deps: MultipartDeps, principal: Principal, uploadId: string): Promise<MultipartTicket> {
  const ticket = await deps.tickets.get(uploadId);
  if (!ticket || ticket.owner !== principal.sub) throw new NotFoundError("No such upload.");
  if (ticket.method !== "MULTIPART" || !ticket.s3UploadId) throw new InvalidStateError(`This is a ${ticket.method} upload, not a multipart one.`);
  if (ticket.declaredSize === undefined) throw new InvalidStateError("This upload was started through the Uppy routes; continue it there.");
  return ticket as MultipartTicket;
}

/** Only a pending ticket that has not expired takes parts. */
export function assertOpen(ticket: Ticket, now: Date): void {
  if (ticket.status !== "pending") throw new InvalidStateError(`The upload is ${ticket.status}; it takes no more parts.`);
  if (now.toISOString() > ticket.expiresAt) throw new InvalidStateError(`The upload expired at ${ticket.expiresAt}; start a new one.`);
}

/** How long a part URL lives: as long as the profile says, and never beyond the ticket itself. */
export function partUrlSeconds(profiles: readonly Profile[], ticket: Ticket, now: Date): number {
  const lifetime = profiles.find((p) => p.name === ticket.profile)?.expiresInSeconds ?? DEFAULT_EXPIRES_IN_SECONDS;
  return Math.max(1, Math.min(lifetime, Math.floor((Date.parse(ticket.expiresAt) - now.getTime()) / 1000)));
}

/**
 * `POST /uploads/{id}/parts`: part URLs, each signed for its part's exact length and, when the
 * client sent it, its MD5 (`content-md5`). `expiresAt` is when the first of them expires.
 */
export async function signParts(deps: MultipartDeps, principal: Principal, uploadId: string, input: SignPartsRequest): Promise<SignPartsResponse> {
  const ticket = await ownMultipart(deps, principal, uploadId);
  const now = deps.clock.now();
  assertOpen(ticket, now);
  const [wanted, field] = input.parts ? [input.parts, "parts"] : [(input.partNumbers ?? []).map((partNumber) => ({ partNumber })), "partNumbers"];
  const outside = wanted.flatMap(({ partNumber }, i) =>
    partNumber > ticket.partCount ? [{ path: field === "parts" ? `parts.${i}.partNumber` : `partNumbers.${i}`, message: `the upload has parts 1 to ${ticket.partCount}` }] : [],
  );
  if (outside.length > 0) throw new ValidationError(outside);
  const expiresInSeconds = partUrlSeconds(deps.profiles, ticket, now);
  const signed = await Promise.all(
    wanted.map(async ({ partNumber, contentMd5 }: { partNumber: number; contentMd5?: string }) => {
      const contentLength = partLength(ticket.declaredSize, ticket, partNumber);
      const url = await deps.signer.presignPart({
        key: ticket.key, s3UploadId: ticket.s3UploadId, partNumber, contentLength, ...(contentMd5 ? { contentMd5 } : {}), expiresInSeconds, signedAt: now,
      });
      return { partNumber, ...url };
    }),
  );
  const expiresAt = signed.reduce((first, p) => (p.expiresAt < first ? p.expiresAt : first), signed[0]!.expiresAt);
  return { parts: signed.map(({ partNumber, url, headers }) => ({ partNumber, url, headers })), expiresAt };
}

/** `GET /uploads/{id}/parts`: what S3 holds, for resuming after a crash or a reload. */
export async function listParts(deps: MultipartDeps, principal: Principal, uploadId: string): Promise<ListPartsResponse> {
  const ticket = await ownMultipart(deps, principal, uploadId);
  assertOpen(ticket, deps.clock.now());
  return { parts: await deps.multipart.listParts(ticket.key, ticket.s3UploadId) };
}

/** Why a part list is not exactly parts 1..`count`, in order; empty when it is. */
export function partListProblems(parts: CompleteRequest["parts"], count: number): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  parts.forEach((part, i) => {
    if (part.partNumber !== i + 1) problems.push({ path: `parts.${i}.partNumber`, message: `must be ${i + 1}: parts 1 to ${count}, each once, in order` });
  });
  if (parts.length !== count) problems.push({ path: "parts", message: `must name all ${count} parts, not ${parts.length}` });
  return problems;
}

/**
 * `POST /uploads/{id}/complete`: completes the upload from exactly parts 1..partCount, checks
 * the object as the record step does (the same code: the two never disagree and either may run
 * first) and answers the final view. Completing again after that answers the same view.
 */
export async function completeUpload(deps: MultipartDeps, principal: Principal, uploadId: string, input: CompleteRequest): Promise<TicketView> {
  const ticket = await ownMultipart(deps, principal, uploadId);
  if ((ticket.status === "completed" || ticket.status === "scanning" || ticket.status === "rejected") && ticket.etag) {
    // A rejected object whose delete failed the first time is deleted now (the record step
    // deletes what a rejected ticket still finds); the answer is the same view either way.
    if (ticket.status === "rejected") await recordUpload(deps, ticket.key, { eventName: "ObjectCreated:CompleteMultipartUpload" });
    return ticketView((await deps.tickets.get(uploadId)) ?? ticket, deps.clock.now(), deps.fileUrl);
  }
  assertOpen(ticket, deps.clock.now());
  const problems = partListProblems(input.parts, ticket.partCount);
  if (problems.length > 0) throw new ValidationError(problems);
  await deps.multipart.complete(ticket.key, ticket.s3UploadId, input.parts);
  const result = await recordUpload(deps, ticket.key, { eventName: "ObjectCreated:CompleteMultipartUpload" });
  if (result.outcome === "gone") throw new InvalidStateError("S3 holds no such upload any more (aborted, or expired and cleaned up).");
  const after = await deps.tickets.get(uploadId);
  return ticketView(after ?? ticket, deps.clock.now(), deps.fileUrl);
}
