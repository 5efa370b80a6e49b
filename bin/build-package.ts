/**
 * `npm run build:package` (and `npm pack`'s `prepack`): builds the construct package `upload-broker`
 * into `dist/`:
 * - `functions/<entry>/`: every Lambda entry's bundle, made by the very bundling synth does in this
 *   repository (a stack of one UploadFunction per entry, synthesized; its assets copied), so the
 *   package ships exactly what `cdk deploy` from the clone would: `index.mjs`, its source map and
 *   the lazy packages beside it;
 * - `index.js`: lib/ (and the functions/ modules it imports: routes, schemas, profiles…) bundled
 *   into one ES module; the packages it imports stay imports, and must be the package's peer or
 *   runtime dependencies;
 * - `types/`: the declarations of lib/index.ts and what it references, by tsc.
 * Installed, the package synthesizes with those bundles (lib/upload-function.ts, PREBUILT_DIR).
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { builtinModules, createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { App, Stack, type CfnResource } from "aws-cdk-lib";
import { build } from "esbuild";
import { functionEntries, UploadFunction } from "../lib/upload-function.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const OUT = join(ROOT, "dist");
const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { dependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
/** What the construct may import at synth: its peers (aws-cdk-lib, constructs), its dependencies, Node's own modules. */
const ALLOWED = new Set([...Object.keys(manifest.peerDependencies ?? {}), ...Object.keys(manifest.dependencies ?? {})]);
const packageOf = (specifier: string) => specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/");
/** The DefinitelyTyped package of a specifier's types (`aws-lambda` → `@types/aws-lambda`), for declarations. */
const typesOf = (specifier: string) => `@types/${packageOf(specifier).replace(/^@/, "").replace("/", "__")}`;
const allowed = (specifier: string) => specifier.startsWith("node:") || builtinModules.includes(specifier) || ALLOWED.has(packageOf(specifier));

/** Every entry bundled as synth bundles it: one stack of UploadFunctions, its assets copied to `out/<entry>`. */
function buildFunctions(out: string): void {
  const cdkOut = mkdtempSync(join(tmpdir(), "upload-broker-package-"));
  try {
    const app = new App({ outdir: cdkOut });
    const stack = new Stack(app, "Bundles");
    const functions = functionEntries().map((entry) => ({ entry, fn: new UploadFunction(stack, entry, { entry, environment: {} }) }));
    app.synth();
    const template = JSON.parse(readFileSync(join(cdkOut, "Bundles.template.json"), "utf8")) as { Resources: Record<string, { Properties: { Code: { S3Key: string } } }> };
    for (const { entry, fn } of functions) {
      const id = stack.resolve((fn.function.node.defaultChild as CfnResource).logicalId) as string;
      const asset = join(cdkOut, `asset.${template.Resources[id]!.Properties.Code.S3Key.replace(/\.zip$/, "")}`);
      cpSync(asset, join(out, entry), { recursive: true });
    }
  } finally {
    rmSync(cdkOut, { recursive: true, force: true });
  }
}

/** lib/index.ts as one ES module for Node, its own dependencies left as imports; refuses an import the package does not declare. */
async function buildConstruct(out: string): Promise<void> {
  const result = await build({
    entryPoints: [join(ROOT, "lib/index.ts")],
    outfile: join(out, "index.js"),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // The package's own dependencies stay imports; the rest lib reaches (route modules import their
    // handlers, and so a few libraries the functions use) is bundled in, never needed at synth.
    external: [...ALLOWED].flatMap((name) => [name, `${name}/*`]),
    // A CommonJS library bundled into an ES module may call require.
    banner: { js: "import { createRequire as __createRequire } from 'node:module';const require = __createRequire(import.meta.url);" },
    metafile: true,
    logLevel: "warning",
  });
  const imports = Object.values(result.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path));
  const undeclared = [...new Set(imports.filter((i) => !allowed(i)))];
  if (undeclared.length > 0) throw new Error(`build-package: lib imports ${undeclared.join(", ")}, which package.json does not list as a peer or runtime dependency.`);
}

/**
 * The declarations, by the repository's tsc: those `index.d.ts` reaches are kept (tsc writes one per
 * module of the program, also for modules lib uses only at run time); a kept one that names a
 * package the consumer need not have installed fails the build.
 */
function buildTypes(out: string): void {
  const tsc = new URL("bin/tsc", `file://${createRequire(import.meta.url).resolve("typescript/package.json")}`).pathname;
  execFileSync(process.execPath, [tsc, "-p", join(ROOT, "tsconfig.package.json"), "--outDir", out], { stdio: "inherit" });
  const reached = new Set<string>();
  const undeclared = new Set<string>();
  const visit = (file: string) => {
    if (reached.has(file)) return;
    reached.add(file);
    for (const [, specifier] of readFileSync(file, "utf8").matchAll(/(?:\bfrom|\bimport\()\s*["']([^"']+)["']/g)) {
      if (specifier!.startsWith(".")) visit(resolve(dirname(file), specifier!.replace(/\.js$/, ".d.ts")));
      else if (!allowed(specifier!) && !ALLOWED.has(typesOf(specifier!))) undeclared.add(`${specifier} (${relative(out, file)})`);
    }
  };
  visit(join(out, "lib/index.d.ts"));
  if (undeclared.size > 0) throw new Error(`build-package: the declarations import ${[...undeclared].join(", ")}, which a consumer need not have installed.`);
  for (const file of readdirSync(out, { recursive: true, encoding: "utf8" })) {
    const path = join(out, file);
    if (path.endsWith(".d.ts") && !reached.has(path)) rmSync(path);
  }
}

const bytesUnder = (dir: string): number =>
  readdirSync(dir, { recursive: true, encoding: "utf8" }).reduce((sum, f) => sum + (statSync(join(dir, f)).isFile() ? statSync(join(dir, f)).size : 0), 0);

rmSync(OUT, { recursive: true, force: true });
const started = Date.now();
buildFunctions(join(OUT, "functions"));
await buildConstruct(OUT);
buildTypes(join(OUT, "types"));
console.log(
  `upload-broker package: ${functionEntries().length} function bundles (${bytesUnder(join(OUT, "functions"))} bytes), ` +
    `index.js ${statSync(join(OUT, "index.js")).size} bytes, types ${bytesUnder(join(OUT, "types"))} bytes, in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
