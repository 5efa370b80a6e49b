/**
 * `useUpload()` on the React Native path: React without a DOM (react-test-renderer), the client's
 * XMLHttpRequest from the shim React Native's networking is modelled by, against the local server
 * on its embedded defaults. The hook's state follows the upload to the broker's verdict.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { createElement } from "react";
import { act, create, type ReactTestRenderer } from "react-test-renderer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadLocalConfig } from "../../local/config.js";
import { startLocalServer, type LocalServer } from "../../local/server.js";
import { png } from "../support/samples.js";
import { xhrShim } from "../support/xhr-shim.js";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

/** What this test uses of the hook (the client's sources are typed for the DOM, which Node code has not). */
interface UseUpload {
  status: string;
  progress: { loaded: number; total: number } | null;
  error: { code: string } | null;
  result: Record<string, any> | null;
  start(file: Blob, options?: Record<string, unknown>): Promise<Record<string, any> | null>;
  reset(): void;
}
interface Bundle {
  createUploadClient(options: { baseUrl: string; getToken: () => string }): unknown;
  useUpload(client: unknown, defaults: { profile: string }): UseUpload;
}

/** The core and the hook as an app bundles them (React left to the app), imported into Node. */
async function importBundle(): Promise<Bundle> {
  const outdir = join(import.meta.dirname, "../../node_modules/.cache/upload-broker-rn-hook");
  const src = join(import.meta.dirname, "../../client/src");
  await build({
    entryPoints: [join(src, "index.ts"), join(src, "react.ts")], bundle: true, splitting: true, format: "esm", platform: "neutral",
    target: "es2020", outdir, outExtension: { ".js": ".mjs" }, external: ["react"], logLevel: "silent",
  });
  const [core, hook] = await Promise.all([import(pathToFileURL(join(outdir, "index.mjs")).href), import(pathToFileURL(join(outdir, "react.mjs")).href)]);
  return { createUploadClient: core.createUploadClient, useUpload: hook.useUpload };
}

describe("useUpload() without a DOM (React Native's path), on the local defaults", () => {
  const dir = mkdtempSync(join(tmpdir(), "upload-broker-rn-hook-"));
  const original = (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest;
  let server: LocalServer;
  let token: string;
  let createUploadClient: Bundle["createUploadClient"];
  let useUpload: Bundle["useUpload"];

  beforeAll(async () => {
    ({ createUploadClient, useUpload } = await importBundle());
    server = await startLocalServer(loadLocalConfig({ PORT: "0", LOCAL_DATA_DIR: join(dir, "data") }));
    token = ((await (await fetch(`${server.url}/dev/token`, { method: "POST", body: JSON.stringify({ sub: "rn-hook" }) })).json()) as { token: string }).token;
    (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = xhrShim().XMLHttpRequest;
  });

  afterAll(async () => {
    (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = original;
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Renders a component that only holds the hook, and hands out its latest value. */
  async function mount(profile: string) {
    const client = createUploadClient({ baseUrl: server.url, getToken: () => token });
    const seen: UseUpload[] = [];
    function Probe() {
      seen.push(useUpload(client, { profile }));
      return null;
    }
    let renderer!: ReactTestRenderer;
    await act(async () => void (renderer = create(createElement(Probe))));
    return { latest: () => seen.at(-1)!, seen, unmount: () => act(() => renderer.unmount()) };
  }

  it("goes idle → uploading → completed with the broker's ticket; the stored bytes are the file's", async () => {
    const hook = await mount("avatar");
    expect(hook.latest().status).toBe("idle");
    const bytes = Buffer.concat([png(), Buffer.alloc(50_000, 3)]);
    let pending!: ReturnType<UseUpload["start"]>;
    await act(async () => void (pending = hook.latest().start(new Blob([bytes], { type: "image/png" }), { filename: "rn.png" })));
    expect(hook.latest()).toMatchObject({ status: "uploading", progress: { loaded: 0, total: bytes.length } });
    let ticket: Awaited<typeof pending> = null;
    await act(async () => void (ticket = await pending));
    expect(hook.latest()).toMatchObject({ status: "completed", error: null, progress: { loaded: bytes.length, total: bytes.length } });
    expect(hook.latest().result).toEqual(ticket);
    expect(ticket).toMatchObject({ status: "completed", filename: "rn.png", size: bytes.length });
    const { url } = (await (await fetch(`${server.url}/uploads/${ticket!.uploadId}/download`, { headers: { authorization: `Bearer ${token}` } })).json()) as { url: string };
    expect(Buffer.from(await (await fetch(url)).arrayBuffer()).equals(bytes)).toBe(true);
    await hook.unmount();
  });

  it("reports a refusal as error state, refuses a second start while one runs, and resets", async () => {
    const hook = await mount("avatar");
    await act(async () => void (await hook.latest().start(new Blob(["hi"], { type: "text/plain" }), { filename: "a.txt" })));
    expect(hook.latest().status).toBe("error");
    expect(hook.latest().error?.code).toBe("unsupported_media_type");

    const file = new Blob([png(), new Uint8Array(1000)], { type: "image/png" });
    await act(async () => {
      const first = hook.latest().start(file, { filename: "one.png" });
      await expect(hook.latest().start(file, { filename: "two.png" })).rejects.toThrow(/already running/);
      await first;
    });
    expect(hook.latest().status).toBe("completed");
    await act(async () => hook.latest().reset());
    expect(hook.latest()).toMatchObject({ status: "idle", result: null, error: null, progress: null });
    await hook.unmount();
  });
});
