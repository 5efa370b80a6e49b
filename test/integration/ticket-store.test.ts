/** The DynamoDB ticket store against a DynamoDB-compatible server (dynalite). */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { HttpRequest } from "@smithy/core/protocols";
import { Hash } from "@smithy/core/serde";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterEach, describe, expect, inject, it, vi } from "vitest";
import { DynamoTicketWriter } from "../../functions/adapters/dynamo-ticket-writer.js";
import { makeSignPutHandler } from "../../functions/handlers/sign-put.js";
import { makeGetUploadHandler } from "../../functions/handlers/get-upload.js";
import { makeListUploadsHandler } from "../../functions/handlers/list-uploads.js";
import { Ticket } from "../../functions/schemas.js";
import { bodyOf, httpEvent, memoryDeps } from "../support/fixtures.js";
import { documented } from "../support/openapi.js";
import { ticketTable } from "../support/integration.js";
import { monotonicFactory } from "ulid";
import { LOCAL_DYNAMO_CREDENTIALS } from "../../local/embedded.js";

const monotonic = monotonicFactory();
afterEach(() => vi.restoreAllMocks());

describe("DynamoTicketStore", () => {
  it("updates only from the version it read, removes attributes set to undefined, and bumps the version", async () => {
    const { store, writer, get } = await ticketTable();
    const handler = documented("signPut", makeSignPutHandler(memoryDeps({ writer: writer }).deps));
    const { uploadId } = bodyOf(await handler(httpEvent()));
    expect(await store.update({ ...(await store.get(uploadId))!, version: 0 }, { status: "rejected", rejectReason: "too big" })).toBe(true);
    expect(await get(uploadId)).toMatchObject({ status: "rejected", rejectReason: "too big", version: 1 });

    expect(await store.update({ ...(await store.get(uploadId))!, version: 0 }, { status: "completed" })).toBe(false);
    expect(await get(uploadId)).toMatchObject({ status: "rejected", version: 1 });

    expect(await store.update({ ...(await store.get(uploadId))!, version: 1 }, { status: "completed", rejectReason: undefined, ttl: undefined })).toBe(true);
    const ticket = await get(uploadId);
    expect(ticket).toMatchObject({ status: "completed", version: 2 });
    expect(ticket).not.toHaveProperty("rejectReason");
    expect(ticket).not.toHaveProperty("ttl");
  });
});

describe("DynamoTicketWriter (the sign functions' lean PutItem)", () => {
  it("writes exactly the ticket the SDK's document client reads back", async () => {
    const { writer, get } = await ticketTable();
    const handler = documented("signPut", makeSignPutHandler(memoryDeps({ writer: writer }).deps));
    const { uploadId } = bodyOf(await handler(httpEvent()));
    const ticket = Ticket.parse(await get(uploadId));
    expect(ticket).toMatchObject({ uploadId, status: "pending", declaredSize: 12345, metadata: { caption: "hi" }, version: 0 });
    expect(ticket).not.toHaveProperty("rejectReason");
  });

  it("refuses to overwrite a ticket, and leaves it as it was", async () => {
    const { writer, store, get } = await ticketTable();
    const handler = documented("signPut", makeSignPutHandler({ ...memoryDeps({ writer: writer }).deps, ids: { next: () => "01KAGX5Z2N3Q4R5S6T7V8W9XYZ" } }));
    expect((await handler(httpEvent())).statusCode).toBe(201);
    const first = await get("01KAGX5Z2N3Q4R5S6T7V8W9XYZ");
    await expect(writer.create({ ...first!, owner: "mallory" })).rejects.toThrow(/already exists/);
    expect(await get("01KAGX5Z2N3Q4R5S6T7V8W9XYZ")).toEqual(first);
  });

  it("fails the signing (500, no URL) when the table is missing", async () => {
    const missing = new DynamoTicketWriter({ table: "no-such-table", region: "us-east-1", endpoint: inject("dynamoEndpoint"), credentials: LOCAL_DYNAMO_CREDENTIALS });
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const result = await documented("signPut", makeSignPutHandler(memoryDeps({ writer: missing }).deps))(httpEvent());
    expect(result.statusCode).toBe(500);
    expect(bodyOf(result)).toEqual({ error: { code: "internal", message: expect.any(String) } });
    // Logged once, with the cause the client is not shown.
    expect(logged).toHaveBeenCalledExactlyOnceWith(expect.objectContaining({ message: expect.stringMatching(/ResourceNotFoundException/) }));
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
    await expect(closed.create(ticket)).rejects.toThrow(/after 4 attempts/); // DynamoDB: 4 attempts, as the SDK's DynamoDB client
  });
});

