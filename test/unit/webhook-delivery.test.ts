import { afterEach, describe, expect, it, vi } from "vitest";
import { Webhook } from "standardwebhooks";
import { SecretReader } from "../../functions/adapters/secret-reader.js";
import { transitionEvent } from "../../functions/domain/events.js";
import { deliveryOutcome, toWebhookBody, webhookBodyOf } from "../../functions/domain/webhook-delivery.js";
import { newWebhookSecret, webhookSecretOf, webhookSecretProblem } from "../../functions/domain/webhook-signature.js";
import { makeDeliverHandler } from "../../functions/handlers/deliver-webhook.js";
import type { Ticket } from "../../functions/schemas.js";
import { EXAMPLE_CREDENTIALS } from "../support/fixtures.js";
import { wireServer } from "../support/wire.js";

const ticket: Ticket = {
  uploadId: "01KAGX5Z2N3Q4R5S6T7V8W9XYZ", owner: "alice", profile: "avatar", key: "uploads/alice/01KAGX5Z2N3Q4R5S6T7V8W9XYZ/me.png",
  method: "PUT", filename: "me.png", contentType: "image/png", declaredSize: 2048, minBytes: 1, maxBytes: 5242880,
  metadata: {}, status: "pending", createdAt: "2026-11-21T10:00:00.000Z", expiresAt: "2026-11-21T10:05:00.000Z", ttl: 1795338000, version: 1,
};
const completion = transitionEvent(ticket, { ...ticket, status: "completed", size: 2048, completedAt: "2026-11-21T10:00:03.000Z" }, "uploads")!;
/** The completion as EventBridge hands it to a rule's target. */
const busEvent = {
  version: "0", id: "6f1e0c2a-7d8b-4c1e-9f0a-2b3c4d5e6f70", "detail-type": "Upload Completed", source: "upload-broker", account: "123456789012",
  time: "2026-11-21T10:00:03Z", region: "eu-west-1", resources: [], detail: completion.detail,
};

describe("the webhook body and outcomes (both modes)", () => {
  it("is the event's five fields; from a bus event, EventBridge's id and none of its own fields", () => {
    expect(toWebhookBody(completion, "e1")).toEqual({ id: "e1", source: "upload-broker", "detail-type": "Upload Completed", time: "2026-11-21T10:00:03.000Z", detail: completion.detail });
    expect(webhookBodyOf(busEvent)).toEqual(toWebhookBody(completion, busEvent.id));
    expect(webhookBodyOf({ ...busEvent, source: "aws.guardduty" })).toBeUndefined();
    expect(webhookBodyOf({ ...busEvent, detail: { ...completion.detail, status: "pending" } })).toBeUndefined();
    expect(webhookBodyOf(null)).toBeUndefined();
  });

  it("a 2xx delivers; no answer, a 408, a 429 or a 5xx is tried again; any other answer is a refusal", () => {
    expect([200, 202, 204, 299].map(deliveryOutcome)).toEqual(["delivered", "delivered", "delivered", "delivered"]);
    expect([undefined, 408, 429, 500, 502, 503].map(deliveryOutcome)).toEqual(Array(6).fill("retry"));
    expect([301, 400, 401, 403, 404, 410, 413, 422].map(deliveryOutcome)).toEqual(Array(8).fill("refused"));
  });

  it("a secret without its prefix is the same Standard Webhooks secret; what Secrets Manager generates (64 letters and digits) can sign", () => {
    const generated = "aZ09".repeat(16);
    expect(webhookSecretOf(generated)).toBe(`whsec_${generated}`);
    expect(webhookSecretProblem(webhookSecretOf(generated))).toBeUndefined();
    const secret = newWebhookSecret();
    expect(webhookSecretOf(secret)).toBe(secret);
    expect(webhookSecretProblem(webhookSecretOf("hunter2"))).toMatch(/base64/);
    // The reference library reads both spellings as the same key.
    const signed = new Webhook(webhookSecretOf(generated)).sign("e1", new Date(), "{}");
    expect(new Webhook(generated).sign("e1", new Date(Date.now()), "{}").split(",")[0]).toBe(signed.split(",")[0]);
  });
});

