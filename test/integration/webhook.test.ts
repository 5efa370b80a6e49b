import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { verifyWebhook, WebhookVerificationError, type WebhookRequest } from "../../client/src/server.js";
import { transitionEvent } from "../../functions/domain/events.js";
import { fetchSender } from "../../functions/adapters/webhook-sender.js";
import { newWebhookSecret, webhookHeaders } from "../../functions/domain/webhook-signature.js";
import { makeDeliverHandler } from "../../functions/handlers/deliver-webhook.js";
import { loadLocalConfig } from "../../local/config.js";
import type { Ticket } from "../../functions/schemas.js";
import type { WebhookBody } from "../../functions/domain/webhook-delivery.js";
import { publishingTicketStore, webhookPublisher, type EventLog } from "../../local/webhook.js";
import { MemoryTicketStore } from "../support/fixtures.js";
import { png as samplePng, withHead } from "../support/samples.js";

const ticket: Ticket = {
  uploadId: "01KAGX5Z2N3Q4R5S6T7V8W9XYZ", owner: "alice", profile: "avatar", key: "uploads/alice/01KAGX5Z2N3Q4R5S6T7V8W9XYZ/me.png",
  method: "PUT", filename: "me.png", contentType: "image/png", declaredSize: 2048, minBytes: 1, maxBytes: 5242880,
  metadata: { caption: "hi" }, status: "pending", createdAt: "2026-11-21T10:00:00.000Z", expiresAt: "2026-11-21T10:05:00.000Z",
  ttl: 1795338000, version: 1,
};
const completion = transitionEvent(ticket, { ...ticket, status: "completed", size: 2048, etag: '"e"', completedAt: "2026-11-21T10:00:03.000Z" }, "uploads")!;

/** A log that keeps every line. */
const memoryLog = () => {
  const lines: Array<{ level: string; message: string; fields: Record<string, unknown> }> = [];
  const log: EventLog = {
    info: (message, fields) => lines.push({ level: "info", message, fields }),
    warn: (message, fields) => lines.push({ level: "warn", message, fields }),
  };
  return { log, lines };
};

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** An HTTP server on 127.0.0.1; returns its URL. */
async function listen(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handle);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
}

/** A sink that keeps every JSON body it receives; answers with `status(n)` for the n-th request (from 1). */
async function sink(status: (n: number) => number = () => 204) {
  const received: Array<{ method?: string; contentType?: string; body: WebhookBody }> = [];
  let requests = 0;
  const url = await listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const code = status(++requests);
      if (code < 300) received.push({ method: req.method, contentType: req.headers["content-type"], body: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
      res.writeHead(code).end();
    });
  });
  return { url, received, requests: () => requests };
}

