/**
 * The client signs a part URL again before it uses one within 10 s of its `expiresAt`: the
 * client core under Node (XHR shim) against a loopback stand-in for the broker and S3 whose part
 * URLs live 5 s (every one is near its end when its part's turn comes) or an hour (one batch).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importClientCore, type ClientCore } from "../support/client-core.js";
import { fakeBroker } from "../support/fake-broker.js";
import { xhrShim } from "../support/xhr-shim.js";

const MiB = 1024 ** 2;

describe("upload-broker-client: part URLs near their expiry", () => {
  const dir = mkdtempSync(join(tmpdir(), "upload-broker-resign-"));
  const previous = (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest;
  let core: ClientCore;

  beforeAll(async () => {
    core = await importClientCore(dir);
    (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = xhrShim().XMLHttpRequest;
  });
  afterAll(() => {
    (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = previous;
    rmSync(dir, { recursive: true, force: true });
  });

  it("signs the parts that start together in one call, each part once", async () => {
    const broker = await fakeBroker();
    try {
      const client = core.createUploadClient({ baseUrl: broker.url, getToken: () => "t", store: core.memoryStore() });
      // Four workers (the default concurrency) start on three parts at once.
      await client.upload(new Blob([new Uint8Array(20 * MiB)]), { profile: "video", filename: "v.mp4", method: "multipart" });
      expect(broker.counts).toEqual({ signed: 3, signCalls: 1 });
    } finally {
      await broker.close();
    }
  });

  it.each([
    ["an hour: all three parts signed in one batch", 3600_000, 3],
    ["5 s: parts 2 and 3 signed again before they are sent", 5_000, 5],
  ])("part URLs that live %s", async (_name, urlLifetimeMs, signed) => {
    const broker = await fakeBroker({ urlLifetimeMs });
    try {
      const client = core.createUploadClient({ baseUrl: broker.url, getToken: () => "t", store: core.memoryStore() });
      const view = await client.upload(new Blob([new Uint8Array(20 * MiB)]), { profile: "video", filename: "v.mp4", method: "multipart", partConcurrency: 1 });
      expect(view).toMatchObject({ status: "completed", size: 20 * MiB });
      expect(broker.counts.signed).toBe(signed);
    } finally {
      await broker.close();
    }
  });
});
