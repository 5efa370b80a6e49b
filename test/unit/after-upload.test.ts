/** Deletes in memory: every state a ticket can be in, and what the owner's delete does to it. */
import { describe, expect, it } from "vitest";
import { deleteUpload } from "../../functions/domain/after-upload.js";
import type { Ticket } from "../../functions/schemas.js";
import { MemoryMultipartStore, MemoryObjectStore, MemoryTicketStore, NOW, offlineSigner } from "../support/fixtures.js";

const base: Ticket = {
  uploadId: "01KAGX5Z2N3Q4R5S6T7V8W9XYZ", owner: "alice", profile: "avatar", key: "uploads/alice/01KAGX5Z2N3Q4R5S6T7V8W9XYZ/me.png",
  method: "PUT", contentType: "image/png", declaredSize: 10, minBytes: 1, maxBytes: 99, metadata: {}, status: "pending",
  createdAt: "2026-11-21T09:59:00.000Z", expiresAt: "2026-11-21T10:04:00.000Z", version: 0,
};

async function setup(ticket: Partial<Ticket>) {
  const tickets = new MemoryTicketStore();
  const objects = new MemoryObjectStore();
  await tickets.create({ ...base, ...ticket });
  objects.objects.set(base.key, { size: 10, contentType: "image/png", etag: "e", lastModified: NOW, metadata: {} });
  const deps = { tickets, objects, multipart: new MemoryMultipartStore(), signer: offlineSigner(), clock: { now: () => NOW } };
  return { deps, tickets, objects };
}

describe("DELETE /uploads/{id}", () => {
  it.each([
    ["completed", "deleted", true],
    ["scanning", "deleted", true],
    ["pending", "aborted", false],
  ] as const)("turns a %s ticket %s (object deleted: %s), and answers the same again", async (status, after, deleted) => {
    const { deps, tickets, objects } = await setup({ status, ...(status === "pending" ? {} : { etag: "e", size: 10 }) });
    const alice = { sub: "alice", groups: [] };
    expect((await deleteUpload(deps, alice, base.uploadId)).status).toBe(after);
    expect(objects.objects.has(base.key)).toBe(!deleted);
    expect((await tickets.get(base.uploadId))?.status).toBe(after);
    expect((await deleteUpload(deps, alice, base.uploadId)).status).toBe(after);
  });

  it("answers another user's delete with 404 and changes nothing", async () => {
    const { deps, objects } = await setup({ status: "completed", etag: "e" });
    await expect(deleteUpload(deps, { sub: "bob", groups: [] }, base.uploadId)).rejects.toMatchObject({ status: 404 });
    expect(objects.objects.has(base.key)).toBe(true);
  });
});
