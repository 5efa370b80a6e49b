/**
 * The real flows, driven through a rehearsed stack as a client, S3 and the event sources would
 * drive them: each returns what it saw so the test can assert on the outcome, and every byte goes
 * through the URLs and POST policies the functions signed, to Ceph RGW.
 */
import { UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { expect } from "vitest";
import { dynamoClient } from "../../functions/adapters/clients.js";
import { replayDeadLetters } from "../../bin/replay-dlq.js";
import { verifyWebhook } from "../../client/src/server.js";
import { noise, pdf, png } from "../support/samples.js";
import type { Rehearsal, User } from "./rehearsal.js";
import { ACCOUNT, REGION } from "./template.js";

export const ALICE: User = { sub: "alice" };
const MiB = 1024 * 1024;

/** A PUT through a ticket's URL with its headers (fetch sets content-length itself). */
export async function putTo(ticket: { url: string; headers: Record<string, string> }, body: Uint8Array): Promise<Response> {
  const headers = Object.fromEntries(Object.entries(ticket.headers).filter(([name]) => name !== "content-length"));
  return fetch(ticket.url, { method: "PUT", headers, body });
}

/** A browser's form POST: the policy's fields, then the file. */
export async function postTo(ticket: { url: string; fields: Record<string, string> }, body: Uint8Array, filename: string, type: string): Promise<Response> {
  const form = new FormData();
  for (const [k, v] of Object.entries(ticket.fields)) form.append(k, v);
  form.append("file", new Blob([body], { type }), filename);
  return fetch(ticket.url, { method: "POST", body: form });
}

export async function status(r: Rehearsal, uploadId: string, user = ALICE): Promise<string> {
  const answer = await r.api("GET", `/uploads/${uploadId}`, { user });
  expect(answer.status, answer.body).toBe(200);
  return answer.json.status as string;
}

export async function publicRoutes(r: Rehearsal) {
  expect((await r.api("GET", "/health")).json).toEqual({ status: "ok" });
  expect((await r.api("GET", "/profiles")).status).toBe(200);
  expect((await r.api("GET", "/openapi.json")).json.openapi).toMatch(/^3\.1/);
  // No route: API Gateway's $default route reaches the public function, which answers the contract's 404.
  const missing = await r.api("GET", "/no/such/route");
  expect(missing.status).toBe(404);
  expect(missing.json.error.code).toBe("not_found");
  expect((await r.api("POST", "/sign/put", { body: {} })).status).toBe(401);
}

/** Sign a PUT (non-ASCII name: the lazily loaded any-ascii), upload, record, publish. */
export async function signedPut(r: Rehearsal, profile: string, filename = "résumé 报告.png") {
  const bytes = png();
  const ticket = await r.api("POST", "/sign/put", { user: ALICE, body: { profile, filename, contentType: "image/png", size: bytes.length } });
  expect(ticket.status, ticket.body).toBe(201);
  expect(ticket.json.key).toMatch(/resume_BaoGao\.png$/);
  const uploaded = await putTo(ticket.json, bytes);
  expect(uploaded.status).toBe(200);
  await r.settle();
  return { uploadId: ticket.json.uploadId as string, key: ticket.json.key as string, bytes };
}

export async function signedPost(r: Rehearsal) {
  const bytes = pdf();
  const ticket = await r.api("POST", "/sign/post", { user: ALICE, body: { profile: "document", filename: "report.pdf", contentType: "application/pdf" } });
  expect(ticket.status, ticket.body).toBe(201);
  const uploaded = await postTo(ticket.json, bytes, "report.pdf", "application/pdf");
  expect(uploaded.status, await uploaded.text()).toBeLessThan(300);
  await r.settle();
  return { uploadId: ticket.json.uploadId as string };
}

/** Two parts (5 MiB and the rest), listed while in flight, completed by the API. */
export async function multipart(r: Rehearsal) {
  const head = pdf();
  const body = new Uint8Array(5 * MiB + 4096);
  body.set(head);
  const ticket = await r.api("POST", "/sign/multipart", { user: ALICE, body: { profile: "document", filename: "big.pdf", contentType: "application/pdf", size: body.length, partSize: 5 * MiB } });
  expect(ticket.status, ticket.body).toBe(201);
  const id = ticket.json.uploadId as string;
  const signed = await r.api("POST", `/uploads/${id}/parts`, { user: ALICE, body: { partNumbers: [1, 2] } });
  expect(signed.status, signed.body).toBe(200);
  const parts = [];
  for (const part of signed.json.parts as Array<{ partNumber: number; url: string; headers: Record<string, string> }>) {
    const slice = body.subarray((part.partNumber - 1) * 5 * MiB, part.partNumber * 5 * MiB);
    const answer = await putTo(part, slice);
    expect(answer.status).toBe(200);
    parts.push({ partNumber: part.partNumber, etag: answer.headers.get("etag")! });
  }
  const held = await r.api("GET", `/uploads/${id}/parts`, { user: ALICE });
  expect(held.json.parts).toHaveLength(2);
  const done = await r.api("POST", `/uploads/${id}/complete`, { user: ALICE, body: { parts } });
  expect(done.status, done.body).toBe(200);
  await r.settle();
  return { uploadId: id, size: body.length };
}

/** The download link (the upload-object function's GetObject), then DELETE. */
export async function downloadAndDelete(r: Rehearsal, uploadId: string, bytes: Uint8Array) {
  const link = await r.api("GET", `/uploads/${uploadId}/download`, { user: ALICE });
  expect(link.status, link.body).toBe(200);
  const file = await fetch(link.json.url);
  expect(file.status).toBe(200);
  const got = Buffer.from(await file.arrayBuffer());
  expect(got.length).toBe(bytes.length);
  expect(got.equals(Buffer.from(bytes))).toBe(true);
  const deleted = await r.api("DELETE", `/uploads/${uploadId}`, { user: ALICE });
  expect(deleted.status, deleted.body).toBe(200);
  expect(deleted.json.status).toBe("deleted");
  await r.settle();
}

export async function usageAndList(r: Rehearsal) {
  const usage = await r.api("GET", "/usage", { user: ALICE });
  expect(usage.status, usage.body).toBe(200);
  const list = await r.api("GET", "/uploads?limit=5", { user: ALICE });
  expect(list.status, list.body).toBe(200);
  expect(list.json.items.length).toBeGreaterThan(0);
  return usage.json;
}

/** Uppy's six routes: a POST policy upload, a multipart upload completed, another aborted. */
export async function uppy(r: Rehearsal) {
  const base = "/uppy/document/s3";
  const params = await r.api("GET", `${base}/params?filename=uppy.pdf&type=application%2Fpdf`, { user: ALICE });
  expect(params.status, params.body).toBe(200);
  expect((await postTo(params.json, pdf(), "uppy.pdf", "application/pdf")).status).toBeLessThan(300);
  const created = await r.api("POST", `${base}/multipart`, { user: ALICE, body: { filename: "uppy-big.pdf", type: "application/pdf" } });
  expect(created.status, created.body).toBe(200);
  const { uploadId, key } = created.json as { uploadId: string; key: string };
  const q = `key=${encodeURIComponent(key)}`;
  const part = await r.api("GET", `${base}/multipart/${encodeURIComponent(uploadId)}/1?${q}`, { user: ALICE });
  expect(part.status, part.body).toBe(200);
  const put = await fetch(part.json.url, { method: "PUT", body: pdf() });
  expect(put.status).toBe(200);
  const listed = await r.api("GET", `${base}/multipart/${encodeURIComponent(uploadId)}?${q}`, { user: ALICE });
  expect(listed.json).toHaveLength(1);
  const done = await r.api("POST", `${base}/multipart/${encodeURIComponent(uploadId)}/complete?${q}`, { user: ALICE, body: { parts: [{ PartNumber: 1, ETag: put.headers.get("etag")! }] } });
  expect(done.status, done.body).toBe(200);
  const other = await r.api("POST", `${base}/multipart`, { user: ALICE, body: { filename: "abandoned.pdf", type: "application/pdf" } });
  const aborted = await r.api("DELETE", `${base}/multipart/${encodeURIComponent(other.json.uploadId)}?key=${encodeURIComponent(other.json.key)}`, { user: ALICE });
  expect(aborted.status, aborted.body).toBe(200);
  await r.settle();
}

/**
 * A PUT and a POST upload whose S3 events are lost, and a multipart upload never completed, all
 * past their expiry: the schedule's sweep records the first two (HeadObject; ListObjectsV2 under
 * the POST ticket's prefix) and expires the third (AbortMultipartUpload).
 */
export async function sweep(r: Rehearsal, servers: { dynamodb: string; credentials: { accessKeyId: string; secretAccessKey: string } }) {
  r.losing = 2;
  const bytes = png();
  const put = await r.api("POST", "/sign/put", { user: ALICE, body: { profile: "avatar", filename: "lost.png", contentType: "image/png", size: bytes.length } });
  expect((await putTo(put.json, bytes)).status).toBe(200);
  const post = await r.api("POST", "/sign/post", { user: ALICE, body: { profile: "avatar", filename: "lost-too.png", contentType: "image/png" } });
  expect(post.status, post.body).toBe(201);
  expect((await postTo(post.json, bytes, "lost-too.png", "image/png")).status).toBeLessThan(300);
  const abandoned = await r.api("POST", "/sign/multipart", { user: ALICE, body: { profile: "document", filename: "abandoned.pdf", contentType: "application/pdf", size: 6 * MiB, partSize: 5 * MiB } });
  expect(abandoned.status, abandoned.body).toBe(201);
  await r.settle();
  const ids = [put.json.uploadId as string, post.json.uploadId as string, abandoned.json.uploadId as string];
  for (const id of ids) expect(await status(r, id)).toBe("pending");
  // The clock jump: each ticket's expiry an hour ago (what the sweeper's index is sorted by).
  const db = dynamoClient({ region: REGION, endpoint: servers.dynamodb, credentials: servers.credentials });
  const table = r.template.ref(r.template.ofType("AWS::DynamoDB::Table")[0]![0]);
  for (const id of ids) {
    await db.send(
      new UpdateItemCommand({
        TableName: table, Key: { uploadId: { S: id } }, UpdateExpression: "SET expiresAt = :past", ExpressionAttributeValues: { ":past": { S: new Date(Date.now() - 3600_000).toISOString() } },
      }),
    );
  }
  db.destroy();
  await r.runSchedules();
  await r.settle();
  expect(await status(r, ids[2]!)).toBe("expired");
  return ids.slice(0, 2);
}

/** DynamoDB fails while recording: Lambda retries, then the dead-letter queue; the replay script records it. */
export async function deadLetterReplay(r: Rehearsal) {
  r.fail("UploadBrokerRecordUpload", "dynamodb");
  const bytes = png();
  const ticket = await r.api("POST", "/sign/put", { user: ALICE, body: { profile: "avatar", filename: "outage.png", contentType: "image/png", size: bytes.length } });
  expect((await putTo(ticket.json, bytes)).status).toBe(200);
  await r.settle();
  r.heal("UploadBrokerRecordUpload");
  const queue = r.stubs.queues.get(onFailureQueueOf(r, "UploadBrokerRecordUpload")) ?? [];
  expect(queue).toHaveLength(1);
  expect(await replay(r, "UploadBrokerRecordUpload", queue)).toMatchObject({ received: 1, replayed: 1, failed: 0 });
  expect(queue).toHaveLength(0);
  await r.settle();
  return ticket.json.uploadId as string;
}

/** The replay script (bin/replay-dlq.ts) on a queue of on-failure records, invoking the function they name. */
async function replay(r: Rehearsal, functionMatch: string, queue: Array<{ ReceiptHandle: string }>) {
  const target = r.fn(functionMatch);
  return replayDeadLetters(
    {
      sqs: {
        send: async (command) => {
          if (command.constructor.name === "ReceiveMessageCommand") return { Messages: [...queue] };
          const handle = (command.input as { ReceiptHandle: string }).ReceiptHandle;
          queue.splice(queue.findIndex((m) => m.ReceiptHandle === handle), 1);
          return {};
        },
      },
      lambda: {
        send: async (command) => {
          const input = command.input as { FunctionName: string; Payload: Uint8Array };
          expect(input.FunctionName).toBe(`${target.fn.arn}:$LATEST`);
          const answer = await r.invoke(target, JSON.parse(new TextDecoder().decode(input.Payload)));
          return { StatusCode: 200, ...(answer.error ? { FunctionError: "Unhandled" } : {}), Payload: new TextEncoder().encode(JSON.stringify(answer.error ?? answer.result)) };
        },
      },
    },
    { queueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/dead-letters" },
  );
}

/** The on-failure destination of a function's asynchronous invocations. */
function onFailureQueueOf(r: Rehearsal, functionMatch: string): string {
  const config = r.template.ofType("AWS::Lambda::EventInvokeConfig").find(([id]) => id.startsWith(functionMatch))![1];
  return String(r.template.resolve((config.Properties!.DestinationConfig as { OnFailure: { Destination: never } }).OnFailure.Destination));
}

const DELIVERER = "UploadBrokerDeliverWebhook";

/** The stack's webhook secret, as Secrets Manager generated it (what the receiver reads there). */
export function webhookSecret(r: Rehearsal): string {
  const [[id]] = r.template.ofType("AWS::SecretsManager::Secret") as [[string, unknown]];
  return r.stubs.secrets.get(r.template.ref(id))!;
}

/**
 * The webhook's deliveries of one upload's events, each verified as the app's backend verifies it
 * (`verifyWebhook` of upload-broker-client/server, with the secret's value). The replay guard is
 * off: the rehearsal retries at once, within the second, where Lambda waits a minute or more.
 */
export async function webhookDeliveries(r: Rehearsal, uploadId: string) {
  const secret = webhookSecret(r);
  const mine = r.webhook.received.filter((d) => (JSON.parse(d.body) as { detail?: { uploadId?: string } }).detail?.uploadId === uploadId);
  return Promise.all(mine.map(async (d) => ({ ...d, event: await verifyWebhook(d, secret, { replay: false }) })));
}

/** The receiver answers 500 once: Lambda runs the delivery again, signed again with the event's id. */
export async function webhookRetried(r: Rehearsal) {
  r.webhook.answers.push(500);
  const { uploadId } = await signedPut(r, "avatar");
  const deliveries = await webhookDeliveries(r, uploadId);
  expect(deliveries.map((d) => [d.event["detail-type"], d.status])).toEqual([["Upload Completed", 500], ["Upload Completed", 204]]);
  expect(deliveries[1]!.headers["webhook-id"]).toBe(deliveries[0]!.headers["webhook-id"]);
  return uploadId;
}

/** The receiver is down through every retry: the delivery is parked on the webhook's dead-letter queue, and the replay script delivers it. */
export async function webhookDeadLetter(r: Rehearsal) {
  r.fail(DELIVERER, "webhook", 503);
  const { uploadId } = await signedPut(r, "avatar");
  r.heal(DELIVERER);
  const queue = r.stubs.queues.get(onFailureQueueOf(r, DELIVERER)) ?? [];
  expect(queue).toHaveLength(1);
  expect((await webhookDeliveries(r, uploadId)).map((d) => d.status)).toEqual([503, 503, 503]);
  expect(await replay(r, DELIVERER, queue)).toMatchObject({ received: 1, replayed: 1, failed: 0 });
  const deliveries = await webhookDeliveries(r, uploadId);
  expect(deliveries.map((d) => d.status)).toEqual([503, 503, 503, 204]);
  expect(new Set(deliveries.map((d) => d.headers["webhook-id"])).size).toBe(1);
  return uploadId;
}

/** Bytes that are not the PNG they claim to be: the record step deletes them and rejects the ticket. */
export async function mislabelled(r: Rehearsal) {
  const bytes = noise(2048);
  const ticket = await r.api("POST", "/sign/put", { user: ALICE, body: { profile: "avatar", filename: "fake.png", contentType: "image/png", size: bytes.length } });
  expect((await putTo(ticket.json, bytes)).status).toBe(200);
  await r.settle();
  return ticket.json.uploadId as string;
}

/** A multipart upload deleted before it completed: aborted in S3. */
export async function abortedMultipart(r: Rehearsal) {
  const ticket = await r.api("POST", "/sign/multipart", { user: ALICE, body: { profile: "document", filename: "gone.pdf", contentType: "application/pdf", size: 6 * MiB, partSize: 5 * MiB } });
  expect(ticket.status, ticket.body).toBe(201);
  const deleted = await r.api("DELETE", `/uploads/${ticket.json.uploadId}`, { user: ALICE });
  expect(deleted.status, deleted.body).toBe(200);
  await r.settle();
  return deleted.json.status as string;
}

/** A role whose policy allows `execute-api:Invoke` on `resource` (under the API's ARN) and nothing else. */
const invoker = (r: Rehearsal, roleName: string, resource: string) => ({
  roleName,
  policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "execute-api:Invoke", Resource: `arn:aws:execute-api:${REGION}:${ACCOUNT}:${r.apiId()}/${resource}` }] },
});

