/**
 * The real, unpatched `@uppy/core` + `@uppy/aws-s3` 6.x in headless Chromium, on a page of
 * another origin, uploading through the broker's `/uppy/{profile}` routes: local mode against
 * Ceph RGW (CORS_ORIGINS set to the page's origin), RGW's notifications pushed to
 * /dev/s3-events. Every object that lands is checked with HeadObject; every refused upload
 * leaves nothing in S3.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HeadObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, ListPartsCommand, type S3Client } from "@aws-sdk/client-s3";
import { build } from "esbuild";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { s3Client } from "../../functions/adapters/clients.js";
import { loadLocalConfig } from "../../local/config.js";
import { startLocalServer, type LocalServer } from "../../local/server.js";
import { strictS3 } from "../support/integration.js";
import { expectDocumented, routeOf } from "../support/openapi.js";
import { notifyOnCreate } from "../support/rgw-notifications.js";

const CHROMIUM = "/usr/bin/chromium";
const chromiumAvailable = existsSync(CHROMIUM);
if (!chromiumAvailable && process.env.CI === "true") throw new Error(`CI=true but ${CHROMIUM} is missing: apt-get install chromium`);
if (!chromiumAvailable) console.warn(`[browser] ${CHROMIUM} not found: the Uppy browser test is SKIPPED. To enable: apt-get install -y chromium`);

const MiB = 1024 * 1024;
const MAX_BYTES = 15 * MiB;
const PROFILES = [
  { name: "clips", contentTypes: ["video/mp4"], minBytes: 1, maxBytes: MAX_BYTES, methods: ["post", "multipart"], metadataKeys: ["caption"] },
];

/** One request to the Uppy routes; `status` 0: cut by a cancel, never answered. Times in ms of the page's clock. */
interface LogEntry { method: string; url: string; status: number; body: any; sentAt: number; answeredAt?: number }
interface Run { successful?: Array<{ name: string; key: string; location: string; uploadURL: string }>; failed?: Array<{ name: string; error: string }>; cancelled?: boolean; log: LogEntry[] }

