/**
 * Recording completed uploads: what S3 really holds is checked against the ticket, and
 * the ticket follows the object. Decisions are pure (`decide`); `recordUpload` reads,
 * decides and writes with optimistic locking, so duplicate and out-of-order events
 * change nothing twice.
 */
import type { ObjectInfo, RecordDeps } from "../ports.js";
import type { Ticket } from "../schemas.js";
import { ownerSegment, parseObjectKey } from "./keys.js";
import { PENDING_TICKET_RETENTION_SECONDS, UPLOAD_ID_METADATA_KEY, UPLOADS_PREFIX } from "./limits.js";
import { contentTypeAllowed } from "./profiles.js";

export type Outcome =
  | "completed"
  | "rejected"
  | "deleted_orphan"
  | "deleted_second_object"
  | "deleted_unexpected_key"
  | "duplicate"
  | "stale"
  | "gone"
  | "ignored";

export interface RecordResult {
  key: string;
  uploadId?: string;
  outcome: Outcome;
  reason?: string;
}

type Decision =
  /** Write `changes` to the ticket (and delete the object when `deleteObject`). */
  | { kind: "update"; outcome: "completed" | "rejected"; changes: Partial<Ticket>; deleteObject: boolean; reason?: string }
  /** Delete the object; the ticket stays as it is. */
  | { kind: "delete"; outcome: Outcome; reason: string }
  /** Nothing to do. */
  | { kind: "none"; outcome: Outcome; reason?: string };

/** Why an object does not match its ticket; empty when it does. */
function objectProblems(ticket: Ticket, object: ObjectInfo): string[] {
  const problems: string[] = [];
  if (object.size < ticket.minBytes || object.size > ticket.maxBytes) {
    problems.push(`size ${object.size} is outside the allowed ${ticket.minBytes}-${ticket.maxBytes} bytes`);
  }
  if (ticket.declaredSize !== undefined && object.size !== ticket.declaredSize) {
    problems.push(`size ${object.size} differs from the declared ${ticket.declaredSize} bytes`);
  }
  const contentType = object.contentType.split(";")[0]!.trim().toLowerCase();
  if (!contentTypeAllowed([ticket.contentType], contentType)) {
    problems.push(`content type '${object.contentType}' is not ${ticket.contentType}`);
  }
  const { [UPLOAD_ID_METADATA_KEY]: uploadId, ...metadata } = object.metadata;
  if (uploadId !== ticket.uploadId) problems.push(`x-amz-meta-${UPLOAD_ID_METADATA_KEY} is not this ticket's id`);
  const names = new Set([...Object.keys(metadata), ...Object.keys(ticket.metadata)]);
  const differing = [...names].filter((name) => metadata[name] !== ticket.metadata[name]).sort();
  if (differing.length > 0) problems.push(`metadata differs from the ticket (${differing.join(", ")})`);
  return problems;
}

/**
 * Whether the ticket could have produced `key`: its exact key, or any name under a
 * `${filename}` POST. `recordUpload` only hands over tickets whose owner and id the key holds.
 */
function keyAllowed(ticket: Ticket, key: string): boolean {
  return (ticket.method === "POST" && ticket.filename === undefined) || key === ticket.key;
}

/** What to do about the object now at `key`, given its ticket (pure). */
function decide(ticket: Ticket | undefined, key: string, object: ObjectInfo | undefined, now: Date): Decision {
  if (!object) return { kind: "none", outcome: "gone", reason: "the object no longer exists" };
  if (!ticket) return { kind: "delete", outcome: "deleted_orphan", reason: "no ticket for this key" };
  if (!keyAllowed(ticket, key)) return { kind: "delete", outcome: "deleted_unexpected_key", reason: "the ticket does not allow this key" };
  if (ticket.status === "completed" && ticket.key !== key) {
    return { kind: "delete", outcome: "deleted_second_object", reason: `the ticket already completed with ${ticket.key}` };
  }
  const modifiedAt = object.lastModified.toISOString();
  if (ticket.objectModifiedAt && ticket.key === key && modifiedAt < ticket.objectModifiedAt) {
    return { kind: "none", outcome: "stale", reason: "a newer object is already recorded" };
  }
  const seen = ticket.key === key && ticket.etag === object.etag;
  const problems = objectProblems(ticket, object);
  if (problems.length === 0) {
    if (ticket.status === "completed" && seen) return { kind: "none", outcome: "duplicate" };
    return {
      kind: "update",
      outcome: "completed",
      deleteObject: false,
      changes: {
        status: "completed", key, size: object.size, etag: object.etag, completedAt: modifiedAt,
        objectModifiedAt: modifiedAt, rejectReason: undefined, ttl: undefined,
      },
    };
  }
  const reason = problems.join("; ");
  if (ticket.status === "rejected" && seen && ticket.rejectReason === reason) {
    return { kind: "delete", outcome: "rejected", reason };
  }
  return {
    kind: "update",
    outcome: "rejected",
    deleteObject: true,
    reason,
    changes: {
      status: "rejected", key, size: object.size, etag: object.etag, rejectReason: reason, objectModifiedAt: modifiedAt,
      completedAt: undefined, ttl: Math.floor(now.getTime() / 1000) + PENDING_TICKET_RETENTION_SECONDS,
    },
  };
}

const MAX_ATTEMPTS = 5;

/**
 * Records the object at `key` (already decoded). Reads the ticket before `HeadObject`, so
 * a write conditional on the ticket's version is always based on an object state at
 * least as new as the one behind that version. Throws on transient failures.
 */
export async function recordUpload(deps: RecordDeps, key: string): Promise<RecordResult> {
  if (!key.startsWith(UPLOADS_PREFIX)) return { key, outcome: "ignored", reason: `outside ${UPLOADS_PREFIX}` };
  const parsed = parseObjectKey(key);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const found = parsed ? await deps.tickets.get(parsed.uploadId) : undefined;
    const ticket = found && ownerSegment(found.owner) === parsed?.owner ? found : undefined;
    const object = await deps.objects.head(key);
    const decision = decide(ticket, key, object, deps.clock.now());
    const result = { key, ...(parsed ? { uploadId: parsed.uploadId } : {}), outcome: decision.outcome, ...(decision.reason ? { reason: decision.reason } : {}) };
    if (decision.kind === "update") {
      if (!(await deps.tickets.update(ticket!.uploadId, ticket!.version, decision.changes))) continue;
      if (decision.deleteObject) await deps.objects.delete(key);
    } else if (decision.kind === "delete") {
      await deps.objects.delete(key);
    }
    return result;
  }
  throw new Error(`ticket for ${key} changed ${MAX_ATTEMPTS} times while recording; retry later`);
}