/**
 * The admin routes as the app's backend calls them (SigV4, its role's policy checked): a user's
 * uploads listed, shown, downloaded, counted and deleted, a pending multipart upload aborted; a
 * user's token and a role without the permission get API Gateway's 403.
 */
export async function admin(r: Rehearsal) {
  // The app's backend may call the admin routes; a reporting role of the same account only GET /health.
  const BACKEND = invoker(r, "app-backend", "$default/*/admin/*");
  const OUTSIDER = invoker(r, "reporting", "$default/GET/health");
  const put = await signedPut(r, "avatar");
  expect(await status(r, put.uploadId)).toBe("completed");
  const list = await r.api("GET", `/admin/uploads?owner=${ALICE.sub}&limit=100`, { caller: BACKEND });
  expect(list.status, list.body).toBe(200);
  expect(list.json.items.map((t: { uploadId: string }) => t.uploadId)).toContain(put.uploadId);
  const view = await r.api("GET", `/admin/uploads/${put.uploadId}`, { caller: BACKEND });
  expect(view.json).toMatchObject({ uploadId: put.uploadId, owner: ALICE.sub, status: "completed" });
  const link = await r.api("GET", `/admin/uploads/${put.uploadId}/download`, { caller: BACKEND });
  expect(link.status, link.body).toBe(200);
  expect(Buffer.from(await (await fetch(link.json.url)).arrayBuffer()).equals(Buffer.from(put.bytes))).toBe(true);
  expect((await r.api("GET", `/admin/usage?owner=${ALICE.sub}`, { caller: BACKEND })).status).toBe(200);

  for (const refused of [
    await r.api("GET", `/admin/uploads/${put.uploadId}`, { user: ALICE }),
    await r.api("GET", `/admin/uploads/${put.uploadId}`, { caller: OUTSIDER }),
    await r.api("DELETE", `/admin/uploads/${put.uploadId}`),
  ]) {
    expect(refused).toMatchObject({ status: 403, json: { message: "Forbidden" } });
  }

  const deleted = await r.api("DELETE", `/admin/uploads/${put.uploadId}`, { caller: BACKEND });
  expect(deleted.json).toMatchObject({ status: "deleted", owner: ALICE.sub });
  const pending = await r.api("POST", "/sign/multipart", { user: ALICE, body: { profile: "document", filename: "big.pdf", contentType: "application/pdf", size: 6 * MiB, partSize: 5 * MiB } });
  expect(pending.status, pending.body).toBe(201);
  const aborted = await r.api("DELETE", `/admin/uploads/${pending.json.uploadId}`, { caller: BACKEND });
  expect(aborted.json).toMatchObject({ status: "aborted", owner: ALICE.sub });
  await r.settle();
}
