/**
 * Recording completed uploads: what S3 really holds is checked against the ticket, and
 * the ticket follows the object. Decisions are pure (`decide`); `recordUpload` reads,
 * decides and writes with optimistic locking, so duplicate and out-of-order events
 * change nothing twice.
 */
import { QuotaExceededError } from "../errors.js";
import type { ObjectInfo, RecordDeps } from "../ports.js";
import type { Ticket } from "../schemas.js";
import { ownerSegment, parseObjectKey } from "./keys.js";
import { PENDING_TICKET_RETENTION_SECONDS, UPLOAD_ID_METADATA_KEY, UPLOADS_PREFIX } from "./limits.js";
import { CONTENT_SAMPLE_BYTES, contentProblem, verifiesContent } from "./content.js";
import { contentTypeAllowed } from "./profiles.js";

export type Outcome =
  | "completed"
  | "scanning"
  | "failed"
  | "rejected"
  | "deleted_orphan"
  | "deleted_second_object"
  | "deleted_closed_ticket"
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
  | { kind: "update"; outcome: "completed" | "scanning" | "rejected"; changes: Partial<Ticket>; deleteObject: boolean; reason?: string }
  /** Delete the object; the ticket stays as it is. */
  | { kind: "delete"; outcome: Outcome; reason: string }
  /** Nothing to do. */
  | { kind: "none"; outcome: Outcome; reason?: string };

/** What an S3 notification says about the object it reports (both optional: a sweep has neither). */
export interface ObjectEvent {
  /** e.g. `ObjectCreated:Put` (an `s3:` prefix is ignored). */
  eventName?: string;
  /** The ETag of the object the event reports. */
  etag?: string;
}

/** How each kind of ticket creates its object; anything else (a Copy, say) is not its upload. */
const CREATED_BY: Record<Ticket["method"], string> = { PUT: "Put", POST: "Post", MULTIPART: "CompleteMultipartUpload" };

/**
 * A name S3 filled in for `${filename}` that tools could read as a path: separators, dot
 * segments, control or bidi characters. Keys the broker names itself never hold these.
 */
const UNSAFE_NAME = /[\/\\\p{Cc}\p{Cf}]|^\.\.?$/u;

/** The object's own content type, without parameters: the label its bytes are checked against. */
const labelOf = (object: ObjectInfo) => object.contentType.split(";")[0]!.trim().toLowerCase();

/**
 * Why an object does not match its ticket; empty when it does. `content` is what the content
 * check found wrong with its bytes, last: the bytes are read only for an object that passed the rest.
 */
function objectProblems(ticket: Ticket, key: string, object: ObjectInfo, event: ObjectEvent, content?: string): string[] {
  const problems: string[] = [];
  const kind = event.eventName?.replace(/^s3:/, "").replace(/^ObjectCreated:/, "");
  // An event about an older object at this key says nothing about how the current one came.
  if (kind !== undefined && (event.etag === undefined || event.etag === object.etag) && kind !== CREATED_BY[ticket.method]) {
    problems.push(`the object was created by ${kind}, not by the ticket's ${ticket.method} upload`);
  }
  const name = key.slice(key.indexOf(`/${ticket.uploadId}/`) + ticket.uploadId.length + 2);
  if (ticket.method === "POST" && ticket.filename === undefined && UNSAFE_NAME.test(name)) {
    problems.push(`the file name '${JSON.stringify(name).slice(1, -1)}' holds path separators, dot segments or control characters`);
  }
  if (object.size < ticket.minBytes || object.size > ticket.maxBytes) {
    problems.push(`size ${object.size} is outside the allowed ${ticket.minBytes}-${ticket.maxBytes} bytes`);
  }
  if (ticket.declaredSize !== undefined && object.size !== ticket.declaredSize) {
    problems.push(`size ${object.size} differs from the declared ${ticket.declaredSize} bytes`);
  }
  if (!contentTypeAllowed([ticket.contentType], labelOf(object))) {
    problems.push(`content type '${object.contentType}' is not ${ticket.contentType}`);
  }
  const { [UPLOAD_ID_METADATA_KEY]: uploadId, ...metadata } = object.metadata;
  if (uploadId !== ticket.uploadId) problems.push(`x-amz-meta-${UPLOAD_ID_METADATA_KEY} is not this ticket's id`);
  const names = new Set([...Object.keys(metadata), ...Object.keys(ticket.metadata)]);
  const differing = [...names].filter((name) => metadata[name] !== ticket.metadata[name]).sort();
  if (differing.length > 0) problems.push(`metadata differs from the ticket (${differing.join(", ")})`);
  if (content !== undefined) problems.push(content);
  return problems;
}

