import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import { signPut } from "../../functions/domain/sign.js";
import { encodeCursor } from "../../functions/domain/uploads.js";
import { makeGetUploadHandler } from "../../functions/handlers/get-upload.js";
import { makeListUploadsHandler } from "../../functions/handlers/list-uploads.js";
import { ListUploadsResponse, TicketView } from "../../functions/schemas.js";
import { monotonicFactory } from "ulid";
import { bodyOf, httpEvent, MemoryTicketStore, memoryDeps, NOW } from "../support/fixtures.js";

const alice = { sub: "alice", groups: [] };

async function setup(count = 3) {
  const tickets = new MemoryTicketStore();
  let now = NOW.getTime();
  const clock = { now: () => new Date(now) };
  const next = monotonicFactory();
  const { deps } = memoryDeps({ writer: tickets, clock, ids: { next: () => next(now) } });
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    now += 1000;
    ids.push((await signPut(deps, alice, { profile: "avatar", filename: `${i}.png`, contentType: "image/png", size: 10 })).uploadId);
  }
  await signPut(deps, { sub: "bob", groups: [] }, { profile: "avatar", filename: "bob.png", contentType: "image/png", size: 10 });
  const at = (ms: number) => { now = ms; };
  const status = { tickets, clock };
  const get = (id: string, sub = "alice") => makeGetUploadHandler(status)({ ...httpEvent({ claims: { sub } }), pathParameters: { uploadId: id } });
  const list = (query: Record<string, string> = {}, sub = "alice") =>
    makeListUploadsHandler(status)({ ...httpEvent({ claims: { sub } }), queryStringParameters: query });
  return { ids, tickets, get, list, at };
}

describe("GET /uploads/{uploadId}", () => {
  it("shows the caller's own ticket", async () => {
    const { ids, get } = await setup(1);
    const result = await get(ids[0]!);
    expect(result.statusCode).toBe(200);
    const view = z.strictObject(TicketView.shape).parse(bodyOf(result));
    expect(view).toMatchObject({ uploadId: ids[0], status: "pending", method: "PUT", filename: "0.png", profile: "avatar" });
  });

  it.each([
    ["someone else's", "bob"],
    ["an unknown", "alice"],
  ])("answers 404 for %s ticket", async (_name, sub) => {
    const { ids, get } = await setup(1);
    const id = sub === "bob" ? ids[0]! : "01KAGX5Z2N3Q4R5S6T7V8W9XYZ";
    const result = await get(id, sub);
    expect(result.statusCode).toBe(404);
    expect(bodyOf(result).error.code).toBe("not_found");
  });

  it("answers 404 for ids that are not ULIDs", async () => {
    const { get } = await setup(0);
    for (const id of ["", "../x", "x".repeat(5000)]) expect((await get(id)).statusCode).toBe(404);
  });

  it("reports a pending ticket as expired 15 minutes after expiresAt", async () => {
    const { ids, get, at } = await setup(1);
    const expiresAt = Date.parse(bodyOf(await get(ids[0]!)).expiresAt);
    at(expiresAt + 15 * 60 * 1000);
    expect(bodyOf(await get(ids[0]!)).status).toBe("pending");
    at(expiresAt + 15 * 60 * 1000 + 1);
    expect(bodyOf(await get(ids[0]!)).status).toBe("expired");
  });
});

describe("GET /uploads", () => {
  it("lists only the caller's tickets, newest first", async () => {
    const { ids, list } = await setup(3);
    const body = ListUploadsResponse.parse(bodyOf(await list()));
    expect(body.items.map((i) => i.uploadId)).toEqual([...ids].reverse());
    expect(body.nextCursor).toBeNull();
  });

  it("returns every ticket exactly once across pages", async () => {
    const { ids, list } = await setup(7);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const body = ListUploadsResponse.parse(bodyOf(await list({ limit: "3", ...(cursor ? { cursor } : {}) })));
      expect(body.items.length).toBeLessThanOrEqual(3);
      seen.push(...body.items.map((i) => i.uploadId));
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toEqual([...ids].reverse());
  });

  it("filters by status, including the derived expired", async () => {
    const { ids, list, tickets, at } = await setup(3);
    await tickets.update({ ...tickets.items.get(ids[0]!)!, version: 0 }, { status: "completed" });
    expect(bodyOf(await list({ status: "completed" })).items.map((i: { uploadId: string }) => i.uploadId)).toEqual([ids[0]]);
    expect(bodyOf(await list({ status: "pending" })).items).toHaveLength(2);
    at(NOW.getTime() + 3600 * 1000);
    expect(bodyOf(await list({ status: "expired" })).items).toHaveLength(2);
    expect(bodyOf(await list({ status: "pending" })).items).toHaveLength(0);
  });

  it.each([
    [{ limit: "0" }, "limit"],
    [{ limit: "101" }, "limit"],
    [{ limit: "ten" }, "limit"],
    [{ status: "done" }, "status"],
    [{ cursor: "not-a-cursor" }, "cursor"],
    [{ cursor: encodeCursor({ owner: "alice", createdAt: "2026-11-21T10:00:00.000Z", uploadId: "../../x" }) }, "cursor"],
    [{ cursor: encodeCursor({ owner: "alice", createdAt: "not a date", uploadId: "01KAGX5Z2N3Q4R5S6T7V8W9XYZ" }) }, "cursor"],
    [{ cursor: encodeCursor({ owner: "bob", createdAt: "2026-11-21T10:00:00.000Z", uploadId: "01KAGX5Z2N3Q4R5S6T7V8W9XYZ" }) }, "cursor"],
    [{ sort: "asc" }, "sort"],
  ])("refuses %j with 422", async (query, path) => {
    const { list } = await setup(1);
    const result = await list(query);
    expect(result.statusCode).toBe(422);
    expect(bodyOf(result).error.details.map((d: { path: string }) => d.path)).toContain(path);
  });

  it("keeps cursors short whatever the length of sub", () => {
    const cursor = encodeCursor({ owner: "ü".repeat(1024), createdAt: "2026-11-21T10:00:00.000Z", uploadId: "01KAGX5Z2N3Q4R5S6T7V8W9XYZ" });
    expect(cursor.length).toBeLessThan(200);
  });

  it("needs a signed-in user", async () => {
    const { tickets } = await setup(0);
    const result = await makeListUploadsHandler({ tickets, clock: { now: () => NOW } })(httpEvent({ claims: null }));
    expect(result.statusCode).toBe(401);
  });
});
