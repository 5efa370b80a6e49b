/**
 * upload-broker-client in headless Chromium against the local server on Ceph RGW: PUT, POST and
 * multipart uploads with progress, part retries, abort, resume after a reload, and the contract's
 * errors as `UploadError`. The page is the local server's own (same origin as its API; the
 * bucket's CORS rule admits it), with the client's bundle added to it.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListMultipartUploadsCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { build } from "esbuild";
import { chromium, type Browser, type Page, type Request } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { s3Client } from "../../functions/adapters/clients.js";
import { DEMO_PROFILES } from "../../functions/domain/demo-profiles.js";
import { loadLocalConfig } from "../../local/config.js";
import { startLocalServer, type LocalServer } from "../../local/server.js";
import { strictS3 } from "../support/integration.js";
import { notifyOnCreate } from "../support/rgw-notifications.js";
import { pdf, png } from "../support/samples.js";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const available = existsSync(CHROMIUM);
if (!available && process.env.CI === "true") throw new Error(`CI=true but ${CHROMIUM} is missing: apt-get install chromium`);
const MiB = 1024 * 1024;

/** Real files of these types start every file made in the page, so the content check passes. */
const HEADS: Record<string, number[]> = { "image/png": [...png()], "application/pdf": [...pdf()] };

/** One upload in the page: a file of `size` bytes and `type`, the upload's options, and when to abort. */
type InPage = { size: number; type: string; options?: Record<string, unknown>; abortAt?: number };
interface Outcome {
  view?: Record<string, any>;
  error?: { name: string; isUploadError: boolean; status: number; code: string; message: string; details?: unknown };
  progress: Array<{ loaded: number; total: number }>;
}

