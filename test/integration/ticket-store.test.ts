/** The DynamoDB ticket store against a DynamoDB-compatible server (dynalite). */
import { describe, expect, it } from "vitest";
import { DynamoTicketStore } from "../../functions/adapters/dynamo-ticket-store.js";
import { makeSignPutHandler } from "../../functions/handlers/sign.js";
import { Ticket } from "../../functions/schemas.js";
import { bodyOf, httpEvent, memoryDeps } from "../support/fixtures.js";
import { ticketTable } from "../support/integration.js";

describe("DynamoTicketStore", () => {
  it("stores the ticket the sign handler returns, readable by its id", async () => {
    const { store, get } = await ticketTable();
    const handler = makeSignPutHandler(memoryDeps({ tickets: store }).deps);
    const result = await handler(httpEvent());
    expect(result.statusCode).toBe(201);
    const { uploadId, key } = bodyOf(result);
    const ticket = Ticket.parse(await get(uploadId));
    expect(ticket).toMatchObject({ uploadId, key, status: "pending", owner: "3c1d8f0e-1a2b-4c3d-9e8f-0a1b2c3d4e5f" });
  });

  it("never overwrites an existing ticket", async () => {
    const { store, get } = await ticketTable();
    const { deps } = memoryDeps({ tickets: store });
    const handler = makeSignPutHandler({ ...deps, ids: { next: () => "01KAGX5Z2N3Q4R5S6T7V8W9XYZ" } });
    expect((await handler(httpEvent())).statusCode).toBe(201);
    const first = await get("01KAGX5Z2N3Q4R5S6T7V8W9XYZ");

    const second = await handler(httpEvent({ body: { profile: "avatar", filename: "other.png", contentType: "image/png", size: 1 }, claims: { sub: "mallory" } }));
    expect(second.statusCode).toBe(500);
    expect(bodyOf(second)).not.toHaveProperty("url");
    expect(await get("01KAGX5Z2N3Q4R5S6T7V8W9XYZ")).toEqual(first);
  });

  it("fails the signing (500, no URL) when the table is unreachable", async () => {
    const { client } = await ticketTable();
    const handler = makeSignPutHandler(memoryDeps({ tickets: new DynamoTicketStore(client, "no-such-table") }).deps);
    const result = await handler(httpEvent());
    expect(result.statusCode).toBe(500);
    expect(bodyOf(result)).toEqual({ error: { code: "internal", message: expect.any(String) } });
  });
});