describe("deliver-webhook handler", () => {
  const secret = newWebhookSecret();
  const sent: Array<{ url: string; headers: Record<string, string>; body: string }> = [];
  const deliver = (answer: () => Promise<number>, value = secret) =>
    makeDeliverHandler({
      url: "https://hooks.example.com/x",
      secret: async () => value,
      send: async (url, headers, body) => (sent.push({ url, headers, body }), answer()),
      now: () => new Date("2026-11-21T10:00:05.000Z"),
    });
  afterEach(() => void sent.splice(0));

  it("POSTs the body signed with the event's id and this attempt's time; a 2xx is done", async () => {
    expect(await deliver(async () => 204)(busEvent)).toEqual({ delivered: true, status: 204 });
    const [request] = sent;
    expect(request!.url).toBe("https://hooks.example.com/x");
    expect(JSON.parse(request!.body)).toEqual(toWebhookBody(completion, busEvent.id));
    expect(request!.headers).toMatchObject({ "content-type": "application/json", "webhook-id": busEvent.id, "webhook-timestamp": String(Date.parse("2026-11-21T10:00:05.000Z") / 1000) });
    expect(request!.headers["webhook-signature"]).toBe(new Webhook(secret).sign(busEvent.id, new Date("2026-11-21T10:00:05.000Z"), request!.body));
  });

  it("fails the invocation (Lambda retries) on no answer, a 408, a 429 or a 5xx", async () => {
    await expect(deliver(() => Promise.reject(new TypeError("fetch failed")))(busEvent)).rejects.toThrow(/did not answer \(TypeError: fetch failed\)/);
    await expect(deliver(() => Promise.reject(new DOMException("timed out", "TimeoutError")))(busEvent)).rejects.toThrow(/TimeoutError/);
    for (const status of [408, 429, 500, 503]) await expect(deliver(async () => status)(busEvent)).rejects.toThrow(`HTTP ${status}`);
  });

  it("gives up at once on any other answer, and on what is not a completion event", async () => {
    expect(await deliver(async () => 400)(busEvent)).toEqual({ delivered: false, reason: "HTTP 400" });
    expect(await deliver(async () => 410)(busEvent)).toEqual({ delivered: false, reason: "HTTP 410" });
    expect(await deliver(async () => 204)({ ...busEvent, source: "someone.else" })).toEqual({ delivered: false, reason: "not a completion event" });
    expect(sent).toHaveLength(2);
  });

  it("signs with a secret stored without its prefix; refuses to send with one that cannot sign", async () => {
    const bare = secret.slice("whsec_".length);
    expect(await deliver(async () => 200, `${bare}\n`)(busEvent)).toMatchObject({ delivered: true });
    expect(sent[0]!.headers["webhook-signature"]).toBe(new Webhook(secret).sign(busEvent.id, new Date("2026-11-21T10:00:05.000Z"), sent[0]!.body));
    await expect(deliver(async () => 200, "hunter2!")(busEvent)).rejects.toThrow(/webhook secret cannot sign: it must be whsec_ followed by base64/);
    expect(sent).toHaveLength(1);
  });
});

describe("SecretReader", () => {
  afterEach(() => vi.useRealTimers());

  it("reads once per refresh period, then again (a rotated value is picked up); a failed read is not kept", async () => {
    let value = "whsec_first";
    let failing = false;
    const server = await wireServer(() =>
      failing
        ? { status: 400, headers: { "content-type": "application/x-amz-json-1.1" }, body: JSON.stringify({ __type: "AccessDeniedException", message: "denied" }) }
        : { headers: { "content-type": "application/x-amz-json-1.1" }, body: JSON.stringify({ SecretString: value }) },
    );
    let now = 0;
    const reader = new SecretReader({ region: "eu-west-1", secretId: "s", endpoint: server.endpoint, credentials: EXAMPLE_CREDENTIALS, refreshMs: 1000, now: () => now });
    try {
      expect(await Promise.all([reader.value(), reader.value()])).toEqual(["whsec_first", "whsec_first"]);
      value = "whsec_rotated";
      now = 999;
      expect(await reader.value()).toBe("whsec_first");
      expect(server.requests).toHaveLength(1);
      now = 1000;
      expect(await reader.value()).toBe("whsec_rotated");
      expect(JSON.parse(server.requests[1]!.body)).toEqual({ SecretId: "s" });
      expect(server.requests[1]!.headers["x-amz-target"]).toBe("secretsmanager.GetSecretValue");
      failing = true;
      now = 2000;
      await expect(reader.value()).rejects.toMatchObject({ name: "AccessDeniedException" });
      failing = false;
      expect(await reader.value()).toBe("whsec_rotated");
      expect(server.requests).toHaveLength(4);
    } finally {
      await server.close();
    }
  });
});