describe.skipIf(!available || !strictS3)("upload-broker-client in headless Chromium, on Ceph RGW", () => {
  let server: LocalServer;
  let browser: Browser;
  let page: Page;
  let s3: S3Client;
  let token: string;
  let bundle: string;
  const dir = mkdtempSync(join(tmpdir(), "upload-broker-client-"));
  const partPuts: Request[] = [];

  const api = async (method: string, path: string) =>
    (await fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${token}` } })).json() as Promise<Record<string, any>>;

  /** Loads the page and the client into it. */
  const open = async () => {
    await page.goto(`${server.url}/`);
    await page.addScriptTag({ content: bundle });
    await page.evaluate(({ t, heads }) => {
      const w = globalThis as any;
      w.client = w.UploadBrokerClient.createUploadClient({ baseUrl: w.location.origin, getToken: async () => t });
      w.file = (size: number, type: string) => {
        const bytes = new Uint8Array(size);
        for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >> 10)) & 0xff;
        bytes.set((heads[type] ?? []).slice(0, size));
        // A fixed modification time: the same file after a reload, as a user picks it again.
        return new File([bytes], `f-${size}.${type.split("/")[1]}`, { type, lastModified: 1_700_000_000_000 });
      };
    }, { t: token, heads: HEADS });
  };

  /** One `client.upload` in the page; `abortAt` aborts once that many bytes are sent. */
  const upload = (input: InPage) =>
    page.evaluate(async ({ size, type, options, abortAt }): Promise<Outcome> => {
      const w = globalThis as any;
      const progress: Outcome["progress"] = [];
      const controller = new AbortController();
      try {
        const view = await w.client.upload(w.file(size, type), {
          ...options,
          signal: controller.signal,
          onProgress: (p: { loaded: number; total: number }) => {
            progress.push(p);
            if (abortAt !== undefined && p.loaded >= abortAt) controller.abort();
          },
        });
        return { view, progress };
      } catch (e: any) {
        const error = { name: e.name, isUploadError: e instanceof w.UploadBrokerClient.UploadError, status: e.status, code: e.code, message: e.message, details: e.details };
        return { error, progress };
      }
    }, input);

  const expectProgress = (progress: Outcome["progress"], size: number) => {
    expect(progress.length).toBeGreaterThan(1);
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.loaded).toBeGreaterThanOrEqual(progress[i - 1]!.loaded);
    expect(progress.every((p) => p.total === size)).toBe(true);
    expect(progress.at(-1)!.loaded).toBe(size);
  };

  const objects = async (key: string) => {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: key }));
    const multipart = await s3.send(new ListMultipartUploadsCommand({ Bucket: server.bucket, Prefix: key }));
    return { objects: listed.Contents ?? [], uploads: multipart.Uploads ?? [] };
  };

  beforeAll(async () => {
    // The demo profiles plus one without PUT, so `auto` must choose POST.
    const profiles = join(dir, "profiles.json");
    writeFileSync(profiles, JSON.stringify([...DEMO_PROFILES, { name: "form", contentTypes: ["image/*"], maxBytes: 5 * MiB, methods: ["post"] }]));
    const bucket = `client-${Date.now().toString(36)}`;
    server = await startLocalServer(loadLocalConfig({
      PORT: "0", LOCAL_DATA_DIR: join(dir, "data"), PROFILES_FILE: profiles, S3_ENDPOINT: strictS3!.endpoint, S3_BUCKET: bucket,
      S3_REGION: strictS3!.region, S3_ACCESS_KEY_ID: strictS3!.accessKeyId, S3_SECRET_ACCESS_KEY: strictS3!.secretAccessKey,
    }));
    s3 = s3Client({ region: strictS3!.region, endpoint: strictS3!.endpoint, credentials: strictS3! });
    await notifyOnCreate(strictS3!, s3, bucket, `${server.url}/dev/s3-events`);
    token = ((await (await fetch(`${server.url}/dev/token`, { method: "POST", body: JSON.stringify({ sub: "alice" }) })).json()) as { token: string }).token;
    const built = await build({
      entryPoints: [join(import.meta.dirname, "../../client/src/index.ts")], bundle: true, write: false, format: "iife",
      globalName: "UploadBrokerClient", target: "es2020", platform: "browser", logLevel: "silent",
    });
    bundle = built.outputFiles[0]!.text;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });

  beforeEach(async () => {
    await page?.close();
    page = await browser.newPage();
    partPuts.length = 0;
    page.on("request", (r) => {
      if (r.method() === "PUT" && new URL(r.url()).searchParams.has("partNumber")) partPuts.push(r);
    });
    await open();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("uploads by PUT (auto, below the threshold) with monotonic progress ending at the size", async () => {
    const { view, progress, error } = await upload({ size: 300_000, type: "image/png", options: { profile: "avatar", metadata: { caption: "hi" } } });
    expect(error, JSON.stringify(error)).toBeUndefined();
    expect(view).toMatchObject({ status: "completed", method: "PUT", size: 300_000, filename: "f-300000.png", contentType: "image/png" });
    expectProgress(progress, 300_000);
  });

  it("uploads by POST: auto for a profile without PUT, and when asked for", async () => {
    const auto = await upload({ size: 200_000, type: "image/png", options: { profile: "form" } });
    expect(auto.view).toMatchObject({ status: "completed", method: "POST", size: 200_000 });
    expectProgress(auto.progress, 200_000);
    const asked = await upload({ size: 100_000, type: "image/png", options: { profile: "avatar", method: "post", filename: "chosen.png" } });
    expect(asked.view).toMatchObject({ status: "completed", method: "POST", size: 100_000, filename: "chosen.png" });
  });

  it("uploads 30 MiB by multipart (auto, above the threshold), parts in parallel, progress across parts", async () => {
    const size = 30 * MiB;
    const { view, progress, error } = await upload({ size, type: "application/pdf", options: { profile: "document", multipartThreshold: 10 * MiB } });
    expect(error, JSON.stringify(error)).toBeUndefined();
    expect(view).toMatchObject({ status: "completed", method: "MULTIPART", size, partCount: 4 });
    expect(partPuts.length).toBe(4);
    expectProgress(progress, size);
    expect(progress.filter((p) => p.loaded > 0 && p.loaded < size).length).toBeGreaterThan(2);
  });

  it("retries a part that fails twice with 500 and completes", async () => {
    let failures = 0;
    await page.route((url) => url.searchParams.get("partNumber") === "2", async (route) => {
      if (route.request().method() !== "PUT" || failures >= 2) return route.continue();
      failures++;
      await route.fulfill({
        status: 500,
        headers: { "access-control-allow-origin": server.url, "content-type": "application/xml" },
        body: "<?xml version=\"1.0\"?><Error><Code>InternalError</Code><Message>try again</Message></Error>",
      });
    });
    const size = 12 * MiB;
    const { view, progress, error } = await upload({ size, type: "application/pdf", options: { profile: "document", method: "multipart" } });
    expect(error, JSON.stringify(error)).toBeUndefined();
    expect(failures).toBe(2);
    expect(view).toMatchObject({ status: "completed", size, partCount: 2 });
    expect(partPuts.filter((r) => new URL(r.url()).searchParams.get("partNumber") === "2")).toHaveLength(3);
    expectProgress(progress, size);
  });

  it("aborts mid-upload: in-flight parts stop, the ticket is aborted, nothing is left in S3", async () => {
    const size = 30 * MiB;
    const signed = page.waitForResponse((r) => r.url().endsWith("/sign/multipart"));
    const { error, progress } = await upload({ size, type: "application/pdf", options: { profile: "document", method: "multipart", partConcurrency: 2 }, abortAt: 6 * MiB });
    expect(error).toMatchObject({ name: "UploadError", isUploadError: true, status: 0, code: "aborted" });
    expect(progress.at(-1)!.loaded).toBeLessThan(size);
    const { uploadId, key } = (await (await signed).json()) as { uploadId: string; key: string };
    expect(await api("GET", `/uploads/${uploadId}`)).toMatchObject({ status: "aborted" });
    expect(await objects(key)).toEqual({ objects: [], uploads: [] });
  });

  it("resumes after a reload: only the parts S3 lacks are sent", async () => {
    const size = 30 * MiB;
    // Part 3 hangs until the page goes away; the others finish.
    await page.route((url) => url.searchParams.get("partNumber") === "3", () => undefined);
    const signed = page.waitForResponse((r) => r.url().endsWith("/sign/multipart"));
    void upload({ size, type: "application/pdf", options: { profile: "document", method: "multipart" } }).catch(() => undefined);
    const { uploadId } = (await (await signed).json()) as { uploadId: string };
    await expect.poll(async () => (await api("GET", `/uploads/${uploadId}/parts`)).parts?.length, { timeout: 15_000 }).toBe(3);
    // The reload cancels part 3 while it is still held (unrouting first would let it through).
    await page.reload();
    await page.unrouteAll({ behavior: "ignoreErrors" });
    await open();
    partPuts.length = 0;
    const { view, progress, error } = await upload({ size, type: "application/pdf", options: { profile: "document", resumeUploadId: uploadId } });
    expect(error, JSON.stringify(error)).toBeUndefined();
    expect(view).toMatchObject({ uploadId, status: "completed", size, partCount: 4 });
    expect(partPuts.map((r) => new URL(r.url()).searchParams.get("partNumber"))).toEqual(["3"]);
    // Parts 1, 2 and 4 (8 + 8 + 6 MiB) count as sent from the start.
    expect(progress[0]!.loaded).toBe(size - 8 * MiB);
    expectProgress(progress, size);
  });

  /** The bytes `file(size, type)` makes in the page. */
  const fileBytes = (size: number, type: string) => {
    const bytes = Buffer.alloc(size);
    for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >> 10)) & 0xff;
    Buffer.from(HEADS[type] ?? []).copy(bytes);
    return bytes;
  };
  /** Polls the page's resume store until the upload has `parts` parts done. */
  const storedParts = (parts: number) =>
    expect.poll(() => page.evaluate(async () => ((await (globalThis as any).client.resumeUploads())[0]?.done ?? {}) as Record<string, string>).then((d) => Object.keys(d).length), { timeout: 20_000 }).toBe(parts);

  it("goes on after a reload from the IndexedDB store: only the missing parts are sent, each signed with its MD5, and the bytes are the file's", async () => {
    const size = 30 * MiB;
    await page.route((url) => url.searchParams.get("partNumber") === "3", () => undefined); // part 3 hangs until the reload
    const signed = page.waitForResponse((r) => r.url().endsWith("/sign/multipart"));
    void upload({ size, type: "application/pdf", options: { profile: "document", method: "multipart", partConcurrency: 1, integrity: true } }).catch(() => undefined);
    const { uploadId, key } = (await (await signed).json()) as { uploadId: string; key: string };
    await storedParts(2);
    await page.reload();
    await page.unrouteAll({ behavior: "ignoreErrors" });
    await open();
    partPuts.length = 0;
    const listed = await page.evaluate(() => (globalThis as any).client.resumeUploads());
    expect(listed).toEqual([expect.objectContaining({ uploadId, size, partSize: 8 * MiB, partCount: 4, done: { 1: expect.any(String), 2: expect.any(String) } })]);
    // The same file picked again: the client finds its stored upload and goes on with it.
    const { view, progress, error } = await upload({ size, type: "application/pdf", options: { profile: "document", method: "multipart", integrity: true } });
    expect(error, JSON.stringify(error)).toBeUndefined();
    expect(view).toMatchObject({ uploadId, status: "completed", size, partCount: 4 });
    expect(partPuts.map((r) => new URL(r.url()).searchParams.get("partNumber")).sort()).toEqual(["3", "4"]);
    for (const r of partPuts) expect(r.headers()["content-md5"]).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(progress[0]!.loaded).toBe(16 * MiB);
    const stored = Buffer.from(await (await fetch((await api("GET", `/uploads/${uploadId}/download`)).url)).arrayBuffer());
    expect(stored.equals(fileBytes(size, "application/pdf"))).toBe(true);
    expect(await page.evaluate(() => (globalThis as any).client.resumeUploads())).toEqual([]);
    expect((await objects(key)).uploads).toEqual([]);
  });

  it("abort() with a part in flight answers at once, aborts the ticket and leaves nothing in S3", async () => {
    await page.route((url) => url.searchParams.get("partNumber") === "2", () => undefined); // part 2 never gets an answer
    const signed = page.waitForResponse((r) => r.url().endsWith("/sign/multipart"));
    await page.evaluate((mib) => {
      const w = globalThis as any;
      w.controller = new AbortController();
      w.outcome = w.client.upload(w.file(12 * mib, "application/pdf"), { profile: "document", method: "multipart", partConcurrency: 1, signal: w.controller.signal })
        .then(() => ({ code: "completed" }), (e: any) => ({ code: e.code, at: Date.now() }));
    }, MiB);
    const { uploadId, key } = (await (await signed).json()) as { uploadId: string; key: string };
    await storedParts(1);
    await expect.poll(() => partPuts.some((r) => new URL(r.url()).searchParams.get("partNumber") === "2")).toBe(true);
    const { code, ms } = await page.evaluate(async () => {
      const w = globalThis as any;
      const started = Date.now();
      w.controller.abort();
      const outcome = await w.outcome;
      return { code: outcome.code, ms: outcome.at - started };
    });
    expect(code).toBe("aborted");
    expect(ms).toBeLessThan(2000);
    expect(await api("GET", `/uploads/${uploadId}`)).toMatchObject({ status: "aborted" });
    expect(await objects(key)).toEqual({ objects: [], uploads: [] });
    expect(await page.evaluate(() => (globalThis as any).client.resumeUploads())).toEqual([]);
  });

  it("rejects with the contract's errors as UploadError", async () => {
    const tooLarge = await upload({ size: 5 * MiB + 1, type: "image/png", options: { profile: "avatar" } });
    expect(tooLarge.error).toMatchObject({ isUploadError: true, status: 413, code: "file_too_large", message: expect.stringMatching(/5242880/) });
    const wrongType = await upload({ size: 10, type: "text/plain", options: { profile: "document" } });
    expect(wrongType.error).toMatchObject({ status: 415, code: "unsupported_media_type" });
    const unknown = await upload({ size: 10, type: "image/png", options: { profile: "nope", method: "put" } });
    expect(unknown.error).toMatchObject({ status: 422, code: "validation_failed", details: [expect.objectContaining({ path: expect.any(String) })] });
    // A POST policy is signed without the size: S3 itself refuses the file, in XML.
    const refusedByS3 = await upload({ size: 5 * MiB + 1, type: "image/png", options: { profile: "avatar", method: "post" } });
    expect(refusedByS3.error).toMatchObject({ isUploadError: true, status: 400, code: "EntityTooLarge" });
    const signedOut = await page.evaluate(async () => {
      const w = globalThis as any;
      const c = w.UploadBrokerClient.createUploadClient({ baseUrl: w.location.origin, getToken: () => "nope" });
      return c.listUploads().catch((e: any) => ({ status: e.status, code: e.code }));
    });
    expect(signedOut).toEqual({ status: 401, code: "unauthorized" });
  });

  it("lists, downloads and deletes through the client", async () => {
    const { view } = await upload({ size: 1000, type: "image/png", options: { profile: "photo", filename: "cat.png" } });
    const result = await page.evaluate(async (id) => {
      const c = (globalThis as any).client;
      const listed = await c.listUploads({ limit: 5, status: "completed" });
      const url = await c.downloadUrl(id);
      const downloaded = (await (await fetch(url)).arrayBuffer()).byteLength;
      const deleted = await c.deleteUpload(id);
      const after = await c.getUpload(id);
      return { ids: listed.items.map((t: { uploadId: string }) => t.uploadId), downloaded, deleted: deleted.status, after: after.status };
    }, view!.uploadId);
    expect(result).toEqual({ ids: expect.arrayContaining([view!.uploadId]), downloaded: 1000, deleted: "deleted", after: "deleted" });
  });
});
