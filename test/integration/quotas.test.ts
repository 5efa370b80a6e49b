/**
 * Quotas against Amazon DynamoDB Local (transactions, as DynamoDB has them) and against the
 * embedded store `npm start` runs on its defaults (dynalite behind its transaction proxy): bursts of
 * concurrent sign requests never get more than a limit, bytes and pending slots come back as
 * tickets complete, are rejected, aborted or expire, the day rolls over, and the counters always
 * equal what the tickets say.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { dynamoClient } from "../../functions/adapters/clients.js";
import { DynamoTicketStore } from "../../functions/adapters/dynamo-ticket-store.js";
import { DynamoTicketWriter } from "../../functions/adapters/dynamo-ticket-writer.js";
import { parseProfiles } from "../../functions/domain/profiles.js";
import { usage } from "../../functions/domain/usage.js";
import { makeSignPostHandler } from "../../functions/handlers/sign-post.js";
import { makeSignPutHandler } from "../../functions/handlers/sign-put.js";
import type { HttpEvent } from "../../functions/http.js";
import type { SignDeps } from "../../functions/ports.js";
import { LOCAL_DYNAMO_CREDENTIALS } from "../../local/embedded.js";
import { ensureTable } from "../../local/resources.js";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { ulid } from "ulid";
import { S3ObjectStore } from "../../functions/adapters/s3-object-store.js";
import { s3Signer } from "../../functions/adapters/s3-signer.js";
import { makeRecordHandler } from "../../functions/handlers/record-upload.js";
import { encodeEventKey } from "../../local/s3-events.js";
import { bodyOf, httpEvent, offlineSigner } from "../support/fixtures.js";
import { ownerRest, ownerS3, strictS3 } from "../support/integration.js";
import { documented } from "../support/openapi.js";

/** The same tests on each DynamoDB-compatible store with transactions. */
const stores = [
  { name: "DynamoDB Local", endpoint: inject("dynamoLocalEndpoint") },
  // The store of the local server global setup starts as `npm start` does, on its defaults.
  { name: "npm start's embedded store", endpoint: inject("localMode").dynamoEndpoint },
];
const MiB = 1024 * 1024;
const profiles = parseProfiles([
  { name: "daily", contentTypes: ["image/png"], maxBytes: 10 * MiB, quota: { uploadsPerDay: 10 } },
  { name: "bytes", contentTypes: ["image/png"], maxBytes: 10 * MiB, methods: ["put", "post"], quota: { bytesPerDay: 20 * MiB } },
  { name: "pending", contentTypes: ["image/png"], maxBytes: 10 * MiB, methods: ["put", "post"], quota: { pending: 2 } },
  { name: "mixed", contentTypes: ["image/png"], maxBytes: 10 * MiB, methods: ["put", "post"], quota: { uploadsPerDay: 50, bytesPerDay: 40 * MiB, pending: 3 } },
  { name: "free", contentTypes: ["image/png"], maxBytes: 10 * MiB },
]);

