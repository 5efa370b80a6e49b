/**
 * The malware scan's verdict on a recorded object: `scanning` → `completed` when GuardDuty
 * found no threat, → `rejected` (and the object deleted) otherwise. A result is applied only
 * to the object it is about (its key and ETag), so a result for a replaced object, a duplicate
 * or a late one changes nothing.
 */
import type { Clock, ObjectStore, TicketStore } from "../ports.js";
import type { ScanResultEvent, ScanResultStatus } from "../schemas/guardduty.js";
import type { Ticket } from "../schemas.js";
import { ownerSegment, parseObjectKey } from "./keys.js";
import { PENDING_TICKET_RETENTION_SECONDS, UPLOADS_PREFIX } from "./limits.js";

export interface ScanResultDeps {
  bucket: string;
  tickets: TicketStore;
  objects: ObjectStore;
  clock: Clock;
}

export interface ScanOutcome {
  key: string;
  uploadId?: string;
  /** `held`: clean, but before the record step; kept on the ticket for it. */
  outcome: "completed" | "rejected" | "held" | "duplicate" | "stale" | "ignored";
  reason?: string;
}

/**
 * Why a scan result keeps the object from counting; `undefined` for no threat. Anything but a
 * clean scan refuses the object: `completed` promises it was scanned clean, and an object the
 * scan could not read (UNSUPPORTED: e.g. a password-protected archive; ACCESS_DENIED: the plan's
 * role; FAILED) is not known to be.
 */
export function scanRejectReason(status: ScanResultStatus, threats: ReadonlyArray<{ name: string }> = []): string | undefined {
  switch (status) {
    case "NO_THREATS_FOUND": return undefined;
    case "THREATS_FOUND": return `the malware scan found ${threats.length > 0 ? threats.map((t) => t.name).join(", ") : "a threat"}`;
    case "UNSUPPORTED": return "the malware scan cannot scan this object (UNSUPPORTED: e.g. an encrypted or password-protected archive); it is not kept unscanned";
    case "ACCESS_DENIED": return "the malware scan was denied access to the object (ACCESS_DENIED); it is not kept unscanned";
    case "FAILED": return "the malware scan failed (FAILED); it is not kept unscanned";
  }
}

const MAX_ATTEMPTS = 5;

/** Applies one scan result. Throws on transient failures (the event is retried; applying it twice is safe). */
export async function applyScanResult(deps: ScanResultDeps, event: ScanResultEvent): Promise<ScanOutcome> {
  const { s3ObjectDetails: object, scanResultDetails: result } = event.detail;
  const key = object.objectKey;
  const etag = object.eTag?.replace(/^"|"$/g, "");
  if (object.bucketName !== deps.bucket || !key.startsWith(UPLOADS_PREFIX)) return { key, outcome: "ignored", reason: "not an upload of this broker" };
  const parsed = parseObjectKey(key);
  const reason = scanRejectReason(result.scanResultStatus, result.threats ?? []);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const found = parsed ? await deps.tickets.get(parsed.uploadId) : undefined;
    const ticket = found && ownerSegment(found.owner) === parsed?.owner ? found : undefined;
    const base = { key, ...(parsed ? { uploadId: parsed.uploadId } : {}) };
    // A clean result that arrives before the record step (its S3 event late or lost, the
    // sweeper yet to rescue it): the ticket is pending and knows no ETag. The verdict is kept on
    // the ticket for the record step to use, or the upload would wait in `scanning` for a result
    // already given. (A threat is deleted below; the record step then finds no object.)
    if (reason === undefined && ticket?.status === "pending" && ticket.etag === undefined && etag !== undefined) {
      if (ticket.cleanScanEtag === etag) return { ...base, outcome: "duplicate" };
      if (!(await deps.tickets.update(ticket, { cleanScanEtag: etag, cleanScanAt: event.time }))) continue;
      return { ...base, outcome: "held" };
    }
    const mine = ticket !== undefined && ticket.key === key && etag !== undefined && ticket.etag === etag;
    if (!mine) {
      // A threat is deleted even when no ticket holds that object any more; nothing else is touched.
      if (reason !== undefined && etag !== undefined) await deleteScanned(deps, key, etag);
      return { ...base, outcome: "stale", reason: "the result is not about the object its ticket holds" };
    }
    // A threat in an object its ticket holds is never kept, whatever the ticket says by now.
    if (ticket.status !== "scanning" && !(reason !== undefined && ticket.status === "completed")) {
      if (reason !== undefined && ticket.status === "rejected") await deleteScanned(deps, key, etag);
      return { ...base, outcome: ticket.status === (reason === undefined ? "completed" : "rejected") ? "duplicate" : "stale", ...(reason ? { reason } : {}) };
    }
    const changes: Partial<Ticket> =
      reason === undefined
        ? { status: "completed", completedAt: event.time }
        : { status: "rejected", rejectReason: reason, ttl: Math.floor(deps.clock.now().getTime() / 1000) + PENDING_TICKET_RETENTION_SECONDS };
    if (!(await deps.tickets.update(ticket, changes))) continue;
    if (reason !== undefined) await deleteScanned(deps, key, etag);
    return { ...base, outcome: reason === undefined ? "completed" : "rejected", ...(reason ? { reason } : {}) };
  }
  throw new Error(`ticket for ${key} changed ${MAX_ATTEMPTS} times while applying its scan result; retry later`);
}

/** Deletes the scanned object, not one that replaced it since (conditional on its ETag). */
async function deleteScanned(deps: ScanResultDeps, key: string, etag: string): Promise<void> {
  const now = await deps.objects.head(key);
  if (now && now.etag === etag) await deps.objects.delete(key, etag);
}
