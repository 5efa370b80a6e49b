/**
 * What per-part digests cost the client: the real client core (bundled as an app bundles it)
 * uploads the same file by multipart with and without `integrity` (each part's MD5 signed as
 * `content-md5`), through the XHR shim the React Native test uses, to a loopback server that
 * plays the broker and S3 (it reads every byte and answers at once). The network is as fast as it
 * gets, so the ratio is the worst case: on a real uplink the digest of one part is computed while
 * others travel. Node has no Worker here, so the MD5 runs on the calling thread.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { importClientCore } from "../test/support/client-core.js";
import { fakeBroker } from "../test/support/fake-broker.js";
import { xhrShim } from "../test/support/xhr-shim.js";

const MiB = 1024 ** 2;

/** Client throughput (MiB/s) without and with per-part MD5, interleaved in `rounds`. */
export async function clientDigestThroughput(sizeMiB: number, rounds: number): Promise<{ plain: number; integrity: number }> {
  const dir = mkdtempSync(join(tmpdir(), "upload-broker-bench-client-"));
  const broker = await fakeBroker();
  const previous = (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest;
  try {
    const { createUploadClient, memoryStore } = await importClientCore(dir);
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
