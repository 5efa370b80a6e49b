/**
 * Randomized fault schedules (seeded, bounded) through sign, complete, delete, record, sweep
 * and publish: whatever AWS does, the invariants hold, and every event ends where a run
 * without faults ends, or fails its invocation so that Lambda retries it.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { deleteUpload } from "../../functions/domain/after-upload.js";
import type { CompletionEvent, EventPublisher } from "../../functions/domain/events.js";
import { completeUpload } from "../../functions/domain/multipart.js";
import { signMultipart, signPost, signPut } from "../../functions/domain/sign.js";
import { makePublishHandler } from "../../functions/handlers/publish-events.js";
import { makeRecordHandler } from "../../functions/handlers/record-upload.js";
import { makeSweepHandler } from "../../functions/handlers/sweep.js";
import type { Ticket } from "../../functions/schemas.js";
import { FaultInjector, faultSchedule, untilSettled } from "../support/faults.js";
import { MemoryMultipartStore, MemoryObjectStore, NOW, memoryDeps } from "../support/fixtures.js";
import { IndexedTicketStore, memoryLister } from "../support/sweep-fixtures.js";

const SEED = 18;
const RUNS = 500;
const alice = { sub: "alice", groups: [] };
const LATER = new Date(NOW.getTime() + 25 * 3600_000);
const MiB = 1024 * 1024;

/** A fresh world: tickets (with the sweep index), bucket, multipart uploads, and sign deps. */
function world() {
  const tickets = new IndexedTicketStore();
  const objects = new MemoryObjectStore();
  const multipart = new MemoryMultipartStore(objects);
  const { deps } = memoryDeps({ writer: tickets });
  return { tickets, objects, multipart, sign: deps };
}
type World = ReturnType<typeof world>;

/** The ports of a world as seen through the injector. */
function faulty(w: World, faults: FaultInjector) {
  return {
    tickets: faults.wrap(w.tickets, "tickets", ["get", "update", "create", "expiredBefore", "unlist"]),
    objects: faults.wrap(w.objects, "objects", ["head", "delete", "readHead"]),
    multipart: faults.wrap(w.multipart, "multipart", ["create", "listParts", "complete", "abort"]),
  };
}

const withoutVersion = (t: Ticket | undefined) => t && (({ version: _, ...rest }) => rest)(t);
const s3Event = (eventName: string, ...keys: string[]) => ({
  Records: keys.map((key) => ({ eventName, s3: { bucket: { name: "uploads" }, object: { key: encodeURIComponent(key).replace(/%2F/g, "/"), size: 1 } } })),
});
const store = (w: World, key: string, uploadId: string, size: number, contentType = "image/png") =>
  w.objects.objects.set(key, { size, contentType, etag: `etag-${size}`, lastModified: NOW, metadata: { "upload-id": uploadId, caption: "hi" } });

