/**
 * `npm run bench` is not a test of speed (no figure here is held to a target), but it must keep
 * running and reporting every figure docs/performance.md lists.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { ENTRIES } from "../../bench/bundles.js";

const dir = mkdtempSync(join(tmpdir(), "upload-broker-bench-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Summary { median: number; p99: number; samples: number }

describe("npm run bench -- --quick --json FILE", () => {
  it("measures every item and writes every figure, ratio and the cost table", { timeout: 240_000 }, async () => {
    const file = join(dir, "bench.json");
    await promisify(execFile)(process.execPath, ["--import", "tsx", "bench/run.ts", "--quick", "--json", file], { cwd: join(import.meta.dirname, "..", "..") });
    const { figures, ratios, cost } = JSON.parse(readFileSync(file, "utf8")) as {
      figures: Record<string, any>;
      ratios: Record<string, number>;
      cost: { pricesTaken: string; perMillionUploadsUSD: Record<string, Record<string, number>> };
    };

    const timed = [
      "floor: raw SigV4 presign (node:crypto)",
      "baseline: getSignedUrl(S3Client, PutObjectCommand)",
      "UrlPresigner.presignPut (aws4)",
      "sign-put handler, in-memory ports",
      "sign-post handler, in-memory ports",
      "floor: raw POST policy (node:crypto)",
      "baseline: createPresignedPost(S3Client)",
      "PostPresigner.presignPost (aws4)",
      "floor: 100 × raw SigV4 presign (PUT)",
      "floor: 100 raw part presigns (UploadPart)",
      "UrlPresigner.presignPart × 100",
      "sign-parts handler (100 parts), in-memory ports",
      "sign-put handler, dynalite tickets",
      "sign-post handler, dynalite tickets",
      "naive sign-put: getSignedUrl + DynamoDBDocumentClient PutItem, dynalite",
      "get-upload handler, dynalite",
      "list-uploads handler (20 tickets), dynalite",
      "download handler (upload-object), dynalite",
      "naive download: getSignedUrl(GetObjectCommand) + GetItem, dynalite",
      "publish-events handler (one stream record), in-memory publisher",
      // Without Java, DynamoDB Local cannot run: the run says so instead.
      ...(figures["quota rows skipped"] ? [] : [
        "sign-put handler, no quota (PutItem), DynamoDB Local",
        "sign-put handler, daily quota (TransactWriteItems), DynamoDB Local",
      ]),
    ];
    for (const name of timed) {
      const s = figures[name] as Summary;
      expect(s.median, name).toBeGreaterThan(0);
      expect(s.p99, name).toBeGreaterThanOrEqual(s.median);
    }
    // Every Lambda entry of the route table and the event handlers, and the baselines.
    for (const name of ["naive", "naive-full", ...ENTRIES, "sign-put+source-maps"]) {
      expect(figures[`cold import ${name}`], name).toMatchObject({ median: expect.any(Number), bytes: expect.any(Number) });
      expect(figures[`cold import ${name}`].bytes, name).toBeGreaterThan(10_000);
    }
    expect(figures["record handler (one event per object), dynalite"]).toBeGreaterThan(0);
    expect(figures["ceiling: GetItem + HeadObject (+ ranged GET) stand-ins + UpdateItem, dynalite"]).toBeGreaterThan(0);
    expect(figures["record handler S3 calls per event"].head).toBeGreaterThanOrEqual(1);
    expect(figures["local server load"]).toMatchObject({ errors: 0, non2xx: 0 });
    // Client throughput, both sides, and the defaults it ran with.
    if (!figures["throughput skipped"]) {
      for (const who of ["upload-broker-client (multipart, defaults)", "@aws-sdk/lib-storage Upload, direct", "upload-broker-client, integrity (per-part MD5)", "@aws-sdk/lib-storage Upload, direct, per-part CRC32"]) {
        expect(figures[`client throughput 32 MiB to RGW: ${who}`], who).toMatchObject({ median: expect.any(Number) });
      }
      expect(figures["client throughput defaults"].client).toEqual({ partBytes: 8 * 1024 ** 2, concurrency: 4 });
    }
    // Cold imports ran on Lambda's Node.js major when it is installed (CI installs it).
    if (process.env.CI === "true") expect(figures["cold import runtime"]).toMatch(/^Node\.js v22\./);
    // A memory recommendation for every function, from its measured CPU time.
    for (const fn of ENTRIES) expect([128, 256, 512], fn).toContain(figures["lambda memory"].functions[fn].recommendedMb);
    expect(figures["local server load"].requestsPerSecond).toBeGreaterThan(0);
    expect(figures["client multipart throughput, no digests (loopback)"]).toBeGreaterThan(0);
    expect(figures["client multipart throughput, per-part MD5 (loopback)"]).toBeGreaterThan(0);

    expect(Object.keys(ratios)).toEqual(expect.arrayContaining([
      "sign-put handler / SigV4 floor (target ≤ 5)",
      "sign-put handler / naive SDK (target ≤ 0.15)",
      "sign-post handler / POST policy floor (target ≤ 2)",
      ...ENTRIES.map((fn) => `${fn} cold import / naive bundle (target ≤ ${fn === "sign-put" || fn === "sign-post" ? 0.3 : 0.4})`),
      "Powertools Logger alone, cold import / naive bundle",
      ...(figures["throughput skipped"] ? [] : ["client throughput / lib-storage Upload (target ≥ 0.9)"]),
      "record handler / ceiling of its store calls (target ≥ 0.7)",
      "sign-parts handler (100 parts) / 100 × SigV4 floor (target ≤ 1.5)",
      "client throughput with per-part MD5 / without (loopback: the worst case)",
      ...(figures["quota rows skipped"] ? [] : ["sign-put with quota / without, DynamoDB Local"]),
    ]));
    for (const [name, value] of Object.entries(ratios)) expect(Number.isFinite(value) && value > 0, name).toBe(true);

    // The cost table: every line for the broker and the naive design, prices dated.
    expect(cost.pricesTaken).toBe("2026-12-01");
    for (const design of ["broker", "naive", ...(figures["quota rows skipped"] ? [] : ["broker, quota profile"])]) {
      const table = cost.perMillionUploadsUSD[design]!;
      expect(table, design).toBeDefined();
      for (const [line, usd] of Object.entries(table)) expect(Number.isFinite(usd) && usd >= 0, `${design}: ${line}`).toBe(true);
      expect(table.total, design).toBeGreaterThan(0);
    }
  });
});