describe.skipIf(!strictS3 || !chromiumAvailable)("the real Uppy 6 client in Chromium, through /uppy/{profile}", () => {
  const dir = mkdtempSync(join(tmpdir(), "upload-broker-uppy-"));
  const bucket = `uppy-${Date.now().toString(36)}`;
  let page: Server;
  let pageOrigin: string;
  let server: LocalServer;
  let s3: S3Client;
  let browser: Browser;
  let tab: Page;
  let token: string;
  let endpoint: string;

  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [join(import.meta.dirname, "uppy-page/page.js")],
      bundle: true, format: "esm", platform: "browser", target: "chrome120", write: false, logLevel: "silent",
    });
    const script = bundle.outputFiles[0]!.text;
    page = createServer((req, res) => {
      if (req.url === "/page.js") return res.writeHead(200, { "content-type": "text/javascript" }).end(script);
      res.writeHead(200, { "content-type": "text/html" }).end('<!doctype html><title>uppy</title><script type="module" src="/page.js"></script>');
    });
    await new Promise<void>((r) => page.listen(0, "127.0.0.1", r));
    pageOrigin = `http://localhost:${(page.address() as AddressInfo).port}`;

    const profilesFile = join(dir, "profiles.json");
    writeFileSync(profilesFile, JSON.stringify(PROFILES));
    server = await startLocalServer(
      loadLocalConfig({
        PORT: "0", LOCAL_DATA_DIR: join(dir, "data"), PROFILES_FILE: profilesFile, CORS_ORIGINS: pageOrigin,
        S3_ENDPOINT: strictS3!.endpoint, S3_BUCKET: bucket, S3_REGION: strictS3!.region,
        S3_ACCESS_KEY_ID: strictS3!.accessKeyId, S3_SECRET_ACCESS_KEY: strictS3!.secretAccessKey,
      }),
    );
    s3 = s3Client({ region: strictS3!.region, endpoint: strictS3!.endpoint, credentials: strictS3! });
    await notifyOnCreate(strictS3!, s3, bucket, `${server.url}/dev/s3-events`);
    token = ((await (await fetch(`${server.url}/dev/token`, { method: "POST", body: JSON.stringify({ sub: "alice" }) })).json()) as { token: string }).token;
    endpoint = `${server.url}/uppy/clips`;

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    tab = await browser.newPage();
    await tab.goto(`${pageOrigin}/`);
    await tab.waitForFunction(() => typeof (globalThis as unknown as { runUppy?: unknown }).runUppy === "function");
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    page?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (options: { name: string; size: number; multipart: boolean; token?: string; cancelAfterParts?: number; cancelAtBytes?: number }): Promise<Run> =>
    tab.evaluate(
      (o) => (globalThis as unknown as { runUppy: (o: unknown) => Promise<Run> }).runUppy(o),
      { endpoint, token: options.token ?? token, type: "video/mp4", caption: "sea", ...options },
    );

  /** Each success answer of a contract route is the one openapi.json documents; each error has the top-level message. */
  const checkAnswers = (log: LogEntry[]) => {
    for (const entry of log) {
      if (entry.status === 0) continue; // cut by a cancel
      const route = routeOf(entry.method, new URL(entry.url).pathname)!;
      expect(route?.entry, entry.url).toBe("uppy");
      if (entry.status < 400) expectDocumented(route, entry.status, entry.body);
      else expect(entry.body).toMatchObject({ error: { code: expect.any(String), message: entry.body.error.message }, message: entry.body.error.message });
    }
  };
  const paths = (log: LogEntry[]) => log.map((e) => `${e.method} ${new URL(e.url).pathname.replace(/^\/uppy\/clips/, "").replace(/multipart\/[^/]+/, "multipart/ID")} ${e.status}`);

  const head = (key: string) => s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  const exists = (key: string) => head(key).then(() => true, () => false);
  const apiGet = async (path: string) => (await (await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } })).json()) as Record<string, any>;
  const statusOf = async (uploadId: string, until = (s: string) => s !== "pending") => {
    for (let i = 0; i < 100; i++) {
      const view = await apiGet(`/uploads/${uploadId}`);
      if (until(view.status)) return view;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`upload ${uploadId} stayed pending`);
  };
  const ticketId = (key: string) => key.split("/")[2]!;
  /** The object S3 holds: type, size and the ticket's upload id, and only the profile's metadata. */
  const expectObject = async (key: string, size: number) => {
    const object = await head(key);
    expect(object).toMatchObject({ ContentType: "video/mp4", ContentLength: size, Metadata: { "upload-id": ticketId(key), caption: "sea" } });
    expect(Object.keys(object.Metadata ?? {}).sort()).toEqual(["caption", "upload-id"]);
  };
  const uploadGone = (key: string, uploadId: string) =>
    expect(s3.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });

  it("uploads a small file through params (one POST with a concrete key)", async () => {
    const size = 200_000;
    const result = await run({ name: "small clip.mp4", size, multipart: false });
    expect(result.failed).toEqual([]);
    expect(paths(result.log)).toEqual(["GET /s3/params 200"]);
    checkAnswers(result.log);
    const [file] = result.successful!;
    expect(file!.key).toMatch(/^uploads\/alice\/[0-9A-Z]{26}\/small_clip\.mp4$/);
    expect(file!.uploadURL).toBe(`${strictS3!.endpoint}/${bucket}/${file!.key}`);
    await expectObject(file!.key, size);
    expect(await statusOf(ticketId(file!.key))).toMatchObject({ status: "completed", method: "POST", size });
  });

  it("uploads a 12 MiB file in three 5 MiB-or-less parts and completes it", async () => {
    const size = 12 * MiB;
    const result = await run({ name: "big clip.mp4", size, multipart: true });
    expect(result.failed).toEqual([]);
    expect(paths(result.log)).toEqual([
      "POST /s3/multipart 200", "GET /s3/multipart/ID/1 200", "GET /s3/multipart/ID/2 200", "GET /s3/multipart/ID/3 200", "POST /s3/multipart/ID/complete 200",
    ]);
    checkAnswers(result.log);
    const [file] = result.successful!;
    expect(file!.key).toMatch(/\/big_clip\.mp4$/);
    expect(file!.location).toBe(`${strictS3!.endpoint}/${bucket}/${file!.key}`);
    await expectObject(file!.key, size);
    expect(await statusOf(ticketId(file!.key))).toMatchObject({ status: "completed", method: "MULTIPART", size, partSize: 5 * MiB });
  });

  it("a single upload over the profile's limit is refused by S3 (content-length-range); nothing lands", async () => {
    const result = await run({ name: "too big.mp4", size: MAX_BYTES + 1, multipart: false });
    expect(result.successful).toEqual([]);
    expect(result.failed).toHaveLength(1);
    expect(paths(result.log)).toEqual(["GET /s3/params 200"]);
    const key = result.log[0]!.body.fields.key as string;
    expect(await exists(key)).toBe(false);
    expect((await apiGet(`/uploads/${ticketId(key)}`)).status).toBe("pending");
  });

  it("a multipart upload over the limit is refused with 413 at complete and aborted in S3; nothing lands", async () => {
    const result = await run({ name: "too big.mp4", size: MAX_BYTES + 1, multipart: true });
    expect(result.successful).toEqual([]);
    expect(result.failed).toEqual([{ name: "too big.mp4", error: expect.stringMatching(/Companion request failed/) }]);
    expect(paths(result.log).at(-1)).toBe("POST /s3/multipart/ID/complete 413");
    checkAnswers(result.log);
    expect(result.log.at(-1)!.body.error.code).toBe("file_too_large");
    const { key, uploadId } = result.log[0]!.body as { key: string; uploadId: string };
    await uploadGone(key, uploadId);
    expect(await exists(key)).toBe(false);
    expect(await apiGet(`/uploads/${ticketId(key)}`)).toMatchObject({ status: "rejected", rejectReason: expect.stringMatching(/outside the allowed/) });
  });

  /** Cancels as `when` says, then: the DELETE answered 200 within 2 s, S3 holds no parts and no object, the ticket is aborted. */
  const expectPromptCancel = async (when: { cancelAfterParts?: number; cancelAtBytes?: number }) => {
    const result = await run({ name: "cancelled.mp4", size: 15 * MiB, multipart: true, ...when });
    expect(result.cancelled).toBe(true);
    const remove = result.log.find((e) => e.method === "DELETE");
    expect(remove, "cancelAll() sent no DELETE").toBeDefined();
    expect(remove, "the DELETE got no answer within 15 s").toMatchObject({ status: 200, body: {} });
    expect(remove!.answeredAt! - remove!.sentAt).toBeLessThan(2000);
    checkAnswers(result.log);
    const { key, uploadId } = result.log[0]!.body as { key: string; uploadId: string };
    expect(new URL(remove!.url).searchParams.get("key")).toBe(key);
    await uploadGone(key, uploadId);
    expect(await exists(key)).toBe(false);
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key }))).Uploads ?? []).toEqual([]);
    expect(await apiGet(`/uploads/${ticketId(key)}`)).toMatchObject({ status: "aborted" });
    return result;
  };

  it("cancelling after the first of three 5 MiB parts aborts at once: S3 holds no parts and no object", async () => {
    await expectPromptCancel({ cancelAfterParts: 1 });
  });

  it("cancelling while a part streams into S3 (throttled to 8 MiB/s) aborts at once, and the part lands nowhere", async () => {
    const cdp = await tab.context().newCDPSession(tab);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 8 * MiB });
    try {
      const result = await expectPromptCancel({ cancelAtBytes: 6 * MiB });
      // Part 2's URL was signed and its PUT under way when cancelAll() ran.
      expect(paths(result.log).slice(0, 3)).toEqual(["POST /s3/multipart 200", "GET /s3/multipart/ID/1 200", "GET /s3/multipart/ID/2 200"]);
    } finally {
      await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
      await cdp.detach();
    }
  });

  it("without a token: 401 for params and for multipart, and nothing reaches S3", async () => {
    const before = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    const uploadsBefore = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    for (const multipart of [false, true]) {
      const result = await run({ name: "anon.mp4", size: 1000, multipart, token: "" });
      expect(result.successful).toEqual([]);
      expect(result.failed).toEqual([{ name: "anon.mp4", error: expect.stringMatching(/Companion request failed: Unauthorized/) }]);
      expect(paths(result.log)).toEqual([multipart ? "POST /s3/multipart 401" : "GET /s3/params 401"]);
      expect(result.log[0]!.body).toMatchObject({ error: { code: "unauthorized" }, message: expect.any(String) });
    }
    expect((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount).toBe(before.KeyCount);
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? []).toEqual(uploadsBefore.Uploads ?? []);
  });
});
