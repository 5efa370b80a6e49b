/** The sweeper's ports in memory: the sparse index over `MemoryTicketStore`, and listing objects. */
import type { ObjectLister, PendingIndex } from "../../functions/ports.js";
import type { Ticket } from "../../functions/schemas.js";
import { MemoryObjectStore, MemoryTicketStore } from "./fixtures.js";

/**
 * Tickets with the sweep index's semantics: a ticket is listed when written pending (as the
 * writer sets `sweepShard`), and unlisted by any update to another status or by `unlist`.
 */
export class IndexedTicketStore extends MemoryTicketStore implements PendingIndex {
  readonly listed = new Set<string>();

  override async create(ticket: Ticket): Promise<void> {
    await super.create(ticket);
    if (ticket.status === "pending") this.listed.add(ticket.uploadId);
  }

  override async update(ticket: Ticket, changes: Partial<Ticket>): Promise<boolean> {
    const done = await super.update(ticket, changes);
    if (done && this.items.get(ticket.uploadId)?.status !== "pending") this.listed.delete(ticket.uploadId);
    return done;
  }

  async expiredBefore(before: string, limit: number): Promise<string[]> {
    return [...this.listed]
      .map((id) => this.items.get(id)!)
      .filter((t) => t.expiresAt < before)
      .sort((a, b) => a.expiresAt.localeCompare(b.expiresAt))
      .slice(0, limit)
      .map((t) => t.uploadId);
  }

  async unlist(ticket: Ticket): Promise<boolean> {
    const current = this.items.get(ticket.uploadId);
    if (!current || current.version !== ticket.version || current.status !== "pending") return false;
    this.items.set(ticket.uploadId, { ...current, version: current.version + 1 });
    this.listed.delete(ticket.uploadId);
    return true;
  }
}

/** ListObjectsV2 over the in-memory bucket. */
export const memoryLister = (objects: MemoryObjectStore): ObjectLister => ({
  keys: async (prefix, max) => [...objects.objects.keys()].filter((k) => k.startsWith(prefix)).sort().slice(0, max),
});