/**
 * Whether the ticket could have produced `key`: its exact key, or any name under a
 * `${filename}` POST. `recordUpload` only hands over tickets whose owner and id the key holds.
 */
function keyAllowed(ticket: Ticket, key: string): boolean {
  return (ticket.method === "POST" && ticket.filename === undefined) || key === ticket.key;
}

/**
 * What to do about the object now at `key`, given its ticket (pure). With `scan`, an object that
 * passes waits in `scanning` for the malware scan; `content` is the content check's finding.
 */
function decide(ticket: Ticket | undefined, key: string, object: ObjectInfo | undefined, event: ObjectEvent, now: Date, scan = false, content?: string): Decision {
  if (!object) return { kind: "none", outcome: "gone", reason: "the object no longer exists" };
  if (!ticket) return { kind: "delete", outcome: "deleted_orphan", reason: "no ticket for this key" };
  if (!keyAllowed(ticket, key)) return { kind: "delete", outcome: "deleted_unexpected_key", reason: "the ticket does not allow this key" };
  if (ticket.status === "aborted" || ticket.status === "deleted") {
    return { kind: "delete", outcome: "deleted_closed_ticket", reason: `the owner ${ticket.status === "aborted" ? "aborted" : "deleted"} this upload` };
  }
  if ((ticket.status === "completed" || ticket.status === "scanning") && ticket.key !== key) {
    return { kind: "delete", outcome: "deleted_second_object", reason: `the ticket already completed with ${ticket.key}` };
  }
  const modifiedAt = object.lastModified.toISOString();
  if (ticket.objectModifiedAt && ticket.key === key && modifiedAt < ticket.objectModifiedAt) {
    return { kind: "none", outcome: "stale", reason: "a newer object is already recorded" };
  }
  const seen = ticket.key === key && ticket.etag === object.etag;
  const problems = objectProblems(ticket, key, object, event, content);
  if (problems.length === 0) {
    if ((ticket.status === "completed" || ticket.status === "scanning") && seen) return { kind: "none", outcome: "duplicate" };
    // A clean scan result of this very object may have come first (see `Ticket.cleanScanEtag`).
    const vouched = scan && ticket.cleanScanEtag === object.etag;
    const status = scan && !vouched ? "scanning" : "completed";
    return {
      kind: "update",
      outcome: status,
      deleteObject: false,
      changes: {
        status, key, size: object.size, etag: object.etag, completedAt: status === "scanning" ? undefined : vouched ? ticket.cleanScanAt : modifiedAt,
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

/** Whether two looks at a key saw the same object (an ETag alone misses a same-bytes re-upload). */
const sameObject = (a: ObjectInfo, b: ObjectInfo) =>
  a.etag === b.etag && a.size === b.size && a.contentType === b.contentType &&
  a.lastModified.getTime() === b.lastModified.getTime() && JSON.stringify(a.metadata) === JSON.stringify(b.metadata);

/**
 * Deletes the object that was judged, not whatever is at the key by now: it is looked at once
 * more right before, and the delete itself is conditional on its ETag where the storage
 * supports that (AWS; Ceph RGW ignores If-Match on DeleteObject). False when it was replaced.
 */
async function deleteIfUnchanged(deps: RecordDeps, key: string, judged: ObjectInfo): Promise<boolean> {
  const now = await deps.objects.head(key);
  if (!now) return true;
  return sameObject(now, judged) && (await deps.objects.delete(key, judged.etag));
}

/** Why the judged object's bytes are not what it is labelled; `CHANGED` when it is no longer there to read. */
async function checkContent(deps: RecordDeps, ticket: Ticket, key: string, object: ObjectInfo): Promise<string | undefined | typeof CHANGED> {
  const profile = deps.profiles?.find((p) => p.name === ticket.profile);
  if (!(await verifiesContent(profile, ticket.contentType))) return undefined;
  const head = object.size === 0 ? new Uint8Array() : await deps.objects.readHead(key, Math.min(object.size, CONTENT_SAMPLE_BYTES), object.etag);
  return head === undefined ? CHANGED : contentProblem(labelOf(object), head);
}
const CHANGED = Symbol("changed");

/**
 * Records the object at `key` (already decoded). Reads the ticket before `HeadObject`, so
 * a write conditional on the ticket's version is always based on an object state at
 * least as new as the one behind that version. Only the object that was judged is deleted:
 * when another replaced it meanwhile (a valid re-upload of a POST ticket), nothing is deleted
 * and the new object is decided afresh. With the profile's `verifyContent`, the head of the object
 * (its first `CONTENT_SAMPLE_BYTES`, of the ETag judged) must be what its type says. Throws on
 * transient failures.
 */
export async function recordUpload(deps: RecordDeps, key: string, reported: ObjectEvent = {}): Promise<RecordResult> {
  let event = reported;
  if (!key.startsWith(UPLOADS_PREFIX)) return { key, outcome: "ignored", reason: `outside ${UPLOADS_PREFIX}` };
  const parsed = parseObjectKey(key);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const found = parsed ? await deps.tickets.get(parsed.uploadId) : undefined;
    const ticket = found && ownerSegment(found.owner) === parsed?.owner ? found : undefined;
    const object = await deps.objects.head(key);
    const seen = deps.unreliableEventNames ? {} : event;
    let decision = decide(ticket, key, object, seen, deps.clock.now(), deps.scan);
    if (decision.kind === "update" && decision.outcome !== "rejected") {
      // Only an object that passed every cheap check has its bytes read, and only the one judged.
      const content = await checkContent(deps, ticket!, key, object!);
      if (content === CHANGED) {
        event = {};
        continue;
      }
      if (content !== undefined) decision = decide(ticket, key, object, seen, deps.clock.now(), deps.scan, content);
    }
    if (decision.kind === "update") {
      let updated: boolean;
      try {
        updated = await deps.tickets.update(ticket!, decision.changes);
      } catch (error) {
        // The object would count more bytes than the day has left (a re-upload to a ticket whose
        // bytes were given back): it is rejected like any object that does not fit its ticket.
        if (!(error instanceof QuotaExceededError)) throw error;
        decision = decide(ticket, key, object, seen, deps.clock.now(), deps.scan, "it would exceed today's bytesPerDay quota");
        // (Already rejected for it, the object is only deleted again.)
        updated = decision.kind === "update" ? await deps.tickets.update(ticket!, decision.changes) : true;
      }
      if (!updated) continue;
    }
    if ((decision.kind === "delete" || (decision.kind === "update" && decision.deleteObject)) && !(await deleteIfUnchanged(deps, key, object!))) {
      event = {}; // the event was about the replaced object; the new one has its own
      continue;
    }
    return { key, ...(parsed ? { uploadId: parsed.uploadId } : {}), outcome: decision.outcome, ...(decision.reason ? { reason: decision.reason } : {}) };
  }
  throw new Error(`ticket for ${key} changed ${MAX_ATTEMPTS} times while recording; retry later`);
}
