/**
 * The demo page in headless Chromium (Debian's, driven by playwright-core): sign in,
 * upload by PUT and by POST with a real file, see `completed`, and see a clear error
 * for a file over the profile's limit.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadLocalConfig } from "../../local/config.js";
import { startLocalServer, type LocalServer } from "../../local/server.js";

const CHROMIUM = "/usr/bin/chromium";
const available = existsSync(CHROMIUM);
if (!available && process.env.CI === "true") throw new Error(`CI=true but ${CHROMIUM} is missing: apt-get install chromium`);
if (!available) console.warn(`[browser] ${CHROMIUM} not found: demo page browser test SKIPPED. To enable: apt-get install -y chromium`);

describe.skipIf(!available)("demo page in headless Chromium", () => {
  let server: LocalServer;
  let browser: Browser;
  let page: Page;
  const dir = mkdtempSync(join(tmpdir(), "upload-broker-demo-"));

  beforeAll(async () => {
    server = await startLocalServer(loadLocalConfig({ PORT: "0", LOCAL_DATA_DIR: dir }));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
    });
    page = await browser.newPage();
    await page.goto(`${server.url}/`);
    await page.fill("#user", "alice");
    await page.click("#signin");
    await page.waitForSelector("#who:has-text('signed in as alice')");
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const uploadFile = async (method: "put" | "post", profile: string, file: { name: string; mimeType: string; buffer: Buffer }) => {
    await page.selectOption("#profile", profile);
    await page.check(`input[name=method][value=${method}]`);
    await page.setInputFiles("#file", file);
    await page.click("#upload");
  };

  it.each(["put", "post"] as const)("uploads a real file by %s and shows completed", async (method) => {
    const buffer = Buffer.alloc(300_000, 7);
    await uploadFile(method, "avatar", { name: `face-${method}.png`, mimeType: "image/png", buffer });
    await page.waitForSelector("#status[data-status=completed]", { timeout: 15_000 });
    expect(await page.textContent("#reason")).toContain("300000 bytes stored");
    expect(await page.getAttribute("#progress", "value")).toBe("100");
    expect(await page.textContent("#error")).toBe("");
    await page.screenshot({ path: join(tmpdir(), `upload-broker-demo-${method}.png`) });
  });

  it("explains a file over the profile's limit", async () => {
    await uploadFile("put", "avatar", { name: "huge.png", mimeType: "image/png", buffer: Buffer.alloc(5 * 1024 * 1024 + 1) });
    await page.waitForSelector("#error:not(:empty)");
    const error = await page.textContent("#error");
    expect(error).toMatch(/accepts at most 5242880 bytes/);
    expect(error).toMatch(/413 file_too_large/);
  });

  it("explains a file type the profile does not accept", async () => {
    await uploadFile("post", "document", { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("hello") });
    await page.waitForSelector("#error:not(:empty)");
    expect(await page.textContent("#error")).toMatch(/accepts application\/pdf, not text\/plain\. \(415 unsupported_media_type\)/);
  });
});