describe("signing under faults", () => {
  it("never returns a URL without its stored ticket, and leaves no multipart upload behind but for a failed abort", async () => {
    await fc.assert(
      fc.asyncProperty(faultSchedule(), fc.constantFrom("put", "post", "multipart"), async (schedule, method) => {
        const w = world();
        const faults = new FaultInjector(schedule);
        const ports = faulty(w, faults);
        const deps = { ...w.sign, tickets: ports.tickets, multipart: ports.multipart };
        const input = { profile: "document", filename: "report.pdf", contentType: "application/pdf", size: 20 * MiB, metadata: {} };
        const signed: { uploadId: string } | undefined = await (method === "put"
          ? signPut(deps, alice, { ...input, size: 2048, metadata: { caption: "hi" } })
          : method === "post"
            ? signPost(deps, alice, { profile: "avatar", contentType: "image/png", metadata: { caption: "hi" } })
            : signMultipart({ ...deps, writer: deps.tickets }, alice, input)
        ).catch(() => undefined);
        if (signed) {
          const ticket = w.tickets.items.get(signed.uploadId);
          expect(ticket, "the answered ticket is stored").toBeDefined();
          if (method === "multipart") expect(w.multipart.uploads.has(ticket!.s3UploadId!), "its upload is live").toBe(true);
        }
        const owned = new Set([...w.tickets.items.values()].map((t) => t.s3UploadId));
        const orphans = [...w.multipart.uploads.keys()].filter((id) => !owned.has(id));
        if (orphans.length > 0) expect(faults.failed("multipart.abort").length + faults.injected.filter((i) => i.call === "multipart.create" && i.fault === "lost-answer").length).toBeGreaterThan(0);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

type Scenario = "put-match" | "put-size" | "put-type" | "post-match" | "put-twice";

/** A signed ticket and the object its upload made, per scenario; the S3 event for it. */
async function upload(w: World, scenario: Scenario) {
  if (scenario === "post-match") {
    const t = await signPost(w.sign, alice, { profile: "avatar", contentType: "image/png", metadata: { caption: "hi" } });
    const key = `${t.conditions.keyPrefix}my pic.png`;
    store(w, key, t.uploadId, 2048);
    return { uploadId: t.uploadId, key, event: s3Event("ObjectCreated:Post", key), valid: true };
  }
  const t = await signPut(w.sign, alice, { profile: "avatar", filename: "me.png", contentType: "image/png", size: 2048, metadata: { caption: "hi" } });
  store(w, t.key, t.uploadId, scenario === "put-size" ? 2047 : 2048, scenario === "put-type" ? "text/html" : "image/png");
  const valid = scenario === "put-match" || scenario === "put-twice";
  return { uploadId: t.uploadId, key: t.key, event: s3Event("ObjectCreated:Put", ...(scenario === "put-twice" ? [t.key, t.key] : [t.key])), valid };
}

const scenarios = fc.constantFrom<Scenario>("put-match", "put-size", "put-type", "post-match", "put-twice");

describe("recording under faults", () => {
  it("ends every event in the fault-free state after retries, never completes a mismatch, never deletes a valid object", async () => {
    await fc.assert(
      fc.asyncProperty(faultSchedule(), scenarios, async (schedule, scenario) => {
        const clean = world();
        const expected = await upload(clean, scenario);
        await makeRecordHandler({ bucket: "uploads", tickets: clean.tickets, objects: clean.objects, clock: { now: () => NOW } })(expected.event);

        const w = world();
        const u = await upload(w, scenario);
        const ports = faulty(w, new FaultInjector(schedule));
        const handler = makeRecordHandler({ bucket: "uploads", tickets: ports.tickets, objects: ports.objects, clock: { now: () => NOW } });
        await untilSettled(async () => {
          try {
            return await handler(u.event);
          } finally {
            if (u.valid) expect(w.objects.deleted, "a valid object is never deleted").toEqual([]);
            else expect(w.tickets.items.get(u.uploadId)?.status, "a mismatch never completes").not.toBe("completed");
          }
        });
        expect(withoutVersion(w.tickets.items.get(u.uploadId))).toEqual({ ...withoutVersion(clean.tickets.items.get(expected.uploadId)), uploadId: u.uploadId, key: u.key });
        expect(w.objects.objects.has(u.key)).toBe(clean.objects.objects.has(expected.key));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

/** A pending multipart ticket whose parts are all uploaded (`short`: one byte missing from the last part). */
async function multipartUpload(w: World, short: boolean) {
  const t = await signMultipart({ ...w.sign, writer: w.sign.writer, multipart: w.multipart }, alice, { profile: "document", filename: "report.pdf", contentType: "application/pdf", size: 20 * MiB, metadata: {} });
  const ticket = w.tickets.items.get(t.uploadId)!;
  const parts = [];
  for (let n = 1; n <= t.partCount; n++) {
    const size = n < t.partCount ? t.partSize : 20 * MiB - t.partSize * (t.partCount - 1) - (short ? 1 : 0);
    w.multipart.uploadPart(ticket.s3UploadId!, n, size);
    parts.push({ partNumber: n, etag: `etag-${n}-${size}` });
  }
  return { uploadId: t.uploadId, key: t.key, parts };
}

describe("completing a multipart upload under faults", () => {
  it("answers the fault-free view after retries: a short upload is rejected, a full one completed and kept", async () => {
    await fc.assert(
      fc.asyncProperty(faultSchedule(), fc.boolean(), async (schedule, short) => {
        const w = world();
        const u = await multipartUpload(w, short);
        const ports = faulty(w, new FaultInjector(schedule));
        const deps = { profiles: w.sign.profiles, tickets: ports.tickets, objects: ports.objects, multipart: ports.multipart, signer: w.sign.signer, clock: { now: () => NOW } };
        const { result: view } = await untilSettled(async () => {
          try {
            return await completeUpload(deps, alice, u.uploadId, { parts: u.parts });
          } finally {
            if (short) expect(w.tickets.items.get(u.uploadId)?.status).not.toBe("completed");
            else expect(w.objects.deleted).toEqual([]);
          }
        });
        expect(view.status).toBe(short ? "rejected" : "completed");
        // S3's own CompleteMultipartUpload event follows (a retried complete answers a rejected
        // ticket's view at once, so a delete that failed in it is finished by this event).
        const record = makeRecordHandler({ bucket: "uploads", tickets: ports.tickets, objects: ports.objects, clock: { now: () => NOW } });
        await untilSettled(() => record(s3Event("ObjectCreated:CompleteMultipartUpload", u.key)));
        expect(w.tickets.items.get(u.uploadId)?.status).toBe(view.status);
        expect(w.objects.objects.has(u.key)).toBe(!short);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe("deleting under faults", () => {
  it("ends deleted (object gone) or aborted (upload aborted), as without faults, after retries", async () => {
    await fc.assert(
      fc.asyncProperty(faultSchedule(), fc.constantFrom("completed", "pending-multipart", "pending-put"), async (schedule, kind) => {
        const w = world();
        let uploadId: string;
        let key: string;
        if (kind === "pending-multipart") ({ uploadId, key } = await multipartUpload(w, false));
        else {
          const u = await upload(w, "put-match");
          ({ uploadId, key } = u);
          if (kind === "completed") await makeRecordHandler({ bucket: "uploads", tickets: w.tickets, objects: w.objects, clock: { now: () => NOW } })(u.event);
          else w.objects.objects.delete(key);
        }
        const s3UploadId = w.tickets.items.get(uploadId)!.s3UploadId;
        const ports = faulty(w, new FaultInjector(schedule));
        const deps = { tickets: ports.tickets, objects: ports.objects, multipart: ports.multipart, signer: w.sign.signer, clock: { now: () => NOW } };
        const { result: view } = await untilSettled(() => deleteUpload(deps, alice, uploadId));
        expect(view.status).toBe(kind === "completed" ? "deleted" : "aborted");
        expect(w.tickets.items.get(uploadId)?.status).toBe(view.status);
        expect(w.objects.objects.has(key)).toBe(false);
        if (s3UploadId) expect(w.multipart.uploads.has(s3UploadId)).toBe(false);
        if (kind !== "completed") expect(w.objects.deleted).toEqual([]);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

/** Lost events and abandoned tickets, all past their expiry at `LATER`. */
async function abandoned(w: World) {
  const lostPut = await upload(w, "put-match");
  const lostPost = await upload(w, "post-match");
  const badPut = await upload(w, "put-size");
  const empty = await signPut(w.sign, alice, { profile: "avatar", filename: "never.png", contentType: "image/png", size: 10, metadata: {} });
  const stalled = await multipartUpload(w, false);
  return { lostPut, lostPost, badPut, empty, stalled, s3UploadId: w.tickets.items.get(stalled.uploadId)!.s3UploadId! };
}

/** What the sweep leaves: each ticket's status and whether it is still listed, and the bucket. */
const outcome = (w: World, a: Awaited<ReturnType<typeof abandoned>>) => ({
  statuses: [a.lostPut, a.lostPost, a.badPut, a.empty, a.stalled].map((t) => [w.tickets.items.get(t.uploadId)?.status, w.tickets.listed.has(t.uploadId)]),
  objects: [a.lostPut.key, a.lostPost.key, a.badPut.key].map((k) => w.objects.objects.has(k)),
  stalledUploadLive: w.multipart.uploads.has(a.s3UploadId),
});

describe("sweeping under faults, beside a late record event", () => {
  it("rescues lost events, expires the rest once, and agrees with a sweep without faults", async () => {
    await fc.assert(
      fc.asyncProperty(faultSchedule(40), fc.boolean(), async (schedule, lateEvent) => {
        const sweepOf = (w: World, ports: ReturnType<typeof faulty>) =>
          makeSweepHandler({ tickets: ports.tickets, index: ports.tickets, objects: ports.objects, lister: memoryLister(w.objects), multipart: ports.multipart, clock: { now: () => LATER } });
        const clean = world();
        const cleanTickets = await abandoned(clean);
        await sweepOf(clean, { tickets: clean.tickets, objects: clean.objects, multipart: clean.multipart })();
        const expected = outcome(clean, cleanTickets);
        expect(expected).toEqual({
          statuses: [["completed", false], ["completed", false], ["rejected", false], ["pending", false], ["pending", false]],
          objects: [true, true, false],
          stalledUploadLive: false,
        });

        const w = world();
        const a = await abandoned(w);
        const ports = faulty(w, new FaultInjector(schedule));
        const record = makeRecordHandler({ bucket: "uploads", tickets: ports.tickets, objects: ports.objects, clock: { now: () => LATER } });
        await Promise.all([
          untilSettled(() => sweepOf(w, ports)()),
          lateEvent ? untilSettled(() => record(a.lostPut.event)) : undefined,
        ]);
        expect(w.objects.deleted.filter((k) => k !== a.badPut.key), "only the mismatching object is deleted").toEqual([]);
        expect(outcome(w, a)).toEqual(expected);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe("publishing under faults", () => {
  const batch = JSON.parse(readFileSync(new URL("../events/dynamodb-stream-batch.json", import.meta.url), "utf8")) as { Records: Array<{ dynamodb: { SequenceNumber: string } }> };

  it("publishes every event at least once, retrying from the first failed record", async () => {
    const clean: CompletionEvent[] = [];
    await makePublishHandler({ bucket: "uploads", publisher: { publish: async (events) => void clean.push(...events) } })(batch);
    expect(clean.length).toBeGreaterThan(0);
    await fc.assert(
      fc.asyncProperty(faultSchedule(), async (schedule) => {
        const published: CompletionEvent[] = [];
        const publisher: EventPublisher = new FaultInjector(schedule).wrap({ publish: async (events: CompletionEvent[]) => void published.push(...events) }, "publisher");
        const handler = makePublishHandler({ bucket: "uploads", publisher });
        let records = batch.Records;
        for (let run = 0; run < 60 && records.length > 0; run++) {
          const { batchItemFailures } = await handler({ Records: records });
          const first = batchItemFailures[0]?.itemIdentifier;
          records = first === undefined ? [] : records.slice(records.findIndex((r) => r.dynamodb.SequenceNumber === first));
        }
        expect(records).toEqual([]);
        const ids = (events: CompletionEvent[]) => [...new Set(events.map((e) => `${e.detail.uploadId}:${e.detailType}`))].sort();
        expect(ids(published)).toEqual(ids(clean));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

