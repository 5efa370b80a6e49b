/**
 * The sweeper: pending tickets past their expiry, found through the sparse index. An object
 * that is there after all means its S3 event was lost: it is recorded now (rescued). Without
 * one, the ticket is taken out of the index (it stays `pending`, which the views show as
 * `expired`) and a multipart upload is aborted. Safe beside the record step: both write only
 * conditionally on the ticket's version, and each reads again when it loses.
 */
import type { MultipartStore, ObjectLister, PendingIndex, RecordDeps } from "../ports.js";
import type { Ticket } from "../schemas.js";
import { keyPrefix } from "./keys.js";
import { EXPIRED_GRACE_SECONDS } from "./limits.js";
import { recordUpload, type RecordResult } from "./record.js";

export interface SweepDeps extends RecordDeps {
  index: PendingIndex;
  lister: ObjectLister;
  multipart: Pick<MultipartStore, "abort">;
}

export interface SweepOptions {
  /** Tickets one run looks at; the next run takes the rest. @default 500 */
  limit?: number;
  /** Tickets looked at at once. @default 4 */
  concurrency?: number;
}

/** What one ticket came to. */
export type Swept =
  | { uploadId: string; outcome: "rescued"; profile: string; results: RecordResult[] }
  | { uploadId: string; outcome: "expired"; profile: string; aborted: boolean }
  | { uploadId: string; outcome: "skipped" }
  | { uploadId: string; outcome: "failed"; error: unknown };

export interface SweepSummary {
  swept: Swept[];
  /** The failures among `swept`: the run fails, and the next one tries them again. */
  failures: unknown[];
}

const MAX_ATTEMPTS = 5;
/** A `${filename}` POST ticket has one object; a second one is listed to be deleted. */
const LISTED_KEYS = 2;

/**
 * Sweeps pending tickets whose `expiresAt` is more than the 15-minute grace ago (when the
 * views start showing them `expired` and their pending slot's lease ends): no upload for them
 * can still be on its way. Never throws for one ticket: failures are collected in the summary.
 */
export async function sweepExpired(deps: SweepDeps, options: SweepOptions = {}): Promise<SweepSummary> {
  const cut = new Date(deps.clock.now().getTime() - EXPIRED_GRACE_SECONDS * 1000).toISOString();
  const ids = await deps.index.expiredBefore(cut, options.limit ?? 500);
  const swept: Swept[] = [];
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const uploadId = ids[next++]!;
      swept.push(await sweepOne(deps, uploadId, cut).catch((error: unknown) => ({ uploadId, outcome: "failed" as const, error })));
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, ids.length) }, worker));
  return { swept, failures: swept.flatMap((s) => (s.outcome === "failed" ? [s.error] : [])) };
}

/** The keys the ticket's upload may have made: its own key, or whatever S3 named a `${filename}` POST. */
async function objectKeys(deps: SweepDeps, ticket: Ticket): Promise<string[]> {
  if (ticket.method === "POST" && ticket.filename === undefined) {
    return deps.lister.keys(keyPrefix(ticket.owner, ticket.uploadId), LISTED_KEYS);
  }
  return (await deps.objects.head(ticket.key)) ? [ticket.key] : [];
}

/** One ticket: rescued, expired, or skipped when the index was behind the table. */
export async function sweepOne(deps: SweepDeps, uploadId: string, cut: string): Promise<Swept> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    let ticket = await deps.tickets.get(uploadId);
    // The index is eventually consistent: the ticket may have moved on (or be gone by TTL).
    if (!ticket || ticket.status !== "pending" || ticket.expiresAt >= cut) return { uploadId, outcome: "skipped" };
    const keys = await objectKeys(deps, ticket);
    if (keys.length > 0) {
      const results: RecordResult[] = [];
      for (const key of keys) results.push(await recordUpload(deps, key));
      const after = await deps.tickets.get(uploadId);
      if (after && after.status !== "pending") return { uploadId, outcome: "rescued", profile: ticket.profile, results };
      if (!after) return { uploadId, outcome: "skipped" };
      ticket = after; // the objects were not its upload after all (or vanished): it expired
    }
    const aborted = ticket.method === "MULTIPART" && ticket.s3UploadId !== undefined;
    if (aborted) await deps.multipart.abort(ticket.key, ticket.s3UploadId!);
    if (await deps.index.unlist(ticket)) return { uploadId, outcome: "expired", profile: ticket.profile, aborted };
  }
  throw new Error(`ticket ${uploadId} changed ${MAX_ATTEMPTS} times while sweeping; the next run tries again`);
}
