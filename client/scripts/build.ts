/**
 * `npm run build` in `client/`: regenerates `src/api-types.ts` from the broker's route table,
 * bundles `dist/index.js` with esbuild and writes the `.d.ts` files with tsc. The tools are
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

writeFileSync(`${root}src/api-types.ts`, await apiTypesSource());
rmSync(`${root}dist`, { recursive: true, force: true });
const common = { entryPoints: [`${root}src/index.ts`], bundle: true, format: "esm", platform: "neutral", target: "es2020", logLevel: "warning" } as const;
await build({ ...common, outfile: `${root}dist/index.js` });
execFileSync(process.execPath, [tsc, "-p", root], { stdio: "inherit" });

const min = await build({ ...common, minify: true, write: false });
const bytes = min.outputFiles[0]!.contents;
console.log(`upload-broker-client: dist/index.js, ${bytes.length} bytes minified, ${gzipSync(bytes, { level: 9 }).length} bytes min + gzip`);
