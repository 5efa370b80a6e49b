/**
 * Life after the upload: a download link under the original name, and deletes (abort a pending
 * upload, delete a completed object). Owner only; deleting is idempotent.
 */
import contentDisposition from "content-disposition";
import { InvalidStateError, NotFoundError } from "../errors.js";
import type { Clock, GetSigner, MultipartStore, ObjectStore, TicketStore } from "../ports.js";
import type { DownloadResponse, Ticket, TicketView } from "../schemas.js";
import { parseObjectKey, sanitizeFilename } from "./keys.js";
import { DOWNLOAD_URL_SECONDS, PENDING_TICKET_RETENTION_SECONDS } from "./limits.js";
import type { Principal } from "./principal.js";
import type { FileUrls } from "./public-files.js";
import { ticketView } from "./uploads.js";

export interface AfterUploadDeps {
  tickets: TicketStore;
  objects: Pick<ObjectStore, "delete">;
  multipart: Pick<MultipartStore, "abort">;
  signer: GetSigner;
  clock: Clock;
  /** Where completed uploads of public profiles are served. @default - no fileUrl */
  fileUrl?: FileUrls;
}

async function own(deps: Pick<AfterUploadDeps, "tickets">, principal: Principal, uploadId: string): Promise<Ticket> {
  const ticket = await deps.tickets.get(uploadId);
  if (!ticket || ticket.owner !== principal.sub) throw new NotFoundError("No such upload.");
  return ticket;
}

/** The name the file had on the client: the ticket's, or the one S3 filled in for `${filename}`. */
const originalName = (ticket: Ticket) => ticket.filename ?? parseObjectKey(ticket.key)?.name ?? "file";

/**
 * `GET /uploads/{id}/download`: a presigned GET, valid 5 minutes (less if its credentials end sooner), that makes the browser save the
 * file under its original name (RFC 6266: an ASCII `filename` and the exact UTF-8 `filename*`)
 * with the content type the ticket allowed. Only a completed upload has one (else 409).
 */
export async function downloadUpload(deps: AfterUploadDeps, principal: Principal, uploadId: string): Promise<DownloadResponse> {
  const ticket = await own(deps, principal, uploadId);
  if (ticket.status !== "completed") throw new InvalidStateError(`The upload is ${ticketView(ticket, deps.clock.now()).status}; only a completed upload can be downloaded.`);
  const now = deps.clock.now();
  const name = originalName(ticket);
  return deps.signer.presignGet({
    key: ticket.key,
    responseHeaders: {
      "content-disposition": contentDisposition(name, { type: "attachment", fallback: sanitizeFilename(name) }),
      // A `type/*` POST ticket names no exact type: S3 then sends the one it stored.
      ...(ticket.contentType.endsWith("/*") ? {} : { "content-type": ticket.contentType }),
    },
    expiresInSeconds: DOWNLOAD_URL_SECONDS,
    signedAt: now,
  });
}

const MAX_ATTEMPTS = 5;

/**
 * `DELETE /uploads/{id}`: a pending multipart upload is aborted in S3, a pending PUT or POST
 * ticket is `aborted` (whatever still arrives under it is deleted when recorded), a completed
 * object is deleted and its ticket `deleted`. Anything else is answered as it is. Storage goes
 * first and the ticket after, so a failure half-way is mended by deleting again.
 */
export async function deleteUpload(deps: AfterUploadDeps, principal: Principal, uploadId: string): Promise<TicketView> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const ticket = await own(deps, principal, uploadId);
    const now = deps.clock.now();
    const view = ticketView(ticket, now, deps.fileUrl);
    if (view.status !== "pending" && view.status !== "completed" && view.status !== "scanning") return view;
    // A stored object (completed, or waiting for its malware scan) is deleted; its late scan
    // result then finds no ticket holding it.
    const stored = ticket.status === "completed" || ticket.status === "scanning";
    if (stored) await deps.objects.delete(ticket.key);
    else if (ticket.method === "MULTIPART" && ticket.s3UploadId) await deps.multipart.abort(ticket.key, ticket.s3UploadId);
    const changes: Partial<Ticket> = {
      status: stored ? "deleted" : "aborted",
      deletedAt: now.toISOString(),
      // Kept for the owner to see a while, then gone like any finished ticket.
      ttl: Math.floor(now.getTime() / 1000) + PENDING_TICKET_RETENTION_SECONDS,
    };
    if (await deps.tickets.update(ticket, changes)) return ticketView({ ...ticket, ...changes, version: ticket.version + 1 }, now);
  }
  throw new Error(`ticket ${uploadId} changed ${MAX_ATTEMPTS} times while deleting; retry later`);
}
