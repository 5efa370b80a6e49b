/**
 * `npm run bench` is not a test of speed (no figure here is held to a target), but it must keep
 * running and reporting every figure the README's Performance section lists.
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
  it("measures all six items and writes every figure and ratio", { timeout: 120_000 }, async () => {
    const file = join(dir, "bench.json");
    await promisify(execFile)(process.execPath, ["--import", "tsx", "bench/run.ts", "--quick", "--json", file], { cwd: join(import.meta.dirname, "..", "..") });
    const { figures, ratios } = JSON.parse(readFileSync(file, "utf8")) as { figures: Record<string, any>; ratios: Record<string, number> };

    const timed = [
      "floor: raw SigV4 presign (node:crypto)",
      "baseline: getSignedUrl(S3Client, PutObjectCommand)",
      "PutPresigner.presignPut (aws4)",
      "sign-put handler, in-memory ports",
      "sign-post handler, in-memory ports",
      "sign-put handler, dynalite tickets",
      "sign-post handler, dynalite tickets",
    ];
    for (const name of timed) {
      const s = figures[name] as Summary;
      expect(s.median, name).toBeGreaterThan(0);
      expect(s.p99, name).toBeGreaterThanOrEqual(s.median);
    }
    for (const name of ["naive", ...ENTRIES, "sign-put+source-maps"]) {
      expect(figures[`cold import ${name}`], name).toMatchObject({ median: expect.any(Number), bytes: expect.any(Number) });
      expect(figures[`cold import ${name}`].bytes, name).toBeGreaterThan(10_000);
    }
    expect(figures["record handler events/s"]).toBeGreaterThan(0);
    expect(figures["local server load"]).toMatchObject({ errors: 0, non2xx: 0 });
    expect(figures["local server load"].requestsPerSecond).toBeGreaterThan(0);

    expect(Object.keys(ratios)).toEqual(expect.arrayContaining([
      "sign-put handler / SigV4 floor (target ≤ 5)",
      "sign-put handler / naive SDK (target ≤ 0.15)",
      "sign-put cold import / naive bundle (target ≤ 0.4)",
    ]));
    for (const [name, value] of Object.entries(ratios)) expect(Number.isFinite(value) && value > 0, name).toBe(true);
  });
});
