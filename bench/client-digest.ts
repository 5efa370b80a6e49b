/**
 * What per-part digests cost the client: the real client core (bundled as an app bundles it)
 * uploads the same file by multipart with and without `integrity` (each part's MD5 signed as
 * `content-md5`), through the XHR shim the React Native test uses, to a loopback server that
 * plays the broker and S3 (it reads every byte and answers at once). The network is as fast as it
 * gets, so the ratio is the worst case: on a real uplink the digest of one part is computed while
 * others travel. Node has no Worker here, so the MD5 runs on the calling thread.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { xhrShim } from "../test/support/xhr-shim.js";

const MiB = 1024 ** 2;
const PART = 8 * MiB;

/** Reads a request's body; the number of bytes. */
const drain = (req: IncomingMessage) =>
  new Promise<number>((resolve) => {
    let n = 0;
    req.on("data", (c: Buffer) => (n += c.length)).on("end", () => resolve(n));
  });

/** The broker's multipart routes and S3's UploadPart, in one loopback server. */
async function fakeBroker() {
  let size = 0;
  const server = createServer(async (req, res) => {
    const url = new URL(req.url!, "http://x");
    const body = req.method === "PUT" ? await drain(req) : JSON.parse((await new Promise<string>((r) => { let t = ""; req.on("data", (c) => (t += c)).on("end", () => r(t)); })) || "null");
    const json = (status: number, value: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
    const expiresAt = new Date(Date.now() + 3600_000).toISOString();
    if (req.method === "POST" && url.pathname === "/sign/multipart") {
      size = body.size;
      return json(201, { uploadId: "u", key: "k", method: "MULTIPART", partSize: PART, partCount: Math.ceil(size / PART), expiresAt });
    }
    if (req.method === "POST" && url.pathname.endsWith("/parts")) {
      const { address, port } = server.address() as AddressInfo;
      const parts = (body.parts as Array<{ partNumber: number; contentMd5?: string }>).map((p) => ({
        partNumber: p.partNumber, url: `http://${address}:${port}/s3?partNumber=${p.partNumber}`, headers: p.contentMd5 ? { "content-md5": p.contentMd5 } : {},
      }));
      return json(200, { parts, expiresAt });
    }
    if (req.method === "PUT") return res.writeHead(200, { etag: `"${body}"` }).end();
    if (url.pathname.endsWith("/complete")) return json(200, { uploadId: "u", status: "completed", size });
    json(404, { error: { code: "not_found", message: url.pathname } });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) };
}

/** Client throughput (MiB/s) without and with per-part MD5, interleaved in `rounds`. */
export async function clientDigestThroughput(sizeMiB: number, rounds: number): Promise<{ plain: number; integrity: number }> {
  const dir = mkdtempSync(join(tmpdir(), "upload-broker-bench-client-"));
  const broker = await fakeBroker();
  const previous = (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest;
  try {
    const entry = join(dir, "client.mjs");
    await build({ entryPoints: [join(import.meta.dirname, "../client/src/index.ts")], bundle: true, format: "esm", platform: "neutral", target: "es2020", outfile: entry, logLevel: "silent" });
    const { createUploadClient, memoryStore } = await import(pathToFileURL(entry).href);
    (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = xhrShim().XMLHttpRequest;
    const client = createUploadClient({ baseUrl: broker.url, getToken: () => "t", store: memoryStore() });
    const file = new Blob([Buffer.alloc(sizeMiB * MiB, 7)], { type: "video/mp4" });
    const best = { plain: 0, integrity: 0 };
    for (let round = 0; round <= rounds; round++) {
      for (const integrity of [false, true]) {
        const started = performance.now();
        const view = await client.upload(file, { profile: "video", filename: "v.mp4", method: "multipart", integrity });
        if (view.status !== "completed") throw new Error(`the client answered ${JSON.stringify(view)}`);
        const mibPerSecond = sizeMiB / ((performance.now() - started) / 1000);
        // Round 0 warms up; then the best of the rounds (the least disturbed by the machine).
        if (round > 0) best[integrity ? "integrity" : "plain"] = Math.max(best[integrity ? "integrity" : "plain"], mibPerSecond);
      }
    }
    return best;
  } finally {
    (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = previous;
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