describe.each(stores)("quotas against $name", ({ endpoint }) => {
  if (!endpoint) return it.skip("needs a Java runtime for DynamoDB Local");
  let store: DynamoTicketStore;
  let writer: DynamoTicketWriter;
  let now = new Date("2026-11-30T12:00:00.000Z");
  let put: (event: HttpEvent) => Promise<{ statusCode?: number; body?: string; headers?: Record<string, unknown> }>;
  let post: typeof put;
  let n = 0;
  const user = () => `user-${Date.now().toString(36)}-${n++}`;
  const sign = (sub: string, profile: string, size = 1000) =>
    put(httpEvent({ claims: { sub }, body: { profile, filename: "a.png", contentType: "image/png", size } }));
  const counted = async (sub: string, profile: string) => usage({ profiles, counters: store, clock: { now: () => now } }, { sub, groups: [] }).then((u) => u.profiles.find((p) => p.profile === profile)!);

  beforeAll(async () => {
    const client = dynamoClient({ region: "us-east-1", endpoint: endpoint!, credentials: LOCAL_DYNAMO_CREDENTIALS });
    const table = `quotas-${Date.now().toString(36)}`;
    await ensureTable(client, table);
    store = new DynamoTicketStore({ table, region: "us-east-1", endpoint: endpoint!, credentials: LOCAL_DYNAMO_CREDENTIALS });
    writer = new DynamoTicketWriter({ table, region: "us-east-1", endpoint: endpoint!, credentials: LOCAL_DYNAMO_CREDENTIALS });
    let id = 0;
    const deps: SignDeps = {
      profiles, signer: offlineSigner(), writer: writer, clock: { now: () => now },
      ids: { next: () => `01KB${String(Date.now() % 1e9).padStart(9, "0")}${String(id++).padStart(13, "0")}`.replace(/[ILOU]/g, "0").slice(0, 26) },
    };
    put = documented("signPut", makeSignPutHandler(deps));
    post = documented("signPost", makeSignPostHandler(deps));
  });

  it.each([1, 2, 3])("grants exactly 10 of 50 concurrent requests against uploadsPerDay: 10 (run %i)", async () => {
    const sub = user();
    const results = await Promise.all(Array.from({ length: 50 }, () => sign(sub, "daily")));
    const statuses = results.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(40);
    const refused = results.find((r) => r.statusCode === 429)!;
    expect(bodyOf(refused).error).toMatchObject({ code: "quota_exceeded", details: [{ path: "quota.uploadsPerDay", message: expect.any(String) }] });
    expect(Number(refused.headers?.["retry-after"])).toBe(12 * 3600); // to the next UTC day
    expect(await counted(sub, "daily")).toMatchObject({ uploads: 10 });
  });

  it("GET /usage reports pending tickets only where the profile limits them, and then exactly", async () => {
    const sub = user();
    for (let i = 0; i < 3; i++) expect((await sign(sub, "daily")).statusCode).toBe(201);
    const daily = await counted(sub, "daily");
    expect(daily).toMatchObject({ uploads: 3 });
    expect(daily).not.toHaveProperty("pending"); // no slots are kept without a pending limit: no made-up 0
    expect((await sign(sub, "mixed")).statusCode).toBe(201);
    expect((await sign(sub, "mixed")).statusCode).toBe(201);
    expect(await counted(sub, "mixed")).toMatchObject({ uploads: 2, pending: 2 });
  });

  it("never reserves more than bytesPerDay for concurrent requests of mixed sizes", async () => {
    const sub = user();
    const sizes = Array.from({ length: 40 }, (_, i) => ((i * 7919) % 9 + 1) * 512 * 1024);
    const results = await Promise.all(sizes.map((size) => sign(sub, "bytes", size)));
    const granted = sizes.filter((_, i) => results[i]!.statusCode === 201).reduce((a, b) => a + b, 0);
    expect(granted).toBeLessThanOrEqual(20 * MiB);
    expect(granted).toBeGreaterThan(15 * MiB); // and it does grant up to the limit
    expect(results.every((r) => r.statusCode === 201 || r.statusCode === 429)).toBe(true);
    expect((await counted(sub, "bytes")).bytes).toBe(granted);
  });

  it("a POST reserves its maxBytes; completing keeps only its real size, rejecting gives it all back", async () => {
    const sub = user();
    const a = bodyOf(await post(httpEvent({ claims: { sub }, body: { profile: "bytes", contentType: "image/png", maxBytes: 8 * MiB } })));
    const b = bodyOf(await post(httpEvent({ claims: { sub }, body: { profile: "bytes", contentType: "image/png", maxBytes: 8 * MiB } })));
    expect((await counted(sub, "bytes")).bytes).toBe(16 * MiB);
    const ticketA = (await store.get(a.uploadId))!;
    expect(await store.update(ticketA, { status: "completed", size: 1 * MiB })).toBe(true);
    expect((await counted(sub, "bytes")).bytes).toBe(9 * MiB);
    expect(await store.update((await store.get(b.uploadId))!, { status: "rejected", rejectReason: "x" })).toBe(true);
    expect((await counted(sub, "bytes")).bytes).toBe(1 * MiB);
  });

  it("never lets bytes given back be counted twice: a rejected ticket that completes later must still fit the day", async () => {
    const sub = user();
    const a = bodyOf(await post(httpEvent({ claims: { sub }, body: { profile: "bytes", contentType: "image/png", maxBytes: 8 * MiB } })));
    await post(httpEvent({ claims: { sub }, body: { profile: "bytes", contentType: "image/png", maxBytes: 8 * MiB } }));
    expect(await store.update((await store.get(a.uploadId))!, { status: "rejected", rejectReason: "x" })).toBe(true); // 8 back
    expect((await post(httpEvent({ claims: { sub }, body: { profile: "bytes", contentType: "image/png", maxBytes: 8 * MiB } }))).statusCode).toBe(201);
    expect((await counted(sub, "bytes")).bytes).toBe(16 * MiB);
    // The first policy is reused for a full-size valid upload: 24 MiB would exceed 20.
    await expect(store.update((await store.get(a.uploadId))!, { status: "completed", size: 8 * MiB })).rejects.toMatchObject({ code: "quota_exceeded" });
    expect(await store.get(a.uploadId)).toMatchObject({ status: "rejected" });
    expect((await counted(sub, "bytes")).bytes).toBe(16 * MiB);
    // What still fits is counted.
    expect(await store.update((await store.get(a.uploadId))!, { status: "completed", size: 4 * MiB })).toBe(true);
    expect((await counted(sub, "bytes")).bytes).toBe(20 * MiB);
  });

  it("releases a pending slot when a ticket completes, is rejected, is aborted or expires", async () => {
    const sub = user();
    const first = bodyOf(await sign(sub, "pending"));
    const second = bodyOf(await sign(sub, "pending"));
    const refused = await sign(sub, "pending");
    expect(refused.statusCode).toBe(429);
    expect(bodyOf(refused).error.details).toEqual([{ path: "quota.pending", message: expect.any(String) }]);
    expect(refused.headers?.["retry-after"]).toBe("60");
    expect((await counted(sub, "pending")).pending).toBe(2);
    const held = [first.uploadId as string, second.uploadId as string];
    for (const [status, extra] of [["completed", { size: 1000 }], ["rejected", { rejectReason: "x" }], ["aborted", {}]] as const) {
      const ticket = (await store.get(held.shift()!))!;
      expect(ticket.status).toBe("pending");
      expect(await store.update(ticket, { status, ...extra })).toBe(true);
      expect((await counted(sub, "pending")).pending, status).toBe(1);
      const next = await sign(sub, "pending");
      expect(next.statusCode, status).toBe(201);
      held.push(bodyOf(next).uploadId);
    }
    // Expiry: the slots' leases run out with the tickets (expiresAt + 15 min).
    expect((await sign(sub, "pending")).statusCode).toBe(429);
    const later = now;
    now = new Date(now.getTime() + (300 + 15 * 60 + 1) * 1000);
    try {
      expect((await sign(sub, "pending")).statusCode).toBe(201);
    } finally {
      now = later;
    }
  });

  it("starts afresh when the UTC day rolls over", async () => {
    const sub = user();
    await Promise.all(Array.from({ length: 10 }, () => sign(sub, "daily")));
    expect((await sign(sub, "daily")).statusCode).toBe(429);
    const today = now;
    now = new Date("2026-12-01T00:00:01.000Z");
    try {
      expect((await sign(sub, "daily")).statusCode).toBe(201);
      expect(await counted(sub, "daily")).toMatchObject({ uploads: 1 });
    } finally {
      now = today;
    }
  });

  it("writes nothing at all for a profile without a quota (one plain PutItem), and nothing for a refused one", async () => {
    const sub = user();
    const free = bodyOf(await sign(sub, "free"));
    expect(await store.get(free.uploadId)).not.toHaveProperty("quotaDay");
    await Promise.all(Array.from({ length: 10 }, () => sign(sub, "daily")));
    const before = await store.listByOwner(sub, { limit: 100, expiredBefore: "2000-01-01T00:00:00.000Z" });
    expect((await sign(sub, "daily")).statusCode).toBe(429);
    expect((await store.listByOwner(sub, { limit: 100, expiredBefore: "2000-01-01T00:00:00.000Z" })).items).toHaveLength(before.items.length);
  });

  it.skipIf(!strictS3)("gives a rejected upload's bytes back through the record step, against RGW", async () => {
    const s3 = ownerS3();
    const bucket = `quota-${Date.now().toString(36)}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const signer = s3Signer({ bucket, region: strictS3!.region, endpoint: strictS3!.endpoint, credentials: strictS3! });
    const realNow = () => new Date();
    const deps: SignDeps = { profiles, signer, writer: writer, clock: { now: realNow }, ids: { next: () => ulid() } };
    const sub = user();
    const t = bodyOf(await makeSignPutHandler(deps)(httpEvent({ claims: { sub }, body: { profile: "bytes", filename: "a.png", contentType: "image/png", size: 3000 } })));
    const countedNow = () => usage({ profiles, counters: store, clock: { now: realNow } }, { sub, groups: [] }).then((u) => u.profiles.find((p) => p.profile === "bytes")!.bytes);
    expect(await countedNow()).toBe(3000);
    // A real PUT with the signed headers, but the record step finds the wrong bytes' size.
    const { "content-length": _, ...headers } = t.headers;
    expect((await fetch(t.url, { method: "PUT", headers, body: new Uint8Array(3000) })).status).toBe(200);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: t.key, Body: new Uint8Array(10), ContentType: "image/png", Metadata: { "upload-id": t.uploadId } }));
    const record = makeRecordHandler({ bucket, tickets: store, objects: new S3ObjectStore(ownerRest(bucket)), clock: { now: realNow } });
    const { results } = await record({ Records: [{ eventName: "ObjectCreated:Put", s3: { bucket: { name: bucket }, object: { key: encodeEventKey(t.key) } } }] });
    expect(results[0]?.outcome).toBe("rejected");
    expect(await countedNow()).toBe(0);
  });

  it("keeps the counters equal to what the tickets say, for any sequence of signs, completions, rejections and aborts", async () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("sign" as const), size: fc.integer({ min: 1, max: 6 * MiB }) }),
      fc.record({ kind: fc.constantFrom("completed" as const, "rejected" as const, "aborted" as const), pick: fc.nat() }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 10 }), async (ops) => {
        const sub = user();
        const tickets: string[] = [];
        for (const o of ops) {
          if (o.kind === "sign") {
            const res = await sign(sub, "mixed", o.size);
            if (res.statusCode === 201) tickets.push(bodyOf(res).uploadId);
            else expect(res.statusCode).toBe(429);
          } else if (tickets.length) {
            const ticket = (await store.get(tickets[o.pick % tickets.length]!))!;
            if (ticket.status === "pending") await store.update(ticket, { status: o.kind, ...(o.kind === "completed" ? { size: ticket.declaredSize! } : {}) });
          }
        }
        const all = await Promise.all(tickets.map((id) => store.get(id)));
        const u = await counted(sub, "mixed");
        expect(u.bytes).toBe(all.reduce((sum, t) => sum + (t!.quotaBytes ?? 0), 0));
        expect(u.uploads).toBe(tickets.length);
        expect(u.pending).toBe(all.filter((t) => t!.status === "pending").length);
        expect(u.bytes).toBeLessThanOrEqual(40 * MiB);
        expect(u.pending).toBeLessThanOrEqual(3);
      }),
      { numRuns: 12 },
    );
  });
});
