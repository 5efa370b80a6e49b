/**
 * The demo page (built on upload-broker-client) in headless Chromium, on the embedded servers:
 * sign in, drop two files, see them completed with a download link, delete one, cancel an
 * upload, see each error in words next to its file, restricted profiles marked, and nothing
 * of one user left on the page after signing in as another. Screenshots go to /tmp/demo-*.png.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PROFILES } from "../../functions/domain/demo-profiles.js";
import { loadLocalConfig } from "../../local/config.js";
import { startLocalServer, type LocalServer } from "../../local/server.js";
import { pdf, png } from "../support/samples.js";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const available = existsSync(CHROMIUM);
if (!available && process.env.CI === "true") throw new Error(`CI=true but ${CHROMIUM} is missing: apt-get install chromium`);
if (!available) console.warn(`[browser] ${CHROMIUM} not found: demo page browser test SKIPPED. To enable: apt-get install -y chromium`);
const MiB = 1024 * 1024;

/** A real file of `type` (its head), padded to `size` bytes. */
const file = (name: string, mimeType: string, size: number) => {
  const buffer = Buffer.alloc(size, 7);
  buffer.set(mimeType === "application/pdf" ? pdf() : mimeType === "image/png" ? png() : Buffer.from("hello"));
  return { name, mimeType, buffer };
};

describe.skipIf(!available)("demo page in headless Chromium", () => {
  let server: LocalServer;
  let browser: Browser;
  let page: Page;
  const dir = mkdtempSync(join(tmpdir(), "upload-broker-demo-"));
  const row = (name: string) => page.locator(`#transfers li[data-file="${name}"]`);
  const listed = (name: string) => page.locator("#uploads tr", { hasText: name });

  const signIn = async (user: string) => {
    await page.fill("#user", user);
    await page.click("#signin");
    await page.waitForSelector(`#who:has-text('signed in as ${user}')`);
  };

  /** Drops files on the drop zone, as a drag from the desktop does. */
  const drop = async (files: ReturnType<typeof file>[]) => {
    const dataTransfer = await page.evaluateHandle((list) => {
      const dt = new (globalThis as any).DataTransfer();
      for (const f of list) dt.items.add(new File([new Uint8Array(f.bytes)], f.name, { type: f.mimeType }));
      return dt;
    }, files.map((f) => ({ name: f.name, mimeType: f.mimeType, bytes: [...f.buffer] })));
    await page.dispatchEvent("#drop", "dragover", { dataTransfer });
    await page.dispatchEvent("#drop", "drop", { dataTransfer });
  };

  beforeAll(async () => {
    const profiles = join(dir, "profiles.json");
    writeFileSync(profiles, JSON.stringify([...DEMO_PROFILES, { name: "staff-docs", contentTypes: ["application/pdf"], maxBytes: MiB, allowedGroups: ["staff"] }]));
    server = await startLocalServer(loadLocalConfig({ PORT: "0", LOCAL_DATA_DIR: join(dir, "data"), PROFILES_FILE: profiles }));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    await page.goto(`${server.url}/`);
    await signIn("alice");
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("marks group-restricted profiles", async () => {
    expect(await page.locator("#profile option").allTextContents()).toEqual(["avatar", "document", "photo", "staff-docs (restricted)"]);
    await page.selectOption("#profile", "staff-docs");
    await expect.poll(() => page.textContent("#profile-info")).toMatch(/restricted to some groups/);
    await page.screenshot({ path: "/tmp/demo-restricted.png" });
    await page.selectOption("#profile", "avatar");
    expect(await page.textContent("#profile-info")).not.toMatch(/restricted/);
  });

  it("uploads two dropped files, lists them completed with a download link, deletes one", async () => {
    await drop([file("face.png", "image/png", 300_000), file("logo.png", "image/png", 120_000)]);
    for (const [name, size] of [["face.png", "293.0 KiB"], ["logo.png", "117.2 KiB"]] as const) {
      await row(name).locator("[data-status=completed]").waitFor({ timeout: 15_000 });
      expect(await row(name).textContent()).toContain(`100% · ${size} of ${size}`);
      await listed(name).locator("[data-status=completed]").waitFor();
    }
    const href = await listed("face.png").locator("a", { hasText: "Download" }).getAttribute("href");
    const download = await fetch(href!);
    expect(download.status).toBe(200);
    expect((await download.arrayBuffer()).byteLength).toBe(300_000);
    await page.screenshot({ path: "/tmp/demo-uploaded.png", fullPage: true });

    await listed("logo.png").locator("button", { hasText: "Delete" }).click();
    await listed("logo.png").locator("[data-status=deleted]").waitFor();
    expect(await listed("logo.png").locator("a").count()).toBe(0);
    await listed("face.png").locator("[data-status=completed]").waitFor();
    expect(await page.textContent("#error")).toBe("");
    await page.screenshot({ path: "/tmp/demo-deleted.png", fullPage: true });
  });

  it("cancels an upload in flight: the ticket is aborted", async () => {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 2 * MiB });
    try {
      await page.selectOption("#profile", "photo");
      await page.setInputFiles("#file", file("slow.png", "image/png", 8 * MiB));
      await row("slow.png").locator("span.muted", { hasNotText: /^0%/ }).waitFor();
      await page.screenshot({ path: "/tmp/demo-progress.png", fullPage: true });
      await row("slow.png").locator("button", { hasText: "Cancel" }).click();
      await row("slow.png").locator("[data-status=aborted]").waitFor();
      expect(await row("slow.png").textContent()).toMatch(/cancelled/);
      await listed("slow.png").locator("[data-status=aborted]").waitFor();
    } finally {
      await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    }
  });

  it("explains each refused file next to it, and the next upload starts clean", async () => {
    await page.selectOption("#profile", "avatar");
    await page.setInputFiles("#file", file("huge.png", "image/png", 5 * MiB + 1));
    await row("huge.png").locator(".error:not(:empty)").waitFor();
    expect(await row("huge.png").locator(".error").textContent()).toMatch(/5242880 bytes.*\(413 file_too_large\)/s);

    await page.selectOption("#profile", "document");
    await page.selectOption("#method", "post");
    await page.setInputFiles("#file", file("notes.txt", "text/plain", 5));
    await row("notes.txt").locator(".error:not(:empty)").waitFor();
    expect(await row("notes.txt").locator(".error").textContent()).toMatch(/accepts application\/pdf, not text\/plain.*\(415 unsupported_media_type\)/s);

    await page.selectOption("#method", "auto");
    await page.setInputFiles("#file", file("report.pdf", "application/pdf", 200_000));
    await row("report.pdf").locator("[data-status=completed]").waitFor({ timeout: 15_000 });
    expect(await row("report.pdf").locator(".error").textContent()).toBe("");
    expect(await page.textContent("#error")).toBe("");
    await page.screenshot({ path: "/tmp/demo-errors.png", fullPage: true });
  });

  it("shows nothing of alice's after signing in as bob", async () => {
    await signIn("bob");
    expect(await page.locator("#transfers li").count()).toBe(0);
    await expect.poll(() => page.textContent("#uploads")).toMatch(/No uploads yet/);
    await page.screenshot({ path: "/tmp/demo-bob.png", fullPage: true });
  });
});
