/**
 * The client's part digest (`content-md5`) is MD5 as node:crypto computes it, for every length
 * and alignment. The module is bundled as an app bundles it (its source is typed for browsers).
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "upload-broker-md5-"));
let md5: (data: Uint8Array) => string;
beforeAll(async () => {
  const outfile = join(dir, "md5.mjs");
  await build({ entryPoints: [join(import.meta.dirname, "../../client/src/md5.ts")], bundle: true, format: "esm", platform: "neutral", outfile, logLevel: "silent" });
  ({ md5 } = (await import(pathToFileURL(outfile).href)) as { md5: typeof md5 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const nodeMd5 = (bytes: Uint8Array) => createHash("md5").update(bytes).digest("base64");

describe("client md5", () => {
  it("agrees with node:crypto at every length around the block and padding boundaries", () => {
    const bytes = new Uint8Array(300).map((_, i) => (i * 131 + 7) & 255);
    for (let n = 0; n <= 300; n++) expect(md5(bytes.subarray(0, n)), `length ${n}`).toBe(nodeMd5(bytes.subarray(0, n)));
  });

  it("agrees with node:crypto on any bytes, in place or at an offset that is not a word boundary", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), fc.integer({ min: 0, max: 3 }), (data, offset) => {
        const shifted = new Uint8Array(data.length + offset);
        shifted.set(data, offset);
        expect(md5(shifted.subarray(offset))).toBe(nodeMd5(data));
      }),
    );
  });

  it("agrees with node:crypto on a part-sized buffer", () => {
    const part = new Uint8Array(8 * 1024 * 1024 + 5).map((_, i) => (i * 2654435761) >>> 24);
    expect(md5(part)).toBe(nodeMd5(part));
  });
});