/** A port nothing listens on (just closed). */
async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/hook`;
}

const timed = async (work: () => Promise<unknown>) => {
  const start = performance.now();
  await work();
  return performance.now() - start;
};

describe("local webhook delivery", () => {
  it("POSTs one EventBridge-shaped event per transition to the sink, and logs each", async () => {
    const { url, received } = await sink();
    const { log, lines } = memoryLog();
    const publisher = webhookPublisher(url, log, { backoffMs: 10 });
    const store = new MemoryTicketStore();
    await store.create(ticket);
    const tickets = publishingTicketStore(store, "uploads", publisher);

    expect(await tickets.update({ ...ticket, version: 1 }, { status: "completed", size: 2048, etag: '"e"', completedAt: "2026-11-21T10:00:03.000Z", ttl: undefined })).toBe(true);
    expect(await tickets.update({ ...ticket, version: 2 }, { objectModifiedAt: "2026-11-21T10:00:03.000Z" })).toBe(true); // no status change
    expect(await tickets.update({ ...ticket, version: 2 }, { status: "rejected" })).toBe(false); // stale version: nothing changed
    expect(await tickets.update({ ...ticket, version: 3 }, { status: "deleted", deletedAt: "2026-11-21T10:09:00.000Z" })).toBe(true);
    await publisher.idle();

    expect(received.map((r) => [r.method, r.contentType, r.body["detail-type"]])).toEqual([
      ["POST", "application/json", "Upload Completed"],
      ["POST", "application/json", "Upload Deleted"],
    ]);
    const [first] = received;
    expect(first?.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      source: "upload-broker",
      "detail-type": "Upload Completed",
      time: "2026-11-21T10:00:03.000Z",
      detail: {
        uploadId: ticket.uploadId, owner: "alice", profile: "avatar", bucket: "uploads", key: ticket.key, filename: "me.png",
        contentType: "image/png", size: 2048, etag: '"e"', metadata: { caption: "hi" }, status: "completed", at: "2026-11-21T10:00:03.000Z",
      },
    });
    expect(lines.filter((l) => l.message === "completion event").map((l) => l.fields["detail-type"])).toEqual(["Upload Completed", "Upload Deleted"]);
    expect(lines.filter((l) => l.level === "warn")).toEqual([]);
  });

  it("retries a failing sink with backoff until it accepts", async () => {
    const { url, received, requests } = await sink((n) => (n < 3 ? 503 : 200));
    const publisher = webhookPublisher(url, memoryLog().log, { backoffMs: 10 });
    await publisher.publish([completion]);
    await publisher.idle();
    expect(requests()).toBe(3);
    expect(received).toHaveLength(1);
  });

  it("does not retry an event the sink refuses (4xx), and says so", async () => {
    const { url, requests } = await sink(() => 400);
    const { log, lines } = memoryLog();
    const publisher = webhookPublisher(url, log, { backoffMs: 10 });
    await publisher.publish([completion]);
    await publisher.idle();
    expect(requests()).toBe(1);
    expect(lines.filter((l) => l.level === "warn").map((l) => l.fields.problem)).toEqual(["HTTP 400"]);
  });

  it("resolves at once when the sink is down, gives up after the retries, and never fails the update", async () => {
    const url = await closedPort();
    const { log, lines } = memoryLog();
    const publisher = webhookPublisher(url, log, { retries: 2, backoffMs: 20 });
    const store = new MemoryTicketStore();
    await store.create(ticket);
    const tickets = publishingTicketStore(store, "uploads", publisher);

    const elapsed = await timed(() => tickets.update({ ...ticket, version: 1 }, { status: "aborted", deletedAt: "2026-11-21T10:01:00.000Z" }));
    expect(elapsed).toBeLessThan(15);
    expect((await store.get(ticket.uploadId))?.status).toBe("aborted");
    await publisher.idle();
    expect(lines.filter((l) => l.level === "warn")).toHaveLength(1);
  });

  it("resolves at once when the sink hangs; each attempt times out", async () => {
    let attempts = 0;
    const url = await listen(() => void attempts++); // accepts, never answers
    const { log, lines } = memoryLog();
    const publisher = webhookPublisher(url, log, { retries: 1, backoffMs: 10, timeoutMs: 100 });
    expect(await timed(() => publisher.publish([completion, completion]))).toBeLessThan(15);
    await publisher.idle();
    expect(attempts).toBe(4);
    expect(lines.filter((l) => l.level === "warn").map((l) => l.fields.problem)).toEqual([
      expect.stringMatching(/TimeoutError/),
      expect.stringMatching(/TimeoutError/),
    ]);
  });

  it("without a URL only logs", async () => {
    const { log, lines } = memoryLog();
    const publisher = webhookPublisher(undefined, log);
    await publisher.publish([completion]);
    await publisher.idle();
    expect(lines.map((l) => [l.level, l.message, l.fields.source])).toEqual([["info", "completion event", "upload-broker"]]);
  });

  it("a publisher that throws never fails the update", async () => {
    const store = new MemoryTicketStore();
    await store.create(ticket);
    const errors: unknown[] = [];
    const tickets = publishingTicketStore(store, "uploads", { publish: () => Promise.reject(new Error("down")) }, (e) => errors.push(e));
    expect(await tickets.update({ ...ticket, version: 1 }, { status: "aborted", deletedAt: "2026-11-21T10:01:00.000Z" })).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors).toEqual([new Error("down")]);
  });
});

describe("local mode with WEBHOOK_URL", () => {
  it("POSTs exactly one event per transition of a real flow, a rejected upload included, and a dead sink slows nothing", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { loadLocalConfig } = await import("../../local/config.js");
    const { startLocalServer } = await import("../../local/server.js");
    const hook = await sink();
    const dir = mkdtempSync(join(tmpdir(), "upload-broker-webhook-"));
    const server = await startLocalServer(loadLocalConfig({ PORT: "0", LOCAL_DATA_DIR: dir, WEBHOOK_URL: hook.url }));
    try {
      const api = async (method: string, path: string, body?: unknown, token?: string) => {
        const res = await fetch(`${server.url}${path}`, { method, headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
        return (await res.json()) as Record<string, any>;
      };
      const { token } = await api("POST", "/dev/token", { sub: "alice" });
      const png = withHead(samplePng(8, 8), new Uint8Array(1000).fill(7));
      // completed, then deleted
      const put = await api("POST", "/sign/put", { profile: "avatar", filename: "me.png", contentType: "image/png", size: png.length }, token);
      const { "content-length": _, ...headers } = put.headers;
      await fetch(put.url, { method: "PUT", headers, body: png });
      const waitFor = async (n: number) => {
        for (let i = 0; i < 100 && hook.received.length < n; i++) await new Promise((r) => setTimeout(r, 50));
      };
      await waitFor(1);
      await api("DELETE", `/uploads/${put.uploadId}`, undefined, token);
      // rejected: within the policy (S3 stores it), but its bytes are not the PNG the record step checks for
      const post = await api("POST", "/sign/post", { profile: "avatar", filename: "e.png", contentType: "image/png" }, token);
      const form = new FormData();
      for (const [k, v] of Object.entries(post.fields as Record<string, string>)) form.append(k, v);
      form.append("file", new Blob([new Uint8Array(100)]), "e.png");
      expect((await fetch(post.url, { method: "POST", body: form })).status).toBe(201); // success_action_status
      // aborted
      const abandoned = await api("POST", "/sign/put", { profile: "avatar", filename: "x.png", contentType: "image/png", size: 5 }, token);
      await api("DELETE", `/uploads/${abandoned.uploadId}`, undefined, token);
      await waitFor(4);
      await new Promise((r) => setTimeout(r, 300)); // and nothing more arrives
      const seen = hook.received.map((r) => [r.body["detail-type"], r.body.detail.uploadId]);
      expect(seen).toEqual(
        expect.arrayContaining([
          ["Upload Completed", put.uploadId],
          ["Upload Deleted", put.uploadId],
          ["Upload Rejected", post.uploadId],
          ["Upload Aborted", abandoned.uploadId],
        ]),
      );
      expect(seen).toHaveLength(4);
      const rejected = hook.received.find((r) => r.body["detail-type"] === "Upload Rejected")!.body;
      expect(rejected).toMatchObject({ source: "upload-broker", detail: { status: "rejected", owner: "alice", profile: "avatar", bucket: server.bucket, rejectReason: expect.stringMatching(/not .*image\/png|image\/png.*not/i) } });
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("signed deliveries and verifyWebhook (upload-broker-client/server)", () => {
  /** A sink that keeps each request exactly as received: headers and raw body. */
  async function rawSink(status: (n: number) => number = () => 204) {
    const received: Array<WebhookRequest & { headers: Record<string, string | string[] | undefined>; body: string }> = [];
    let n = 0;
    const url = await listen((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
        res.writeHead(status(++n)).end();
      });
    });
    return { url, received };
  }
  const secret = newWebhookSecret();
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => "accepted",
      (error: unknown) => (error instanceof WebhookVerificationError ? error.reason : `threw ${String(error)}`),
    );

  it("accepts what local mode sends, with the event typed; refuses a changed body, another secret and the same delivery twice", async () => {
    const { url, received } = await rawSink();
    const publisher = webhookPublisher(url, memoryLog().log, { secret });
    await publisher.publish([completion]);
    await publisher.idle();
    const [delivery] = received;
    expect(Object.keys(delivery!.headers)).toEqual(expect.arrayContaining(["webhook-id", "webhook-timestamp", "webhook-signature"]));

    const event = await verifyWebhook(delivery!, secret);
    expect(event).toMatchObject({ source: "upload-broker", "detail-type": "Upload Completed", detail: { uploadId: ticket.uploadId, status: "completed" } });
    expect(delivery!.headers["webhook-id"]).toBe(event.id);

    expect(await refusal(verifyWebhook(delivery!, secret))).toBe("replayed");
    // A replay with an extra signature token is still the same delivery.
    const padded = { ...delivery!, headers: { ...delivery!.headers, "webhook-signature": `${delivery!.headers["webhook-signature"]} v1,junk` } };
    expect(await refusal(verifyWebhook(padded, secret))).toBe("replayed");
    // The id and timestamp are signed: changing either breaks the signature.
    const moved = { ...delivery!, headers: { ...delivery!.headers, "webhook-timestamp": String(Number(delivery!.headers["webhook-timestamp"]) + 1) } };
    expect(await refusal(verifyWebhook(moved, secret, { replay: false }))).toBe("bad_signature");
    const renamed = { ...delivery!, headers: { ...delivery!.headers, "webhook-id": "another-event" } };
    expect(await refusal(verifyWebhook(renamed, secret, { replay: false }))).toBe("bad_signature");
    expect(await refusal(verifyWebhook({ ...delivery!, body: String(delivery!.body).replace('"completed"', '"rejected"') }, secret, { replay: false }))).toBe("bad_signature");
    expect(await refusal(verifyWebhook(delivery!, newWebhookSecret(), { replay: false }))).toBe("bad_signature");
    expect(await refusal(verifyWebhook(delivery!, [newWebhookSecret(), secret], { replay: false }))).toBe("accepted"); // during a rotation
    const { "webhook-signature": _, ...unsigned } = delivery!.headers as Record<string, string>;
    expect(await refusal(verifyWebhook({ ...delivery!, headers: unsigned }, secret))).toBe("missing_headers");
  });

  it("refuses a timestamp over five minutes old or ahead, and takes a fetch Request", async () => {
    const body = JSON.stringify({ id: "e1", source: "upload-broker", "detail-type": "Upload Completed", time: completion.detail.at, detail: completion.detail });
    const at = (seconds: number) => ({ headers: webhookHeaders(secret, "e1", body, new Date(Date.now() + seconds * 1000)), body });
    expect(await refusal(verifyWebhook(at(-301), secret))).toBe("too_old");
    expect(await refusal(verifyWebhook(at(301), secret))).toBe("too_new");
    expect(await refusal(verifyWebhook(at(-290), secret))).toBe("accepted");
    const request = new Request("http://127.0.0.1/hook", { method: "POST", headers: webhookHeaders(secret, "e2", body), body });
    expect((await verifyWebhook(request, secret)).detail.uploadId).toBe(ticket.uploadId);
    // Signed, but not an upload-broker event: refused as such.
    expect(await refusal(verifyWebhook({ headers: webhookHeaders(secret, "e3", "not json"), body: "not json" }, secret))).toBe("bad_body");
    expect(await refusal(verifyWebhook({ headers: webhookHeaders(secret, "e4", '{"hello":1}'), body: '{"hello":1}' }, secret))).toBe("bad_body");
    // A shared guard, as a backend on several machines passes one.
    const keys: string[] = [];
    const guard = { seen: (key: string) => keys.includes(key) || (keys.push(key), false) };
    const shared = { headers: webhookHeaders(secret, "e5", body), body };
    expect(await refusal(verifyWebhook(shared, secret, { replay: guard }))).toBe("accepted");
    expect(await refusal(verifyWebhook(shared, secret, { replay: guard }))).toBe("replayed");
    expect(keys).toEqual([`e5.${shared.headers["webhook-timestamp"]}`]);
  });

  it("signs each retry afresh with the event's id at a later second, so a retry after a failure is accepted while a replay is not", async () => {
    const { url, received } = await rawSink((n) => (n === 1 ? 503 : 204));
    const publisher = webhookPublisher(url, memoryLog().log, { secret, backoffMs: 10 });
    await publisher.publish([completion]);
    await publisher.idle();
    expect(received).toHaveLength(2);
    const [first, retry] = received;
    expect(retry!.headers["webhook-id"]).toBe(first!.headers["webhook-id"]);
    expect(retry!.headers["webhook-timestamp"]).not.toBe(first!.headers["webhook-timestamp"]);
    expect(await refusal(verifyWebhook(first!, secret))).toBe("accepted");
    expect(await refusal(verifyWebhook(retry!, secret))).toBe("accepted");
    expect(await refusal(verifyWebhook(retry!, secret))).toBe("replayed");
  });

  it("accepts what the stack's deliver-webhook function sends (the generated secret has no prefix); refuses a changed body, an old timestamp and a wrong secret", async () => {
    const { url, received } = await rawSink((n) => (n === 1 ? 503 : 204));
    // What Secrets Manager generates for the stack: 64 letters and digits, no whsec_ prefix.
    const stored = randomBytes(48).toString("base64").replace(/[+/]/g, "A");
    expect(stored).toMatch(/^[A-Za-z0-9]{64}$/);
    const deliverAt = (offsetMs: number) => makeDeliverHandler({ url, secret: async () => stored, send: fetchSender(2000), now: () => new Date(Date.now() + offsetMs) });
    const busEvent = { version: "0", id: "5c2f7a8e-1b3d-4e5f-8a9b-0c1d2e3f4a5b", "detail-type": completion.detailType, source: completion.source, account: "123456789012", time: "2026-11-21T10:00:03Z", region: "eu-west-1", resources: [], detail: completion.detail };
    await expect(deliverAt(-60_000)(busEvent)).rejects.toThrow(/HTTP 503/); // Lambda tries it again a minute later
    expect(await deliverAt(0)(busEvent)).toMatchObject({ delivered: true });
    const [first, retry] = received;
    expect(retry!.headers["webhook-id"]).toBe(busEvent.id);
    expect(first!.headers["webhook-id"]).toBe(busEvent.id);
    // The receiver verifies with the value it reads from Secrets Manager, as is or with the prefix.
    const event = await verifyWebhook(retry!, stored);
    expect(event).toEqual({ id: busEvent.id, source: "upload-broker", "detail-type": "Upload Completed", time: completion.detail.at, detail: completion.detail });
    expect(await refusal(verifyWebhook(first!, `whsec_${stored}`))).toBe("accepted");
    expect(await refusal(verifyWebhook(retry!, stored))).toBe("replayed");
    expect(await refusal(verifyWebhook({ ...retry!, body: retry!.body.replace('"avatar"', '"document"') }, stored, { replay: false }))).toBe("bad_signature");
    expect(await refusal(verifyWebhook(retry!, newWebhookSecret(), { replay: false }))).toBe("bad_signature");
    // The same delivery, signed six minutes ago.
    await deliverAt(-360_000)(busEvent);
    expect(await refusal(verifyWebhook(received[2]!, stored))).toBe("too_old");
  });

  it("local mode signs with WEBHOOK_SECRET, or with one it makes up; a malformed secret fails start-up naming it", () => {
    expect(loadLocalConfig({ WEBHOOK_URL: "http://127.0.0.1:9/hook", WEBHOOK_SECRET: secret })).toMatchObject({ webhookSecret: secret, webhookSecretGenerated: false });
    expect(loadLocalConfig({ WEBHOOK_URL: "http://127.0.0.1:9/hook" })).toMatchObject({ webhookSecret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/), webhookSecretGenerated: true });
    expect(() => loadLocalConfig({ WEBHOOK_URL: "http://127.0.0.1:9/hook", WEBHOOK_SECRET: "hunter2" })).toThrow(/WEBHOOK_SECRET must start with whsec_/);
    expect(() => loadLocalConfig({ WEBHOOK_SECRET: "whsec_c2hvcnQ=" })).toThrow(/WEBHOOK_SECRET must hold at least 24 bytes/);
  });
});
