/**
 * Client throughput: one 256 MiB file to Ceph RGW on loopback, by upload-broker-client (through
 * the local broker, multipart, default settings) and by `@aws-sdk/lib-storage`'s `Upload` with
 * the bucket owner's credentials (the physical limit of the same path: no broker, no tickets),
 * taking turns, in rounds. Throughput is the file's size over the time until S3 holds the whole
 * object (CompleteMultipartUpload answered); the client's time to the ticket's final status
 * (the record step done) is reported beside it. Then the same with digests on: the client's
 * `integrity` (each part's MD5, signed as `content-md5`, which S3 checks) against lib-storage
 * with the SDK's own per-part checksum (CRC32, `x-amz-checksum-crc32`).
 */
import { execFileSync } from "node:child_process";
import { randomFillSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { s3Client } from "../functions/adapters/clients.js";
import { DEFAULT_PART_BYTES } from "../functions/domain/limits.js";
import { loadLocalConfig } from "../local/config.js";
import { startLocalServer } from "../local/server.js";
import { rgwAvailable, startRgw } from "../test/support/ceph-rgw.js";
import { notifyOnCreate } from "../test/support/rgw-notifications.js";
import { round, summarize, type Summary } from "./measure.js";
import { NodeXhr } from "./node-xhr.js";

const MiB = 1024 ** 2;
/** The client's default part concurrency (client/src/multipart.ts). */
export const CLIENT_PART_CONCURRENCY = 4;
/** lib-storage's defaults. */
const SDK_PART_BYTES = 5 * MiB;
const SDK_QUEUE = 4;

export interface Throughput {
  bytes: number;
  rounds: number;
  client: Summary;
  clientToFinalStatus: Summary;
  sdk: Summary;
  /** The same with digests on: the client's per-part MD5, lib-storage's per-part CRC32. */
  clientDigests: Summary;
  sdkDigests: Summary;
  defaults: { client: { partBytes: number; concurrency: number }; sdk: { partBytes: number; queueSize: number } };
}

/** MiB/s of each side, `rounds` turns each; undefined without RGW. */
export async function clientThroughput(rounds: number, sizeMiB = 256, log: (line: string) => void = () => undefined): Promise<Throughput | undefined> {
  if (!rgwAvailable()) return undefined;
  // The test cluster keeps objects in memory (512 MiB unless told) and frees deleted ones only
  // hours later: room for every round of both sides, and the warm-up.
  const memstore = process.env.RGW_MEMSTORE_BYTES;
  process.env.RGW_MEMSTORE_BYTES = String(Math.max(512, 4 * (rounds + 1) * sizeMiB + 256) * MiB);
  const rgw = await startRgw().finally(() => (memstore === undefined ? delete process.env.RGW_MEMSTORE_BYTES : (process.env.RGW_MEMSTORE_BYTES = memstore)));
  const dir = mkdtempSync(join(tmpdir(), "upload-broker-throughput-"));
  const bucket = `throughput-${Date.now().toString(36)}`;
  const realFetch = globalThis.fetch;
  const previousXhr = (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest;
  let server: Awaited<ReturnType<typeof startLocalServer>> | undefined;
  try {
    const profiles = join(dir, "profiles.json");
    // An opaque type: no content check, so any bytes complete.
    writeFileSync(profiles, JSON.stringify([{ name: "blob", contentTypes: ["application/octet-stream"], maxBytes: 1024 * MiB, methods: ["multipart"] }]));
    server = await startLocalServer(
      loadLocalConfig({
        PORT: "0", LOCAL_DATA_DIR: dir, PROFILES_FILE: profiles, S3_ENDPOINT: rgw.endpoint, S3_BUCKET: bucket, S3_REGION: rgw.region,
        S3_ACCESS_KEY_ID: rgw.accessKeyId, S3_SECRET_ACCESS_KEY: rgw.secretAccessKey, POWERTOOLS_LOG_LEVEL: "ERROR",
      }),
    );
    const s3 = s3Client({ region: rgw.region, endpoint: rgw.endpoint, credentials: rgw });
    await notifyOnCreate(rgw, s3, bucket, `${server.url}/dev/s3-events`);
    await s3.send(new CreateBucketCommand({ Bucket: `${bucket}-sdk` }));
    // The SDK as it ships: a checksum on every part it sends (s3Client turns that off for presigning).
    const checksummed = new S3Client({ region: rgw.region, endpoint: rgw.endpoint, forcePathStyle: true, credentials: rgw, requestChecksumCalculation: "WHEN_SUPPORTED" });
    const { token } = (await (await realFetch(`${server.url}/dev/token`, { method: "POST", body: '{"sub":"bench"}' })).json()) as { token: string };

    const bytes = Buffer.alloc(sizeMiB * MiB);
    randomFillSync(bytes);
    const file = new Blob([bytes], { type: "application/octet-stream" });

    // The client's XHR under Node; the moment the broker answers CompleteMultipartUpload's route.
    (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = NodeXhr;
    let completedAt = 0;
    globalThis.fetch = async (input, init) => {
      const answer = await realFetch(input, init);
      if (String(input).endsWith("/complete")) completedAt = performance.now();
      return answer;
    };
    const client = (await builtClient()).createUploadClient({ baseUrl: server.url, getToken: () => token });
    const samples = { client: [] as number[], final: [] as number[], sdk: [] as number[], clientDigests: [] as number[], sdkDigests: [] as number[] };
    const mibps = (ms: number) => round(sizeMiB / (ms / 1000), 1);
    // One small untimed upload each first: connections opened, code compiled, as in a running app.
    const warm = new Blob([bytes.subarray(0, 16 * MiB)], { type: "application/octet-stream" });
    await client.upload(warm, { profile: "blob", filename: "warm.bin" });
    await client.upload(warm, { profile: "blob", filename: "warm.bin", integrity: true });
    await new Upload({ client: s3, params: { Bucket: `${bucket}-sdk`, Key: "warm.bin", Body: bytes.subarray(0, 16 * MiB) } }).done();
    await new Upload({ client: checksummed, params: { Bucket: `${bucket}-sdk`, Key: "warm.bin", Body: bytes.subarray(0, 16 * MiB), ChecksumAlgorithm: "CRC32" } }).done();
    for (const digests of [false, true]) {
      for (let r = 0; r < rounds; r++) {
        let start = performance.now();
        const ticket = await client.upload(file, { profile: "blob", filename: `f${r}${digests ? "-md5" : ""}.bin`, integrity: digests });
        const end = performance.now();
        if (ticket.status !== "completed") throw new Error(`the client's upload ended ${ticket.status}: ${JSON.stringify(ticket)}`);
        samples[digests ? "clientDigests" : "client"].push(mibps(completedAt - start));
        if (!digests) samples.final.push(mibps(end - start));
        start = performance.now();
        await new Upload({
          client: digests ? checksummed : s3,
          params: { Bucket: `${bucket}-sdk`, Key: `f${r}${digests ? "-crc" : ""}.bin`, Body: bytes, ContentType: "application/octet-stream", ...(digests ? { ChecksumAlgorithm: "CRC32" as const } : {}) },
        }).done();
        samples[digests ? "sdkDigests" : "sdk"].push(mibps(performance.now() - start));
        const [c, l] = digests ? [samples.clientDigests, samples.sdkDigests] : [samples.client, samples.sdk];
        log(`  round ${r + 1}${digests ? " with digests" : ""}: client ${c.at(-1)} MiB/s${digests ? "" : ` (${samples.final.at(-1)} to final status)`}, lib-storage ${l.at(-1)} MiB/s`);
      }
    }
    // Higher is better: the p99 of a throughput is its slow end, the 1st percentile.
    const slowEnd = (s: number[]) => ({ ...summarize(s), p99: Math.min(...s) });
    return {
      bytes: sizeMiB * MiB,
      rounds,
      client: slowEnd(samples.client),
      clientToFinalStatus: slowEnd(samples.final),
      sdk: slowEnd(samples.sdk),
      clientDigests: slowEnd(samples.clientDigests),
      sdkDigests: slowEnd(samples.sdkDigests),
      defaults: { client: { partBytes: DEFAULT_PART_BYTES, concurrency: CLIENT_PART_CONCURRENCY }, sdk: { partBytes: SDK_PART_BYTES, queueSize: SDK_QUEUE } },
    };
  } finally {
    globalThis.fetch = realFetch;
    (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = previousXhr;
    await server?.close().catch(() => undefined);
    await rgw.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The client as published (its dist/): its sources are typed for browsers. */
async function builtClient(): Promise<{ createUploadClient: (o: { baseUrl: string; getToken: () => string }) => { upload: (file: Blob, o: { profile: string; filename: string; integrity?: boolean }) => Promise<{ status: string }> } }> {
  const dist = new URL("../client/dist/index.js", import.meta.url);
  // Built every run: a dist/ left from older sources would measure old code.
  execFileSync("npm", ["--prefix", new URL("../client", import.meta.url).pathname, "run", "build"], { stdio: "ignore" });
  return import(dist.href);
}
