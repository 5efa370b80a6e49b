/**
 * `upload-broker-client/react` as a user gets it: the client package packed with `npm pack`,
 * installed into a throw-away React app (react, react-dom and the tarball, from npm's cache:
 * tests reach nothing but 127.0.0.1), bundled by esbuild and run in headless Chromium against
 * the local server on its embedded defaults. Real bytes go to the embedded S3 and are read back.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEMO_PROFILES } from "../../functions/domain/demo-profiles.js";
import { loadLocalConfig } from "../../local/config.js";
import { startLocalServer, type LocalServer } from "../../local/server.js";
import { png } from "../support/samples.js";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const available = existsSync(CHROMIUM);
if (!available && process.env.CI === "true") throw new Error(`CI=true but ${CHROMIUM} is missing: apt-get install chromium`);
const ROOT = join(import.meta.dirname, "../..");

/** The app's one component: a file input, the hook's state in words, abort. */
const APP = `
import { useState } from "react";
import { createRoot } from "react-dom/client";
import { createUploadClient } from "upload-broker-client";
import { useUpload } from "upload-broker-client/react";

const client = createUploadClient({ baseUrl: location.origin, getToken: () => window.TOKEN });

function App() {
  const [profile] = useState(() => new URLSearchParams(location.search).get("profile") ?? "avatar");
  const upload = useUpload(client, { profile });
  window.seen = window.seen ?? [];
  window.seen.push(upload.status);
  return (
    <main>
      <input type="file" onChange={(e) => upload.start(e.target.files[0])} />
      <button id="abort" onClick={upload.abort}>Cancel</button>
      <output id="status">{upload.status}</output>
      <output id="progress">{upload.progress ? upload.progress.loaded + "/" + upload.progress.total : ""}</output>
      <output id="result">{upload.result ? JSON.stringify(upload.result) : ""}</output>
      <output id="error">{upload.error ? upload.error.code : ""}</output>
    </main>
  );
}
createRoot(document.getElementById("root")).render(<App />);
`;

