/**
 * The client package as it is published: its types are the broker's schemas (generated, and
 * proved equal to `z.infer` by tsc), `npm run build` makes what `exports` names with no runtime
 * dependency and no import outside `client/`, and the bundle stays within its size budget.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import { apiTypesSource } from "../../client/scripts/api-types.js";

const CLIENT = resolve(import.meta.dirname, "../../client");
/** min + gzip budget of the whole client. */
const MAX_GZIP_BYTES = 6144;

describe("upload-broker-client package", () => {
  const pkg = JSON.parse(readFileSync(join(CLIENT, "package.json"), "utf8")) as Record<string, any>;
  // Read before the build below rewrites it: this is the file as committed.
  const committedTypes = readFileSync(join(CLIENT, "src/api-types.ts"), "utf8");
  let buildOutput = "";

  beforeAll(() => {
    buildOutput = execFileSync("npm", ["run", "build"], { cwd: CLIENT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  }, 120_000);

  it("has types generated from the current route table and schemas", async () => {
    expect(committedTypes, "client/src/api-types.ts is out of date: run npm run build in client/").toBe(await apiTypesSource());
  });

  it("has types equal to the schemas' z.infer (tsc proves it per route)", () => {
    const tsc = spawnSync(process.execPath, [join(CLIENT, "../node_modules/typescript/bin/tsc"), "-p", join(CLIENT, "tsconfig.check.json")], { encoding: "utf8" });
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.status).toBe(0);
  }, 60_000);

  it("builds what exports names: ESM with .d.ts, no runtime dependency, nothing imported from outside", () => {
    expect(pkg).toMatchObject({
      name: "upload-broker-client",
      type: "module",
      exports: {
        ".": { types: "./dist/index.d.ts", default: "./dist/index.js" },
        "./react": { types: "./dist/react.d.ts", default: "./dist/react.js" },
        "./server": { types: "./dist/server.d.ts", default: "./dist/server.js" },
      },
    });
    expect(pkg.dependencies).toBeUndefined();
    expect(pkg.peerDependencies).toEqual({ react: ">=18" });
    expect(pkg.peerDependenciesMeta).toEqual({ react: { optional: true } });
    const imports = (file: string) => [...readFileSync(join(CLIENT, "dist", file), "utf8").matchAll(/^\s*import\s[^"']*["']([^"']+)["']/gm)].map((m) => m[1]);
    for (const file of ["index.js", "react.js", "server.js"]) {
      const js = readFileSync(join(CLIENT, "dist", file), "utf8");
      expect(js).not.toMatch(/\brequire\(|\bimport\(/);
      // What browsers and React Native run uses no Node API.
      if (file !== "server.js") expect(js).not.toMatch(/\bnode:|\bprocess\.|\bBuffer\b/);
    }
    // The core imports only its own shared chunk; the hook that chunk (one UploadError class) and React.
    // The Standard Webhooks library is bundled into server.js: no dependency to install.
    for (const from of [...imports("index.js"), ...imports("server.js")]) expect(from).toMatch(/^\.\/chunk-\w+\.js$/);
    expect(imports("react.js").sort()).toEqual([...imports("index.js"), "react"].sort());
    expect(readFileSync(join(CLIENT, "dist/index.js"), "utf8")).toMatch(/export\s*\{[^}]*createUploadClient[^}]*UploadError|export\s*\{[^}]*UploadError[^}]*createUploadClient/s);
    const declarations = readdirSync(join(CLIENT, "dist")).filter((f) => f.endsWith(".d.ts"));
    expect(declarations).toEqual(expect.arrayContaining(["index.d.ts", "react.d.ts", "server.d.ts"]));
    for (const file of declarations) {
      const text = readFileSync(join(CLIENT, "dist", file), "utf8");
      for (const [, from] of text.matchAll(/(?:from|import\()\s*["']([^"']+)["']/g)) expect(from, `${file} imports ${from}`).toMatch(file === "react.d.ts" && from === "react" ? /^react$/ : /^\.\/[\w-]+\.js$/);
    }
  });

  it(`stays within ${MAX_GZIP_BYTES} bytes minified and gzipped`, async () => {
    const min = await build({ entryPoints: [join(CLIENT, "dist/index.js")], bundle: true, minify: true, write: false, format: "esm", target: "es2020", logLevel: "silent" });
    const gzip = gzipSync(min.outputFiles[0]!.contents, { level: 9 }).length;
    console.log(`[client size] ${min.outputFiles[0]!.contents.length} bytes minified, ${gzip} bytes min + gzip (budget ${MAX_GZIP_BYTES})`);
    expect(buildOutput).toMatch(/bytes min \+ gzip/);
    expect(gzip).toBeLessThanOrEqual(MAX_GZIP_BYTES);
  });
});
