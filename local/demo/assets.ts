import { readFile } from "node:fs/promises";
import { build } from "esbuild";
import type { HttpResult } from "../../functions/http.js";

const page = (body: string, type: string): HttpResult => ({
  statusCode: 200,
  headers: { "content-type": `${type}; charset=utf-8`, "cache-control": "no-store" },
  body,
});

/** The demo page and its script, bundled once at start-up by esbuild. */
export async function demoAssets(): Promise<{ page: HttpResult; script: HttpResult }> {
  const html = await readFile(new URL("./index.html", import.meta.url), "utf8");
  const bundle = await build({
    entryPoints: [new URL("./demo.ts", import.meta.url).pathname],
    bundle: true,
    write: false,
    format: "esm",
    target: "es2022",
    platform: "browser",
    logLevel: "silent",
  });
  return { page: page(html, "text/html"), script: page(bundle.outputFiles[0]!.text, "text/javascript") };
}
