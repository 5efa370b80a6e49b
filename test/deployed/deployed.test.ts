/**
 * `npm run test:deployed`: the default stack and one with every optional feature on, each
 * synthesized once with its real bundles, rehearsed as AWS would run them (see rehearsal.ts and
 * docs/deploy.md, "Rehearsed before deploying"). Every function of each template is invoked, every
 * AWS call is checked against its role, and the run prints the table of what each function did.
 * Then three mutations of the template or an asset: each must fail the rehearsal, by name.
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rgwAvailable, startRgw, type StrictS3 } from "../support/ceph-rgw.js";
import { javaAvailable, startDynamoLocal, type DynamoLocal } from "../support/dynamodb-local.js";
import { abortedMultipart, admin, ALICE, deadLetterReplay, mislabelled, downloadAndDelete, multipart, publicRoutes, putTo, signedPost, signedPut, status, sweep, uppy, usageAndList, webhookDeadLetter, webhookDeliveries, webhookRetried, webhookSecret } from "./flows.js";
import { node22Available } from "./lambda-host.js";
import { Rehearsal, type LocalServers } from "./rehearsal.js";
import { FULL_STACK, synthesize, type SynthesizedStack } from "./stacks.js";
import type { Json, TemplateJson } from "./template.js";
import { png } from "../support/samples.js";

const ready = rgwAvailable() && javaAvailable() && node22Available();
if (!ready && process.env.CI === "true") throw new Error("CI=true: the rehearsal needs Ceph RGW, Java (DynamoDB Local) and Node.js 22 (npm ci --prefix test/deployed/node22); run bash .ci/run");

let rgw: StrictS3 | undefined;
let dynamo: DynamoLocal | undefined;
let servers: LocalServers;
const stacks: Record<"default" | "full", SynthesizedStack> = {} as never;
const rehearsals: Partial<Record<"default" | "full", Rehearsal>> = {};

beforeAll(async () => {
  if (!ready) return;
  // The servers first: synthesis is synchronous CPU work that would starve their start-up checks.
  [rgw, dynamo] = await Promise.all([startRgw(), startDynamoLocal()]);
  stacks.default = synthesize("default", {});
  stacks.full = synthesize("full", FULL_STACK);
  servers = { s3: rgw, dynamodb: dynamo.endpoint };
  [rehearsals.default, rehearsals.full] = await Promise.all([Rehearsal.start(stacks.default.template, stacks.default.outdir, servers), Rehearsal.start(stacks.full.template, stacks.full.outdir, servers)]);
});

afterAll(async () => {
  for (const [name, r] of Object.entries(rehearsals)) {
    console.log(`\nDeployed-stack rehearsal, ${name} stack:\n${r!.table()}`);
    await r!.stop();
  }
  await rgw?.stop();
  await dynamo?.stop();
  for (const s of Object.values(stacks)) s.cleanup();
});

/**
 * Grants the flows do not reach, each for a reason that is not "nobody needs it". Everything else
 * a role holds, some call of its function used: a grant nobody uses fails the test above.
 */
const NOT_EXERCISED: Record<string, string> = {
  "Admin dynamodb:DeleteItem": "frees the pending slot of a deleted upload whose profile's quota limits pending tickets (as upload-object's)",
  "Multipart dynamodb:DeleteItem": "frees the pending slot of a profile whose quota limits pending tickets (the multipart profile has none)",
  "Multipart s3:AbortMultipartUpload": "aborts an upload whose completion was refused; every part URL signs its exact length, so the flows cannot make one",
  "Multipart s3:DeleteObject": "deletes a completed object that does not match its ticket (as above)",
  "Uppy dynamodb:DeleteItem": "as multipart's",
  "Uppy s3:DeleteObject": "as multipart's",
  "PublishEvents sqs:SendMessage": "Lambda reports a stream batch there only after every retry failed (the same grant as record-upload's, which the dead-letter flow uses)",
  "ScanResult sqs:SendMessage": "Lambda parks a scan result there only after every retry failed (as above)",
  "ScanResult dynamodb:DeleteItem": "frees a pending slot still held by a ticket whose scan found a threat",
  "Sweep s3:DeleteObject": "deletes a swept object that does not match its ticket",
  "Sweep s3:ListBucket": "lists under a POST ticket's prefix when S3 filled in its name (`${filename}`)",
};

