/**
 * The React Native path: upload-broker-client's core under Node with an XMLHttpRequest shim (no
 * DOM, no IndexedDB, no Worker) and an AsyncStorage-shaped store, against the local server on
 * Ceph RGW. An app killed with a part in flight starts again, finds the upload in the store,
 * and sends only the parts S3 lacks, each signed with its MD5.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { s3Client } from "../../functions/adapters/clients.js";
import { loadLocalConfig } from "../../local/config.js";
import { startLocalServer, type LocalServer } from "../../local/server.js";
import { strictS3 } from "../support/integration.js";
import { pdf } from "../support/samples.js";
import { importClientCore, type ClientCore, type ResumeStore } from "../support/client-core.js";
import { xhrShim, type SentRequest } from "../support/xhr-shim.js";

const MiB = 1024 * 1024;

let createUploadClient: ClientCore["createUploadClient"];

/** What AsyncStorage offers, and nothing more: promises of strings. */
const asyncStorage = (): ResumeStore & { items: Map<string, string> } => {
  const items = new Map<string, string>();
  return {
    items,
    getItem: async (k) => items.get(k) ?? null,
    setItem: async (k, v) => void items.set(k, v),
    removeItem: async (k) => void items.delete(k),
  };
};

describe.skipIf(!strictS3)("upload-broker-client on the React Native path (Node, XHR shim, AsyncStorage-shaped store)", () => {
  let server: LocalServer;
  let s3: S3Client;
  let token: string;
  const dir = mkdtempSync(join(tmpdir(), "upload-broker-rn-"));
  const xhr = (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest;

  beforeAll(async () => {
    ({ createUploadClient } = await importClientCore(dir));
    const bucket = `rn-${Date.now().toString(36)}`;
    server = await startLocalServer(loadLocalConfig({
      PORT: "0", LOCAL_DATA_DIR: join(dir, "data"), S3_ENDPOINT: strictS3!.endpoint, S3_BUCKET: bucket,
      S3_REGION: strictS3!.region, S3_ACCESS_KEY_ID: strictS3!.accessKeyId, S3_SECRET_ACCESS_KEY: strictS3!.secretAccessKey,
    }));
    s3 = s3Client({ region: strictS3!.region, endpoint: strictS3!.endpoint, credentials: strictS3! });
    token = ((await (await fetch(`${server.url}/dev/token`, { method: "POST", body: JSON.stringify({ sub: "rn-user" }) })).json()) as { token: string }).token;
  });

  afterAll(async () => {
    (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = xhr;
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("goes on after the app was killed with a part in flight: only the missing parts are sent, the bytes are the file's", async () => {
    expect(typeof (globalThis as { indexedDB?: unknown }).indexedDB).toBe("undefined");
    const bytes = Buffer.alloc(20 * MiB);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + (i >> 12)) & 0xff;
    Buffer.from(pdf()).copy(bytes);
    const file = new Blob([bytes], { type: "application/pdf" });
    const store = asyncStorage();
    const partOf = (r: SentRequest) => new URL(r.url).searchParams.get("partNumber");
    const options = { profile: "document", filename: "scan.pdf", method: "multipart", partConcurrency: 1, integrity: true } as const;

    // First launch: part 2 stalls, then the app is killed.
    const first = xhrShim((r) => partOf(r) === "2");
    (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = first.XMLHttpRequest;
    void createUploadClient({ baseUrl: server.url, getToken: () => token, store }).upload(file, options).catch(() => undefined);
    await expect.poll(() => first.sent.some((r) => partOf(r) === "2"), { timeout: 20_000 }).toBe(true);
    first.kill();

    // Second launch: a new client on the same store.
    const second = xhrShim();
    (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = second.XMLHttpRequest;
    const client = createUploadClient({ baseUrl: server.url, getToken: () => token, store });
    const [pending, ...more] = await client.resumeUploads();
    expect(more).toEqual([]);
    expect(pending).toMatchObject({ profile: "document", filename: "scan.pdf", size: bytes.length, partSize: 8 * MiB, partCount: 3, done: { 1: expect.any(String) } });
    const view = await client.upload(file, options);
    expect(view).toMatchObject({ uploadId: pending!.uploadId, status: "completed", size: bytes.length });
    expect(typeof view.key).toBe("string");
    expect(second.sent.map(partOf).filter(Boolean)).toEqual(["2", "3"]);
    for (const r of second.sent) expect(r.headers["content-md5"]).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    const object = await s3.send(new GetObjectCommand({ Bucket: server.bucket, Key: view.key }));
    expect(Buffer.from(await object.Body!.transformToByteArray()).equals(bytes)).toBe(true);
    expect(await client.resumeUploads()).toEqual([]);
    expect([...store.items.keys()]).toEqual(["upload-broker:uploads"]);
  });

  it("signs a part URL again when S3 answers 403 for it (expired) and completes", async () => {
    const bytes = Buffer.alloc(12 * MiB, 1);
    Buffer.from(pdf()).copy(bytes);
    let refused = 0;
    const expired = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>';
    const shim = xhrShim(undefined, (r) => (new URL(r.url).searchParams.get("partNumber") === "2" && refused++ === 0 ? { status: 403, body: expired } : undefined));
    (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = shim.XMLHttpRequest;
    const client = createUploadClient({ baseUrl: server.url, getToken: () => token, store: asyncStorage() });
    const view = await client.upload(new Blob([bytes], { type: "application/pdf" }), { profile: "document", filename: "b.pdf", method: "multipart" });
    expect(view).toMatchObject({ status: "completed", size: bytes.length });
    const part2 = shim.sent.filter((r) => new URL(r.url).searchParams.get("partNumber") === "2");
    // Refused once, then signed anew and sent again (a 403 is otherwise final: no retry).
    expect(part2).toHaveLength(2);
    expect(refused).toBe(2);
  });
});
