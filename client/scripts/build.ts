/**
 * `npm run build` in `client/`: regenerates `src/api-types.ts` from the broker's route table,
 * bundles `dist/index.js`, `dist/react.js` and `dist/server.js` with esbuild and writes the `.d.ts` files with tsc. The tools are
 * the repository root's (no `node_modules` here); the package has no runtime dependency.
 */
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { apiTypesSource } from "./api-types.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const tsc = new URL("bin/tsc", `file://${createRequire(import.meta.url).resolve("typescript/package.json")}`).pathname;

// CLIENT_OUT_DIR: build the committed sources elsewhere (tests that pack a copy), leaving src/ and dist/ alone.
const out = process.env.CLIENT_OUT_DIR ?? `${root}dist`;
if (!process.env.CLIENT_OUT_DIR) writeFileSync(`${root}src/api-types.ts`, await apiTypesSource());
rmSync(out, { recursive: true, force: true });
const common = { bundle: true, format: "esm", platform: "neutral", mainFields: ["module", "main"], target: "es2020", logLevel: "warning" } as const;
// The entries in one build with code splitting: `react.js` shares the core's modules (one `UploadError` class).
// `server.js` bundles the Standard Webhooks library, so the package still has no dependency.
await build({ ...common, entryPoints: ["index", "react", "server"].map((e) => `${root}src/${e}.ts`), splitting: true, outdir: out, external: ["react"] });
execFileSync(process.execPath, [tsc, "-p", root, "--outDir", out], { stdio: "inherit" });

const min = await build({ ...common, entryPoints: [`${root}src/index.ts`], minify: true, write: false });
const bytes = min.outputFiles[0]!.contents;
console.log(`upload-broker-client: dist/index.js, ${bytes.length} bytes minified, ${gzipSync(bytes, { level: 9 }).length} bytes min + gzip`);