/** One request as it reached a loopback server that answers 200 `{}`, as PutItem does. */
async function capturePutItem(send: (endpoint: string) => Promise<void>) {
  let captured!: { method: string; path: string; headers: IncomingHttpHeaders; body: string };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c)).on("end", () => {
      captured = { method: req.method!, path: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      res.writeHead(200, { "content-type": "application/x-amz-json-1.0" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    await send(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.close();
  }
  return captured;
}

describe("DynamoTicketWriter's signature", () => {
  const ticket: Ticket = {
    uploadId: "01KAGX5Z2N3Q4R5S6T7V8W9XYZ", owner: "alice", profile: "avatar", key: "uploads/alice/01KAGX5Z2N3Q4R5S6T7V8W9XYZ/a.png",
    method: "PUT", contentType: "image/png", minBytes: 1, maxBytes: 9, metadata: { caption: "hï" }, status: "pending",
    createdAt: "2026-11-21T10:00:00.000Z", expiresAt: "2026-11-21T10:05:00.000Z", ttl: 1, version: 0,
  };
  const credentials = [
    { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
    { accessKeyId: "ASIAEXAMPLE", secretAccessKey: "c2VjcmV0+/=", sessionToken: "IQoJb3JpZ2luX2VjE+/=long//token" },
  ];

  it.each(credentials)("is the one the SDK's SignatureV4 computes for the request on the wire ($accessKeyId)", async (creds) => {
    const wire = await capturePutItem((endpoint) => new DynamoTicketWriter({ table: "tickets", region: "eu-west-1", endpoint, credentials: creds }).create(ticket));
    expect(wire.method).toBe("POST");
    expect(wire.headers["x-amz-target"]).toBe("DynamoDB_20120810.PutItem");
    expect(JSON.parse(wire.body)).toMatchObject({ TableName: "tickets", ConditionExpression: "attribute_not_exists(uploadId)" });

    const authorization = String(wire.headers.authorization);
    const signedNames = /SignedHeaders=([^,]+)/.exec(authorization)![1]!.split(";");
    expect(signedNames).toEqual(expect.arrayContaining(["host", "content-type", "content-length", "x-amz-date", "x-amz-target"]));
    if (creds.sessionToken) expect(signedNames).toContain("x-amz-security-token");
    const signedHeaders = Object.fromEntries(signedNames.map((name) => [name, String(wire.headers[name])]));
    const amzDate = String(wire.headers["x-amz-date"]);
    const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13)}`);
    const sdk = new SignatureV4({ credentials: creds, region: "eu-west-1", service: "dynamodb", sha256: Hash.bind(null, "sha256"), applyChecksum: false });
    const expected = await sdk.sign(
      new HttpRequest({ method: wire.method, protocol: "http:", hostname: "127.0.0.1", path: wire.path, headers: signedHeaders, body: wire.body }),
      { signingDate },
    );
    expect(authorization).toBe(expected.headers.authorization);
  });
});

describe("status routes over DynamoDB", () => {
  it("pages an owner's tickets newest first, each exactly once, with status filters", async () => {
    const { store, writer } = await ticketTable();
    let now = Date.parse("2026-11-21T10:00:00.000Z");
    const clock = { now: () => new Date(now) };
    const sign = documented("signPut", makeSignPutHandler(memoryDeps({ writer: writer, clock, ids: { next: () => monotonic(now) } }).deps));
    const mine: string[] = [];
    for (let i = 0; i < 9; i++) {
      now += 1000;
      mine.push(bodyOf(await sign(httpEvent({ claims: { sub: "alice" }, body: { profile: "avatar", filename: `${i}.png`, contentType: "image/png", size: 5 } }))).uploadId);
      await sign(httpEvent({ claims: { sub: "bob" }, body: { profile: "avatar", filename: "b.png", contentType: "image/png", size: 5 } }));
    }
    await store.update({ ...(await store.get(mine[4]!))!, version: 0 }, { status: "completed" });
    const list = documented("listUploads", makeListUploadsHandler({ tickets: store, clock }));
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

    const get = documented("getUpload", makeGetUploadHandler({ tickets: store, clock }));
    const event = (sub: string) => ({ ...httpEvent({ claims: { sub } }), pathParameters: { uploadId: mine[0]! } });
    expect(bodyOf(await get(event("alice"))).filename).toBe("0.png");
    expect((await get(event("bob"))).statusCode).toBe(404);
  });
});
