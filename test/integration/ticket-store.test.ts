/** The DynamoDB ticket store against a DynamoDB-compatible server (dynalite). */
import { describe, expect, inject, it } from "vitest";
import { DynamoTicketWriter } from "../../functions/adapters/dynamo-ticket-writer.js";
import { makeSignPutHandler } from "../../functions/handlers/sign.js";
import { makeGetUploadHandler, makeListUploadsHandler } from "../../functions/handlers/uploads.js";
import { Ticket } from "../../functions/schemas.js";
import { bodyOf, httpEvent, memoryDeps } from "../support/fixtures.js";
import { ticketTable } from "../support/integration.js";
import { monotonicFactory } from "ulid";
import { LOCAL_DYNAMO_CREDENTIALS } from "../../local/embedded.js";

const monotonic = monotonicFactory();

describe("DynamoTicketStore", () => {
  it("updates only from the version it read, removes attributes set to undefined, and bumps the version", async () => {
    const { store, writer, get } = await ticketTable();
    const handler = makeSignPutHandler(memoryDeps({ tickets: writer }).deps);
    const { uploadId } = bodyOf(await handler(httpEvent()));
    expect(await store.update(uploadId, 0, { status: "rejected", rejectReason: "too big" })).toBe(true);
    expect(await get(uploadId)).toMatchObject({ status: "rejected", rejectReason: "too big", version: 1 });

    expect(await store.update(uploadId, 0, { status: "completed" })).toBe(false);
    expect(await get(uploadId)).toMatchObject({ status: "rejected", version: 1 });

    expect(await store.update(uploadId, 1, { status: "completed", rejectReason: undefined, ttl: undefined })).toBe(true);
    const ticket = await get(uploadId);
    expect(ticket).toMatchObject({ status: "completed", version: 2 });
    expect(ticket).not.toHaveProperty("rejectReason");
    expect(ticket).not.toHaveProperty("ttl");
  });
});

describe("DynamoTicketWriter (the sign functions' lean PutItem)", () => {
  it("writes exactly the ticket the SDK's document client reads back", async () => {
    const { writer, get } = await ticketTable();
    const handler = makeSignPutHandler(memoryDeps({ tickets: writer }).deps);
    const { uploadId } = bodyOf(await handler(httpEvent()));
    const ticket = Ticket.parse(await get(uploadId));
    expect(ticket).toMatchObject({ uploadId, status: "pending", declaredSize: 12345, metadata: { caption: "hi" }, version: 0 });
    expect(ticket).not.toHaveProperty("rejectReason");
  });

  it("refuses to overwrite a ticket, and leaves it as it was", async () => {
    const { writer, store, get } = await ticketTable();
    const handler = makeSignPutHandler({ ...memoryDeps({ tickets: writer }).deps, ids: { next: () => "01KAGX5Z2N3Q4R5S6T7V8W9XYZ" } });
    expect((await handler(httpEvent())).statusCode).toBe(201);
    const first = await get("01KAGX5Z2N3Q4R5S6T7V8W9XYZ");
    await expect(writer.create({ ...first!, owner: "mallory" })).rejects.toThrow(/already exists/);
    expect(await get("01KAGX5Z2N3Q4R5S6T7V8W9XYZ")).toEqual(first);
  });

  it("fails the signing (500, no URL) when the table is missing", async () => {
    const missing = new DynamoTicketWriter({ table: "no-such-table", region: "us-east-1", endpoint: inject("dynamoEndpoint"), credentials: LOCAL_DYNAMO_CREDENTIALS });
    const result = await makeSignPutHandler(memoryDeps({ tickets: missing }).deps)(httpEvent());
    expect(result.statusCode).toBe(500);
    expect(bodyOf(result)).toEqual({ error: { code: "internal", message: expect.any(String) } });
  });

  it("reports a missing table without retrying, and an unreachable endpoint after its retries", async () => {
    const now = new Date().toISOString();
    const ticket: Ticket = {
      uploadId: "01KAGX5Z2N3Q4R5S6T7V8W9XYZ", owner: "alice", profile: "avatar", key: "uploads/alice/01KAGX5Z2N3Q4R5S6T7V8W9XYZ/a.png",
      method: "PUT", contentType: "image/png", minBytes: 1, maxBytes: 9, metadata: {}, status: "pending", createdAt: now, expiresAt: now, ttl: 1, version: 0,
    };
    const missing = new DynamoTicketWriter({ table: "no-such-table", region: "us-east-1", endpoint: inject("dynamoEndpoint"), credentials: LOCAL_DYNAMO_CREDENTIALS });
    await expect(missing.create(ticket)).rejects.toThrow(/400 ResourceNotFoundException/);
    const closed = new DynamoTicketWriter({ table: "t", region: "us-east-1", endpoint: "http://127.0.0.1:9", credentials: LOCAL_DYNAMO_CREDENTIALS });
    await expect(closed.create(ticket)).rejects.toThrow(/after 3 attempts/);
  });
});

describe("status routes over DynamoDB", () => {
  it("pages an owner's tickets newest first, each exactly once, with status filters", async () => {
    const { store, writer } = await ticketTable();
    let now = Date.parse("2026-11-21T10:00:00.000Z");
    const clock = { now: () => new Date(now) };
    const sign = makeSignPutHandler(memoryDeps({ tickets: writer, clock, ids: { next: () => monotonic(now) } }).deps);
    const mine: string[] = [];
    for (let i = 0; i < 9; i++) {
      now += 1000;
      mine.push(bodyOf(await sign(httpEvent({ claims: { sub: "alice" }, body: { profile: "avatar", filename: `${i}.png`, contentType: "image/png", size: 5 } }))).uploadId);
      await sign(httpEvent({ claims: { sub: "bob" }, body: { profile: "avatar", filename: "b.png", contentType: "image/png", size: 5 } }));
    }
    await store.update(mine[4]!, 0, { status: "completed" });
    const list = makeListUploadsHandler({ tickets: store, clock });
    const collect = async (query: Record<string, string>) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const result = await list({ ...httpEvent({ claims: { sub: "alice" } }), queryStringParameters: { ...query, ...(cursor ? { cursor } : {}) } });
        expect(result.statusCode).toBe(200);
        const body = bodyOf(result);
        seen.push(...body.items.map((i: { uploadId: string }) => i.uploadId));
        cursor = body.nextCursor;
      } while (cursor);
      return seen;
    };
    expect(await collect({ limit: "4" })).toEqual([...mine].reverse());
    expect(await collect({ limit: "2", status: "completed" })).toEqual([mine[4]]);
    expect(await collect({ limit: "3", status: "pending" })).toEqual([...mine].reverse().filter((id) => id !== mine[4]));

    const get = makeGetUploadHandler({ tickets: store, clock });
    const event = (sub: string) => ({ ...httpEvent({ claims: { sub } }), pathParameters: { uploadId: mine[0]! } });
    expect(bodyOf(await get(event("alice"))).filename).toBe("0.png");
    expect((await get(event("bob"))).statusCode).toBe(404);
  });
});
