import { createHash } from "node:crypto";
import { NotFoundError, ValidationError } from "../errors.js";
import type { StatusDeps, TicketPosition } from "../ports.js";
import { TicketView, type ListUploadsQuery, type ListUploadsResponse, type Ticket, type ViewStatus } from "../schemas.js";
import { ULID } from "./keys.js";
import type { FileUrls } from "./public-files.js";
import { EXPIRED_GRACE_SECONDS } from "./limits.js";
import type { Principal } from "./principal.js";


/** The moment before which a pending ticket's `expiresAt` makes it `expired`. */
const expiredBefore = (now: Date) => new Date(now.getTime() - EXPIRED_GRACE_SECONDS * 1000).toISOString();

function viewStatus(ticket: Ticket, now: Date): ViewStatus {
  return ticket.status === "pending" && ticket.expiresAt < expiredBefore(now) ? "expired" : ticket.status;
}

/** The ticket fields a client sees (all of `TicketView` but the derived status and file URL). */
const VIEW_FIELDS = Object.keys(TicketView.shape).filter((name) => name !== "status" && name !== "fileUrl") as Array<keyof Ticket>;

/** What a client sees of its ticket; `fileUrl` names where a public profile's completed upload is served. */
export function ticketView(ticket: Ticket, now: Date, fileUrl?: FileUrls): TicketView {
  const view: Record<string, unknown> = { status: viewStatus(ticket, now) };
  for (const name of VIEW_FIELDS) if (ticket[name] !== undefined) view[name] = ticket[name];
  const url = fileUrl?.(ticket);
  if (url !== undefined) view.fileUrl = url;
  return view as TicketView;
}

/** `GET /uploads/{id}`: the caller's own ticket; unknown or someone else's → 404. */
export async function getUpload(deps: StatusDeps, principal: Principal, uploadId: string): Promise<TicketView> {
  const ticket = ULID.test(uploadId) ? await deps.tickets.get(uploadId) : undefined;
  if (!ticket || ticket.owner !== principal.sub) throw new NotFoundError("No such upload.");
  return ticketView(ticket, deps.clock.now(), deps.fileUrl);
}

/** `GET /uploads`: the caller's tickets, newest first, paged by an opaque cursor. */
export async function listUploads(deps: StatusDeps, principal: Principal, query: ListUploadsQuery): Promise<ListUploadsResponse> {
  const now = deps.clock.now();
  const page = await deps.tickets.listByOwner(principal.sub, {
    limit: query.limit,
    ...(query.cursor ? { after: decodeCursor(query.cursor, principal.sub) } : {}),
    ...(query.status ? { status: query.status } : {}),
    expiredBefore: expiredBefore(now),
  });
  return { items: page.items.map((t) => ticketView(t, now, deps.fileUrl)), nextCursor: page.next ? encodeCursor(page.next) : null };
}

/**
 * A cursor names the owner by a short hash, not by `sub` (which may be 1 KB): enough to
 * refuse a cursor issued to someone else, and the length stays bounded.
 */
const ownerTag = (owner: string) => createHash("sha256").update(owner).digest("base64url").slice(0, 16);

export function encodeCursor(position: TicketPosition): string {
  return Buffer.from(JSON.stringify([ownerTag(position.owner), position.createdAt, position.uploadId])).toString("base64url");
}

/** Reads a cursor; one that is malformed or was issued to someone else → 422. */
function decodeCursor(cursor: string, owner: string): TicketPosition {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    parts = undefined;
  }
  if (
    Array.isArray(parts) && parts.length === 3 && parts[0] === ownerTag(owner) &&
    typeof parts[1] === "string" && !Number.isNaN(Date.parse(parts[1])) &&
    typeof parts[2] === "string" && ULID.test(parts[2])
  ) {
    return { owner, createdAt: parts[1], uploadId: parts[2] };
  }
  throw new ValidationError([{ path: "cursor", message: "is not a cursor this API gave you" }]);
}