describe.skipIf(!available)("a throw-away React app with the packed client and useUpload(), in headless Chromium", () => {
  const dir = mkdtempSync(join(tmpdir(), "upload-broker-react-"));
  let server: LocalServer;
  let browser: Browser;
  let page: Page;
  let bundle: string;
  let token: string;

  beforeAll(async () => {
    // Pack a copy of the client (its build runs in other test files at the same time).
    const pkg = join(dir, "pkg");
    mkdirSync(pkg);
    execFileSync(process.execPath, ["--import", "tsx", join(ROOT, "client/scripts/build.ts")], { cwd: ROOT, env: { ...process.env, CLIENT_OUT_DIR: join(pkg, "dist") }, stdio: "pipe" });
    cpSync(join(ROOT, "client/package.json"), join(pkg, "package.json"));
    execFileSync("npm", ["pack", "--pack-destination", dir], { cwd: pkg, stdio: "pipe" });
    const tarball = readdirSync(dir).find((f) => f.endsWith(".tgz"))!;

    const app = join(dir, "app");
    mkdirSync(app);
    const version = (name: string) => (JSON.parse(execFileSync("npm", ["pkg", "get", `devDependencies.${name}`], { cwd: ROOT, encoding: "utf8" })) as string).replace(/^\^/, "");
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "throw-away-react-app", private: true, type: "module" }));
    try {
      execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", join(dir, tarball), `react@${version("react")}`, `react-dom@${version("react-dom")}`], {
        cwd: app,
        stdio: "pipe",
      });
    } catch (error) {
      throw new Error(`npm install --offline failed (react and react-dom come from npm's cache, filled by npm ci): ${(error as { stderr?: Buffer }).stderr}`);
    }
    writeFileSync(join(app, "app.jsx"), APP);
    const built = await build({
      absWorkingDir: app, entryPoints: ["app.jsx"], bundle: true, write: false, format: "iife", jsx: "automatic",
      define: { "process.env.NODE_ENV": '"production"' }, target: "es2020", platform: "browser", logLevel: "silent",
    });
    bundle = built.outputFiles[0]!.text;

    const profiles = join(dir, "profiles.json");
    writeFileSync(profiles, JSON.stringify([...DEMO_PROFILES, { name: "checked", contentTypes: ["image/png"], maxBytes: 1024 * 1024, verifyContent: true }]));
    server = await startLocalServer(loadLocalConfig({ PORT: "0", LOCAL_DATA_DIR: join(dir, "data"), PROFILES_FILE: profiles }));
    token = ((await (await fetch(`${server.url}/dev/token`, { method: "POST", body: JSON.stringify({ sub: "alice" }) })).json()) as { token: string }).token;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    await page?.close();
    page = await browser.newPage();
  });

  /** The app on the local server's origin (its CORS and same-origin API), for `profile`. */
  const open = async (profile: string) => {
    await page.goto(`${server.url}/?profile=${profile}`);
    await page.evaluate(({ t }) => {
      const w = globalThis as any;
      w.document.body.innerHTML = '<div id="root"></div>';
      w.TOKEN = t;
    }, { t: token });
    await page.addScriptTag({ content: bundle });
    await page.waitForSelector("#status");
  };
  const text = (id: string) => page.locator(`#${id}`).textContent();
  const settled = async () => {
    await page.waitForFunction(() => !["idle", "uploading"].includes((globalThis as any).document.getElementById("status").textContent), undefined, { timeout: 30_000 });
    return text("status");
  };

  it("uploads a real file: progress to the end, the broker's completed ticket, the exact bytes stored", async () => {
    await open("avatar");
    expect(await text("status")).toBe("idle");
    const bytes = Buffer.concat([png(), Buffer.alloc(200_000, 7)]);
    await page.setInputFiles("input[type=file]", { name: "me.png", mimeType: "image/png", buffer: bytes });
    expect(await settled()).toBe("completed");
    expect(await text("progress")).toBe(`${bytes.length}/${bytes.length}`);
    const ticket = JSON.parse((await text("result"))!);
    expect(ticket).toMatchObject({ status: "completed", profile: "avatar", filename: "me.png", size: bytes.length, contentType: "image/png" });
    expect(await page.evaluate(() => (globalThis as any).seen.includes("uploading"))).toBe(true);

    const auth = { authorization: `Bearer ${token}` };
    const { url } = (await (await fetch(`${server.url}/uploads/${ticket.uploadId}/download`, { headers: auth })).json()) as { url: string };
    expect(Buffer.from(await (await fetch(url)).arrayBuffer()).equals(bytes)).toBe(true);
  });

  it("shows the broker's verdict: a file whose bytes are not its declared type is rejected, with the reason", async () => {
    await open("checked");
    await page.setInputFiles("input[type=file]", { name: "fake.png", mimeType: "image/png", buffer: Buffer.from("%PDF-1.7\n".repeat(100)) });
    expect(await settled()).toBe("rejected");
    const ticket = JSON.parse((await text("result"))!);
    expect(ticket.status).toBe("rejected");
    expect(ticket.rejectReason).toBeTruthy();
    expect(await text("error")).toBe("");
  });

  it("reports the broker's refusal as an error (a type the profile does not take) and aborts on demand", async () => {
    await open("avatar");
    await page.setInputFiles("input[type=file]", { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("hello") });
    expect(await settled()).toBe("error");
    expect(await text("error")).toBe("unsupported_media_type");

    // Abort: slow the PUT to S3 down so the click lands while it is in flight.
    await page.route(/X-Amz-Signature/, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 3000));
      await route.continue().catch(() => undefined);
    });
    await page.setInputFiles("input[type=file]", { name: "me.png", mimeType: "image/png", buffer: Buffer.concat([png(), Buffer.alloc(1000)]) });
    await page.waitForFunction(() => (globalThis as any).document.getElementById("status").textContent === "uploading");
    await page.waitForRequest(/X-Amz-Signature/);
    await page.click("#abort");
    expect(await settled()).toBe("aborted");
    expect(await text("error")).toBe("aborted");
    const listed = (await (await fetch(`${server.url}/uploads`, { headers: { authorization: `Bearer ${token}` } })).json()) as { items: Array<{ filename: string; status: string }> };
    // Newest first: the aborted upload's ticket says so (not pending, not completed by the late PUT).
    expect(listed.items.find((i) => i.filename === "me.png")?.status).toBe("aborted");
  });
});