/** Every function with an asset ran at least once, and no call of any function (or made with its role) was refused. */
async function everyFunctionRanAllowed(r: Rehearsal) {
  await r.checkDeployTimeCalls();
  for (const d of r.functions.values()) if (d.host) expect(d.host.invocations, r.label(d)).toBeGreaterThan(0);
  expect(r.calls.filter((c) => c.error || c.checks.some((x) => !x.decision.allowed))).toEqual([]);
  expect(r.failures).toEqual([]);
}

const credentials = () => ({ dynamodb: servers.dynamodb, credentials: servers.s3 });

describe.skipIf(!ready)("the deployed stack, rehearsed", () => {
  describe("default stack", () => {
    const r = () => rehearsals.default!;

    it("starts every function from its asset on Node.js 22 with the template's environment (cold starts succeed)", () => {
      expect(r().failures).toEqual([]);
    });

    it("public routes, PUT and POST uploads recorded and published to the default bus, download and delete, usage and listing", async () => {
      await publicRoutes(r());
      const put = await signedPut(r(), "avatar");
      expect(await status(r(), put.uploadId)).toBe("completed");
      const post = await signedPost(r());
      expect(await status(r(), post.uploadId)).toBe("completed");
      await downloadAndDelete(r(), put.uploadId, put.bytes);
      await usageAndList(r());
      const events = r().stubs.events.map((e) => `${e.bus} ${e["detail-type"]} ${e.detail.uploadId as string}`);
      expect(events).toEqual(expect.arrayContaining([`default Upload Completed ${put.uploadId}`, `default Upload Completed ${post.uploadId}`, `default Upload Deleted ${put.uploadId}`]));
      expect(r().failures).toEqual([]);
    });

    it("multipart and the Uppy routes; a mislabelled upload rejected, a pending multipart upload aborted", async () => {
      const { uploadId } = await multipart(r());
      expect(await status(r(), uploadId)).toBe("completed");
      expect(await status(r(), await mislabelled(r()))).toBe("rejected");
      expect(await abortedMultipart(r())).toBe("aborted");
      await uppy(r());
      expect(r().failures).toEqual([]);
    });

    it("the admin routes: the backend's role (SigV4) lists, shows, downloads, counts and deletes a user's uploads; a user's token and another role get 403", async () => {
      await admin(r());
      expect(r().failures).toEqual([]);
    });

    it("the sweeper's schedule rescues uploads whose S3 events were lost, and expires an abandoned multipart upload", async () => {
      for (const id of await sweep(r(), credentials())) expect(await status(r(), id)).toBe("completed");
      expect(r().failures).toEqual([]);
    });

    it("a record that failed through every retry lands in the dead-letter queue, and the replay script records it", async () => {
      expect(await status(r(), await deadLetterReplay(r()))).toBe("completed");
      expect(r().failures).toEqual([]);
    });

    it("scan-result has no trigger without malwareScan; invoked directly (as `aws lambda invoke` would), it starts and ignores another bucket's result", async () => {
      const event = JSON.parse(readFileSync(join(import.meta.dirname, "..", "events", "guardduty-no-threats-found.json"), "utf8")) as unknown;
      const answer = await r().invoke(r().fn("UploadBrokerScanResult"), event);
      expect(answer.error).toBeUndefined();
      expect(r().template.ofType("AWS::Events::Rule")).toEqual([]);
    });

    it("deliver-webhook has no trigger without webhookUrl; invoked directly, it starts and says the stack has no webhook", async () => {
      const answer = await r().invoke(r().fn("UploadBrokerDeliverWebhook"), { id: "e1", source: "upload-broker" });
      expect(answer.error?.errorMessage).toMatch(/This stack has no webhook/);
      expect(r().webhook.configured).toEqual([]);
    });

    it("invoked every function of the template, and every call it made was allowed by its role", () => everyFunctionRanAllowed(r()));
  });

  describe("every optional feature on: webhook, malware scan, quotas, custom bus, public files, SSE-KMS", () => {
    const r = () => rehearsals.full!;

    it("starts every function", () => {
      expect(r().failures).toEqual([]);
    });

    it("a public avatar: scanned, completed, copied for the CDN, published on the custom bus and delivered to the webhook", async () => {
      await publicRoutes(r());
      const put = await signedPut(r(), "avatar");
      expect(await status(r(), put.uploadId)).toBe("completed");
      const view = (await r().api("GET", `/uploads/${put.uploadId}`, { user: ALICE })).json;
      expect(view.fileUrl).toMatch(/^https:\/\/[a-z0-9]+\.cloudfront\.net\/avatar\//);
      const completed = r().stubs.events.find((e) => e.detail.uploadId === put.uploadId && e["detail-type"] === "Upload Completed")!;
      expect(completed.bus).toMatch(/event-bus\/uploads-bus$/);
      // The deliverer runs with the template's WEBHOOK_URL, sent to the test's receiver instead.
      expect(r().webhook.configured).toEqual(["https://hooks.example.com/upload-broker"]);
      const delivered = await webhookDeliveries(r(), put.uploadId);
      expect(delivered.map((d) => [d.method, d.headers["content-type"], d.event["detail-type"], d.status])).toEqual([["POST", "application/json", "Upload Completed", 204]]);
      expect(delivered[0]!.event).toMatchObject({ source: "upload-broker", detail: { uploadId: put.uploadId, status: "completed", fileUrl: view.fileUrl } });
      expect(webhookSecret(r())).toMatch(/^[A-Za-z0-9]{64}$/);
      await downloadAndDelete(r(), put.uploadId, put.bytes);
      expect(r().failures).toEqual([]);
    });

    it("the webhook: a 500 is retried with the same webhook-id; down through every retry, the event is parked on its dead-letter queue and the replay script delivers it", async () => {
      await webhookRetried(r());
      await webhookDeadLetter(r());
      expect(r().failures).toEqual([]);
    });

    it("GuardDuty finds a threat: the scan-result function rejects the ticket and deletes the object", async () => {
      const bytes = png(16, 16, 7);
      const ticket = await r().api("POST", "/sign/put", { user: ALICE, body: { profile: "avatar", filename: "eicar.png", contentType: "image/png", size: bytes.length } });
      r().verdicts.set(ticket.json.key, "THREATS_FOUND");
      expect((await putTo(ticket.json, bytes)).status).toBe(200);
      await r().settle();
      expect(await status(r(), ticket.json.uploadId)).toBe("rejected");
      expect(r().failures).toEqual([]);
    });

    it("quotas: counted in a transaction (per-item IAM actions), refused past the daily limit, shown by /usage", async () => {
      const sign = () => r().api("POST", "/sign/put", { user: { sub: "quota-user" }, body: { profile: "limited", filename: "a.png", contentType: "image/png", size: 100 } });
      expect((await sign()).status).toBe(201);
      const refused = await sign();
      expect(refused.status).toBe(429);
      expect(refused.json.error.code).toBe("quota_exceeded");
      const usage = await r().api("GET", "/usage", { user: { sub: "quota-user" } });
      expect(usage.json.profiles.find((p: { profile: string }) => p.profile === "limited")).toMatchObject({ uploads: 1 });
      expect(r().calls.some((c) => c.operation === "DynamoDB TransactWriteItems" && c.function.includes("signput"))).toBe(true);
      // A POST ticket of a quota profile reserves in the same way; a pending ticket deleted frees its slot.
      const post = await r().api("POST", "/sign/post", { user: { sub: "quota-user" }, body: { profile: "avatar", filename: "b.png", contentType: "image/png" } });
      expect(post.status, post.body).toBe(201);
      expect(r().calls.some((c) => c.operation === "DynamoDB TransactWriteItems" && c.function.includes("signpost"))).toBe(true);
      expect((await r().api("DELETE", `/uploads/${post.json.uploadId}`, { user: { sub: "quota-user" } })).json.status).toBe("aborted");
      expect(r().failures).toEqual([]);
    });

    it("POST, multipart, Uppy, usage, listing and the admin routes on an SSE-KMS bucket; a mislabelled upload rejected, a pending multipart upload aborted", async () => {
      expect(await status(r(), (await signedPost(r())).uploadId)).toBe("completed");
      expect(await status(r(), (await multipart(r())).uploadId)).toBe("completed");
      expect(await status(r(), await mislabelled(r()))).toBe("rejected");
      expect(await abortedMultipart(r())).toBe("aborted");
      await uppy(r());
      await usageAndList(r());
      await admin(r());
      expect(r().failures).toEqual([]);
    });

    it("the sweeper and the dead-letter replay: recorded late, the upload completes at once with the scan result that came first", async () => {
      // GuardDuty's result came while the ticket was still pending (no ETag recorded yet):
      // scan-result kept it on the ticket, and the late record step completed that very object.
      for (const uploadId of [...(await sweep(r(), credentials())), await deadLetterReplay(r())]) {
        expect(await status(r(), uploadId)).toBe("completed");
      }
      expect(r().failures).toEqual([]);
    });

    it("invoked every function of the template, and every call it made was allowed by its role", () => everyFunctionRanAllowed(r()));
  });

  it("least privilege, observed: every action a role grants is used by one of its function's calls in one of the two stacks", () => {
    const use = [...rehearsals.default!.grantUse(), ...rehearsals.full!.grantUse()];
    const used = new Set(use.filter((u) => u.used).map((u) => `${u.function} ${u.action}`));
    const unused = [...new Set(use.map((u) => `${u.function} ${u.action}`))].filter((g) => !used.has(g)).sort();
    console.log(`Granted but not used by the rehearsal's flows:\n  ${unused.join("\n  ") || "(none)"}`);
    expect(unused).toEqual(Object.keys(NOT_EXERCISED).sort());
  });

  describe("mutations: what a broken template or asset does to the rehearsal", () => {
    const copy = (): TemplateJson => structuredClone(stacks.full.template);
    const functionId = (t: TemplateJson, prefix: string) => Object.keys(t.Resources).find((id) => id.startsWith(prefix) && t.Resources[id]!.Type === "AWS::Lambda::Function")!;
    const mutated = async (t: TemplateJson, only: string[], asset?: Parameters<typeof Rehearsal.start>[3]) => Rehearsal.start(t, stacks.full.outdir, servers, { only, ...asset });

    it("one grant removed (sign-put's dynamodb:UpdateItem): the quota transaction is refused, naming function, action, resource and the missing statement", async () => {
      const t = copy();
      const policy = Object.entries(t.Resources).find(([id, res]) => id.startsWith("UploadBrokerSignPutRoleDefaultPolicy") && res.Type === "AWS::IAM::Policy")![1];
      const statements = (policy.Properties!.PolicyDocument as { Statement: Array<{ Action: Json }> }).Statement;
      for (const s of statements) if (Array.isArray(s.Action)) s.Action = s.Action.filter((a) => a !== "dynamodb:UpdateItem");
      const r = await mutated(t, ["UploadBrokerSignPut"]);
      try {
        const answer = await r.api("POST", "/sign/put", { user: { sub: "mutant" }, body: { profile: "avatar", filename: "a.png", contentType: "image/png", size: 100 } });
        expect(answer.status).toBe(500);
        const failure = r.failures.find((f) => f.includes("dynamodb:UpdateItem"));
        expect(failure).toMatch(/^SignPut \(role test-uploadbrokersignputrole[0-9a-f]+\): DynamoDB TransactWriteItems needs dynamodb:UpdateItem on arn:aws:dynamodb:us-east-1:123456789012:table\/rehearsal-[^:]+: no statement allows it; missing statement: \{"Effect":"Allow","Action":"dynamodb:UpdateItem","Resource":"arn:aws:dynamodb:us-east-1:123456789012:table\/[^"]+"\}/);
      } finally {
        await r.stop();
      }
    });

    it("one environment variable removed (get-upload's TABLE_NAME): the function fails at cold start, naming it", async () => {
      const t = copy();
      const id = functionId(t, "UploadBrokerGetUpload");
      delete ((t.Resources[id]!.Properties!.Environment as { Variables: Record<string, Json> }).Variables as Record<string, Json>).TABLE_NAME;
      const r = await mutated(t, ["UploadBrokerGetUpload"]);
      try {
        expect(r.failures).toEqual([expect.stringMatching(/^GetUpload: fails at cold start \(.+\): .*TABLE_NAME/s)]);
      } finally {
        await r.stop();
      }
    });

    it("one external module removed from a copy of sign-put's asset (any-ascii): a non-ASCII name answers 500, and the log names the module", async () => {
      const t = copy();
      const id = functionId(t, "UploadBrokerSignPut");
      const r = await mutated(t, ["UploadBrokerSignPut"], { asset: { functionLogicalId: id, change: (dir) => rmSync(join(dir, "node_modules", "any-ascii"), { recursive: true }) } });
      try {
        expect((await r.api("POST", "/sign/put", { user: { sub: "mutant" }, body: { profile: "avatar", filename: "plain.png", contentType: "image/png", size: 100 } })).status).toBe(201);
        expect(r.failures).toEqual([]);
        const answer = await r.api("POST", "/sign/put", { user: { sub: "mutant" }, body: { profile: "avatar", filename: "报告.png", contentType: "image/png", size: 100 } });
        expect(answer.status).toBe(500);
        expect(r.failures).toEqual([expect.stringMatching(/^SignPut: POST \/sign\/put answered 500: [\s\S]*Cannot find (module|package) 'any-ascii'/)]);
      } finally {
        await r.stop();
      }
    });
  });
});
