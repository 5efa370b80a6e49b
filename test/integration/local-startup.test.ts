/**
 * `npm start` as a developer meets it: a page on another origin (CORS_ORIGINS) in headless
 * Chromium calling the API and uploading to the embedded bucket, a phone's host name
 * (ALLOWED_HOSTS), /dev/s3-events for this machine only, every start-up mistake as one line
 * naming the variable, and SIGTERM/SIGINT stopping everything within 5 s.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, request, type Server } from "node:http";
import { connect, createServer as createTcpServer, type AddressInfo } from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadLocalConfig } from "../../local/config.js";
import { startLocalServer, type LocalServer } from "../../local/server.js";
import { png as samplePng } from "../support/samples.js";

const REPO = resolve(import.meta.dirname, "../..");
/** What `npm start` must run: one process (tsx's CLI would fork a child that outlives a signal), exec'd by npm's sh. */
const START_SCRIPT = "exec node --import tsx local/main.ts";
/** The same command line, without npm: what the script's `exec` leaves running. */
const START = [process.execPath, "--import", "tsx", "local/main.ts"];

const CHROMIUM = "/usr/bin/chromium";
const chromiumAvailable = existsSync(CHROMIUM);
if (!chromiumAvailable && process.env.CI === "true") throw new Error(`CI=true but ${CHROMIUM} is missing: apt-get install chromium`);
if (!chromiumAvailable) console.warn(`[browser] ${CHROMIUM} not found: CORS_ORIGINS browser test SKIPPED. To enable: apt-get install -y chromium`);

const dirs: string[] = [];
const tempDir = (prefix = "upload-broker-startup-") => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The environment of a developer's shell: no test-only settings, nothing from this process's S3 setup. */
function startEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, POWERTOOLS_LOG_LEVEL: "SILENT" };
  return { ...env, LOCAL_DATA_DIR: tempDir(), ...extra };
}

/** Runs the start command to its end; a start-up mistake must end it. */
function runStart(env: Record<string, string>) {
  const started = Date.now();
  const result = spawnSync(START[0]!, START.slice(1), { cwd: REPO, env: startEnv(env), encoding: "utf8", timeout: 20_000 });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr, ms: Date.now() - started };
}

const freePort = () =>
  new Promise<number>((done) => {
    const s = createTcpServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => done(port));
    });
  });

const canConnect = (port: number, host = "127.0.0.1") =>
  new Promise<boolean>((done) => {
    const socket = connect(port, host);
    socket.once("connect", () => (socket.destroy(), done(true)));
    socket.once("error", () => done(false));
  });

/** One request with an explicit Host header (and source interface), which `fetch` will not send. */
function call(port: number, method: string, path: string, headers: Record<string, string>, body?: string, address = "127.0.0.1") {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: any }>((done, fail) => {
    const req = request({ host: address, port, method, path, headers: { ...headers, ...(body ? { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: unknown = text;
        try {
          json = JSON.parse(text);
        } catch {
          // not JSON: keep the text
        }
        done({ status: res.statusCode ?? 0, headers: res.headers, body: json });
      });
    });
    req.on("error", fail);
    req.end(body);
  });
}

const start = async (env: Record<string, string>) => startLocalServer(loadLocalConfig({ PORT: "0", LOCAL_DATA_DIR: tempDir(), ...env }));

describe("start-up mistakes: one line naming the variable, exit code 1", () => {
  const badProfiles = () => {
    const file = join(tempDir(), "profiles.json");
    writeFileSync(file, JSON.stringify([{ name: "x", contentTypes: [], maxBytes: -1 }]));
    return file;
  };
  const notJson = () => {
    const file = join(tempDir(), "profiles.json");
    writeFileSync(file, "{");
    return file;
  };

  it.each<[string, () => Record<string, string>, RegExp]>([
    ["a malformed PORT", () => ({ PORT: "abc" }), /^PORT "abc" /],
    ["a PORT out of range", () => ({ PORT: "70000" }), /^PORT "70000" /],
    ["S3_ENDPOINT without a scheme", () => ({ S3_ENDPOINT: "localhost:9000" }), /^S3_ENDPOINT localhost:9000 is not a URL/],
    ["S3_ENDPOINT where nothing listens", () => ({ S3_ENDPOINT: "http://127.0.0.1:9" }), /^S3_ENDPOINT http:\/\/127\.0\.0\.1:9 is unreachable: connection refused$/],
    ["DYNAMODB_ENDPOINT where nothing listens", () => ({ DYNAMODB_ENDPOINT: "http://127.0.0.1:9" }), /^DYNAMODB_ENDPOINT http:\/\/127\.0\.0\.1:9 is unreachable: connection refused$/],
    ["DYNAMODB_ENDPOINT that is not a URL", () => ({ DYNAMODB_ENDPOINT: "dynamo" }), /^DYNAMODB_ENDPOINT dynamo is not a URL/],
    ["a CORS_ORIGINS entry with a path", () => ({ CORS_ORIGINS: "http://localhost:5173,https://app.example/x" }), /^CORS_ORIGINS: .*"https:\/\/app\.example\/x"/],
    ["a wildcard CORS_ORIGINS", () => ({ CORS_ORIGINS: "*" }), /^CORS_ORIGINS: /],
    ["a PROFILES_FILE that does not exist", () => ({ PROFILES_FILE: "/nonexistent/profiles.json" }), /^PROFILES_FILE \/nonexistent\/profiles\.json could not be read/],
    ["a PROFILES_FILE that is not JSON", () => ({ PROFILES_FILE: notJson() }), /^PROFILES_FILE .*profiles\.json: .*not valid JSON/],
    ["a PROFILES_FILE with bad profiles", () => ({ PROFILES_FILE: badProfiles() }), /^PROFILES_FILE .*profiles\.json: Invalid upload profiles: /],
    ["a HOST that is not an address", () => ({ HOST: "my laptop" }), /^HOST "my laptop" /],
    ["a HOST of another machine", () => ({ HOST: "203.0.113.7" }), /^HOST 203\.0\.113\.7 is not an address of this machine/],
    ["an ALLOWED_HOSTS entry with a port", () => ({ ALLOWED_HOSTS: "10.0.2.2:3000" }), /^ALLOWED_HOSTS: "10\.0\.2\.2:3000" /],
    ["only one of the S3 keys", () => ({ S3_ACCESS_KEY_ID: "x" }), /^S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY/],
  ])("%s", (_name, env, line) => {
    const run = runStart(env());
    expect(run.stderr.trimEnd().split("\n"), run.stderr).toHaveLength(1);
    expect(run.stderr.trimEnd()).toMatch(line);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.status).toBe(1);
    expect(run.ms).toBeLessThan(10_000);
  });

  it("a PORT already in use", async () => {
    const port = await freePort();
    const holder = createTcpServer().listen(port, "127.0.0.1");
    await new Promise((r) => holder.once("listening", r));
    try {
      const run = runStart({ PORT: String(port) });
      expect(run.stderr.trimEnd()).toMatch(new RegExp(`^PORT ${port} is already in use`));
      expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(run.status).toBe(1);
    } finally {
      holder.close();
    }
  });

  it("a LOCAL_DATA_DIR held by another npm start", async () => {
    const dir = tempDir();
    const first = await startLocalServer(loadLocalConfig({ PORT: "0", LOCAL_DATA_DIR: dir }));
    try {
      const run = runStart({ PORT: "0", LOCAL_DATA_DIR: dir });
      expect(run.stderr.trimEnd()).toBe(`LOCAL_DATA_DIR ${dir} is in use by another npm start (stop it, or set LOCAL_DATA_DIR to another folder).`);
      expect(run.status).toBe(1);
    } finally {
      await first.close();
    }
  });
});

/** Runs `npm start` (as package.json will have it) in its own process group; resolves at the ready line. */
async function npmStart(dataDir: string, extra: Record<string, string> = {}): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { scripts: Record<string, string> };
  let cwd = REPO;
  if (pkg.scripts.start !== START_SCRIPT) {
    // Until package.json says so, run npm on a copy of it whose start is the script under test.
    console.warn(`[npm start] package.json's start is ${JSON.stringify(pkg.scripts.start)}, not ${JSON.stringify(START_SCRIPT)}: testing the latter through npm on a shim`);
    cwd = tempDir("upload-broker-npm-");
    for (const entry of readdirSync(REPO)) if (entry !== "package.json" && !entry.startsWith(".")) symlinkSync(join(REPO, entry), join(cwd, entry));
    writeFileSync(join(cwd, "package.json"), JSON.stringify({ ...pkg, scripts: { ...pkg.scripts, start: START_SCRIPT } }));
  }
  mkdirSync(dataDir, { recursive: true });
  const env = startEnv({ PORT: "0", LOCAL_DATA_DIR: dataDir, ...extra });
  const child = spawn("npm", ["run", "start"], { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  const port = await new Promise<number>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`no ready line within 30 s:\n${out}`)), 30_000);
    child.stdout!.on("data", () => {
      const m = /upload-broker local API: http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) (clearTimeout(timer), done(Number(m[1])));
    });
    child.once("exit", (code) => (clearTimeout(timer), fail(new Error(`npm start exited ${code}:\n${out}`))));
  });
  return { child, port, output: () => out };
}

/** Processes left in a process group (ps lists none once every member is gone). */
const groupMembers = (pgid: number) =>
  spawnSync("ps", ["-o", "pid=,args=", "-g", String(pgid)], { encoding: "utf8" }).stdout.split("\n").map((l) => l.trim()).filter(Boolean);

describe("stopping npm start", () => {
  it.each(["SIGTERM", "SIGINT"] as const)("%s to the npm start process stops everything it started and frees the port within 5 s", async (signal) => {
    const { child, port, output } = await npmStart(join(tempDir(), "data"));
    const pgid = child.pid!;
    try {
      expect(await canConnect(port)).toBe(true);
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
      const members = groupMembers(pgid);
      expect(members.some((m) => m.includes("local/main.ts")), members.join("\n")).toBe(true);

      const sent = Date.now();
      child.kill(signal);
      let left = groupMembers(pgid);
      let open = await canConnect(port);
      while ((left.length > 0 || open) && Date.now() - sent < 5000) {
        await new Promise((r) => setTimeout(r, 100));
        left = groupMembers(pgid);
        open = await canConnect(port);
      }
      expect(open, "the port is still open").toBe(false);
      expect(left, `still running:\n${left.join("\n")}\n${output()}`).toEqual([]);
      expect(Date.now() - sent).toBeLessThan(5000);
    } finally {
      if (groupMembers(pgid).length) process.kill(-pgid, "SIGKILL");
    }
  });
});

/** A PATH with node, npm and sh and nothing else: a machine without Java. */
function pathWithoutJava(): string {
  const bin = tempDir("upload-broker-nojava-");
  for (const tool of ["node", "npm", "sh"]) {
    const found = spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
    symlinkSync(found, join(bin, tool));
  }
  return bin;
}

describe("npm start on a machine without Java", () => {
  const MiB = 1024 * 1024;
  let child: ChildProcess;
  let base: string;
  let out: () => string;
  let authorization: string;
  const json = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, { method, headers: { authorization, "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    const PATH = pathWithoutJava();
    expect(spawnSync("java", ["-version"], { env: { PATH } }).error).toMatchObject({ code: "ENOENT" });
    const profiles = join(tempDir(), "profiles.json");
    writeFileSync(profiles, JSON.stringify([
      { name: "limited", contentTypes: ["image/png"], maxBytes: 1000, quota: { uploadsPerDay: 5 } },
      { name: "video", contentTypes: ["video/mp4"], maxBytes: 64 * MiB, methods: ["multipart"] },
    ]));
    const started = await npmStart(join(tempDir(), "data"), { PATH, PROFILES_FILE: profiles });
    child = started.child;
    out = started.output;
    base = `http://127.0.0.1:${started.port}`;
    const token = await fetch(`${base}/dev/token`, { method: "POST", body: JSON.stringify({ sub: "nojava" }) });
    authorization = `Bearer ${((await token.json()) as { token: string }).token}`;
  });
  afterAll(() => {
    if (child?.pid && groupMembers(child.pid).length) process.kill(-child.pid, "SIGKILL");
  });

  it("says which embedded servers it runs, and asks for nothing it lacks", async () => {
    await new Promise((r) => setTimeout(r, 200)); // the rest of the start-up lines
    expect(out()).toMatch(/^ {2}S3 {8}http:\/\/127\.0\.0\.1:\d+ \(embedded s3rver behind a door that checks signatures and policies, data in .*\/s3\)/m);
    expect(out()).toMatch(/^ {2}DynamoDB {2}http:\/\/127\.0\.0\.1:\d+ \(embedded dynalite with transactions, data in .*\/dynamodb\)/m);
    expect(out()).not.toMatch(/\bjava\b|unsupported|501/i);
  });

  it("grants exactly 5 of 12 concurrent sign requests against uploadsPerDay: 5", async () => {
    const results = await Promise.all(Array.from({ length: 12 }, () => json("POST", "/sign/put", { profile: "limited", filename: "a.png", contentType: "image/png", size: 100 })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(5);
    expect(results.filter((r) => r.status === 429).map((r) => r.body.error.code)).toEqual(Array(7).fill("quota_exceeded"));
    expect((await json("GET", "/usage")).body.profiles).toContainEqual(expect.objectContaining({ profile: "limited", uploads: 5 }));
  });

  it("resumes a multipart upload: part 1, the list, part 2, complete; the bytes read back are the file's", async () => {
    const file = Uint8Array.from({ length: 6 * MiB }, (_, i) => (i * 7) % 251);
    file.set([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x6d, 0x70, 0x34, 0x32]); // an MP4's ftyp box
    const { body: t } = await json("POST", "/sign/multipart", { profile: "video", filename: "clip.mp4", contentType: "video/mp4", size: file.length, partSize: 5 * MiB });
    const put = async (n: number) => {
      const { body } = await json("POST", `/uploads/${t.uploadId}/parts`, { partNumbers: [n] });
      const res = await fetch(body.parts[0].url, { method: "PUT", body: file.slice((n - 1) * 5 * MiB, n * 5 * MiB) });
      expect(res.status).toBe(200);
      return { partNumber: n, etag: res.headers.get("etag")!.replace(/"/g, "") };
    };
    const first = await put(1);
    expect((await json("GET", `/uploads/${t.uploadId}/parts`)).body).toEqual({ parts: [{ ...first, size: 5 * MiB }] });
    const second = await put(2);
    expect((await json("POST", `/uploads/${t.uploadId}/complete`, { parts: [first, second] })).body).toMatchObject({ status: "completed", size: file.length });
    const { body: download } = await json("GET", `/uploads/${t.uploadId}/download`);
    const stored = new Uint8Array(await (await fetch(download.url)).arrayBuffer());
    expect(Buffer.from(stored).equals(Buffer.from(file))).toBe(true);
  });

  it("lists and aborts an Uppy multipart upload (the embedded S3 has ListParts and abort)", async () => {
    const { body: created } = await json("POST", "/uppy/video/s3/multipart", { filename: "u.mp4", type: "video/mp4" });
    const key = encodeURIComponent(created.key);
    const { body: signed } = await json("GET", `/uppy/video/s3/multipart/${created.uploadId}/1?key=${key}`);
    expect((await fetch(signed.url, { method: "PUT", body: new Uint8Array(5 * MiB) })).status).toBe(200);
    expect((await json("GET", `/uppy/video/s3/multipart/${created.uploadId}?key=${key}`)).body).toEqual([{ PartNumber: 1, Size: 5 * MiB, ETag: expect.any(String) }]);
    expect((await json("DELETE", `/uppy/video/s3/multipart/${created.uploadId}?key=${key}`)).status).toBe(200);
    expect((await fetch(signed.url, { method: "PUT", body: new Uint8Array(5 * MiB) })).status).toBe(404);
  });
});

describe("ALLOWED_HOSTS and HOST", () => {
  let server: LocalServer;
  let port: number;
  beforeAll(async () => {
    server = await start({ ALLOWED_HOSTS: "10.0.2.2, Phone.local" });
    port = Number(new URL(server.url).port);
  });
  afterAll(() => server?.close());

  it("keeps the printed URL and issuer on 127.0.0.1", () => {
    expect(server.url).toBe(`http://127.0.0.1:${port}`);
  });

  it("answers Host 10.0.2.2:PORT end to end: token, ticket, status, from a page on that host", async () => {
    const host = `10.0.2.2:${port}`;
    const origin = `http://10.0.2.2:${port}`;
    const token = await call(port, "POST", "/dev/token", { host, origin }, JSON.stringify({ sub: "phone" }));
    expect(token.status).toBe(200);
    expect(token.headers["access-control-allow-origin"]).toBe(origin);
    const auth = { host, origin, authorization: `Bearer ${token.body.token}` };
    const ticket = await call(port, "POST", "/sign/put", auth, JSON.stringify({ profile: "avatar", filename: "a.png", contentType: "image/png", size: 10 }));
    expect(ticket.status).toBe(201);
    const view = await call(port, "GET", `/uploads/${ticket.body.uploadId}`, auth);
    expect(view).toMatchObject({ status: 200, body: { uploadId: ticket.body.uploadId, status: "pending" } });
    // The same token works under the usual name: one issuer.
    expect((await call(port, "GET", "/uploads", { host: `127.0.0.1:${port}`, authorization: auth.authorization })).status).toBe(200);
    expect((await call(port, "GET", "/health", { host: `phone.local:${port}` })).status).toBe(200);
  });

  it.each(["attacker.example:PORT", "10.0.2.3:PORT", "10.0.2.2:1", "10.0.2.2"])("refuses Host %s with 403", async (raw) => {
    const host = raw.replace("PORT", String(port));
    const res = await call(port, "GET", "/health", { host });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("forbidden");
  });

  it("refuses 10.0.2.2 without ALLOWED_HOSTS", async () => {
    const plain = await start({});
    try {
      const p = Number(new URL(plain.url).port);
      expect((await call(p, "GET", "/health", { host: `10.0.2.2:${p}` })).status).toBe(403);
    } finally {
      await plain.close();
    }
  });

  const external = Object.values(networkInterfaces()).flat().find((i) => i && i.family === "IPv4" && !i.internal)?.address;
  if (!external) console.warn("[HOST] this machine has no non-loopback IPv4 address: the /dev/s3-events loopback-only case is SKIPPED");
  it.skipIf(!external)(`with HOST=0.0.0.0, /dev/s3-events refuses a client from ${external ?? "a non-loopback address"} and answers loopback`, async () => {
    const open = await start({ HOST: "0.0.0.0", ALLOWED_HOSTS: external! });
    try {
      const p = Number(new URL(open.url).port);
      expect(open.url).toBe(`http://127.0.0.1:${p}`);
      const event = JSON.stringify({ Records: [] });
      const remote = await call(p, "POST", "/dev/s3-events", { host: `${external}:${p}` }, event, external);
      expect(remote.status).toBe(403);
      expect(remote.body.error.code).toBe("forbidden");
      // Even when it claims a loopback Host.
      expect((await call(p, "POST", "/dev/s3-events", { host: `127.0.0.1:${p}` }, event, external)).status).toBe(403);
      // The rest of the API answers that client; the loopback one gets /dev/s3-events.
      expect((await call(p, "GET", "/health", { host: `${external}:${p}` }, undefined, external)).status).toBe(200);
      expect((await call(p, "POST", "/dev/token", { host: `${external}:${p}` }, JSON.stringify({ sub: "phone" }), external)).status).toBe(200);
      expect((await call(p, "POST", "/dev/s3-events", { host: `127.0.0.1:${p}` }, event)).status).toBe(200);
    } finally {
      await open.close();
    }
  });
});

describe("CORS_ORIGINS over HTTP", () => {
  let server: LocalServer;
  const origin = "http://localhost:5173";
  beforeAll(async () => {
    server = await start({ CORS_ORIGINS: `${origin},https://app.example` });
  });
  afterAll(() => server?.close());

  it("lets a page of that origin read the embedded bucket's answers: preflight, S3's refusals, one of two racing writes", async () => {
    const token = ((await (await fetch(`${server.url}/dev/token`, { method: "POST", body: JSON.stringify({ sub: "dev" }) })).json()) as { token: string }).token;
    const sign = await fetch(`${server.url}/sign/put`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ profile: "avatar", filename: "a.png", contentType: "image/png", size: 10 }) });
    const t = (await sign.json()) as { url: string; headers: Record<string, string> };
    const { "content-length": _, ...headers } = t.headers;
    const preflight = await fetch(t.url, { method: "OPTIONS", headers: { origin, "access-control-request-method": "PUT", "access-control-request-headers": Object.keys(headers).join(",") } });
    expect(preflight.status).toBe(200);
    expect([origin, "*"]).toContain(preflight.headers.get("access-control-allow-origin")); // s3rver answers a matched preflight with *
    const foreign = await fetch(t.url, { method: "OPTIONS", headers: { origin: "https://evil.example", "access-control-request-method": "PUT" } });
    expect(foreign.status).toBe(403);
    const wrongType = await fetch(t.url, { method: "PUT", headers: { ...headers, "content-type": "image/gif", origin }, body: new Uint8Array(10) });
    expect(wrongType.status).toBe(403);
    expect(wrongType.headers.get("access-control-allow-origin")).toBe(origin);
    expect(await wrongType.text()).toMatch(/<Code>SignatureDoesNotMatch<\/Code>/);
    // If-None-Match: * lets one write through; the other is 409 (at once) or 412 (after it).
    const racing = await Promise.all([1, 2].map(() => fetch(t.url, { method: "PUT", headers: { ...headers, origin }, body: new Uint8Array(10) })));
    expect(racing.map((r) => r.status).sort()).toEqual([200, expect.toSatisfy((s: number) => s === 409 || s === 412)]);
    expect(racing.every((r) => r.headers.get("access-control-allow-origin") === origin)).toBe(true);
  });

  it("answers the preflight with the methods, headers and max-age", async () => {
    const res = await fetch(`${server.url}/uploads/x`, { method: "OPTIONS", headers: { origin, "access-control-request-method": "DELETE", "access-control-request-headers": "authorization, content-type" } });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe(origin);
    expect(res.headers.get("vary")).toMatch(/Origin/);
    expect(res.headers.get("access-control-allow-methods")).toBe("GET, POST, DELETE, OPTIONS");
    expect(res.headers.get("access-control-allow-headers")).toBe("authorization, content-type");
    expect(Number(res.headers.get("access-control-max-age"))).toBeGreaterThan(0);
  });

  it.each<[string, string, string, string | undefined, number]>([
    ["a success", "GET", "/health", undefined, 200],
    ["401", "POST", "/sign/put", "{}", 401],
    ["404", "GET", "/nope", undefined, 404],
    ["413 (body over the limit)", "POST", "/dev/token", "x".repeat(2 * 1024 * 1024), 413],
  ])("puts Access-Control-Allow-Origin on %s", async (_name, method, path, body, status) => {
    const res = await fetch(`${server.url}${path}`, { method, headers: { origin: "https://app.example" }, ...(body ? { body } : {}) });
    expect(res.status).toBe(status);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(res.headers.get("vary")).toMatch(/Origin/);
  });

  it("still refuses an origin not listed", async () => {
    const res = await fetch(`${server.url}/health`, { headers: { origin: "http://localhost:5174" } });
    expect(res.status).toBe(403);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe.skipIf(!chromiumAvailable)("a page on another origin in headless Chromium", () => {
  let page: Server;
  let pageOrigin: string;
  let browser: Browser;
  let tab: Page;
  let allowed: LocalServer;
  let refused: LocalServer;

  beforeAll(async () => {
    page = createHttpServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>dev server</title><p>dev server page</p>"));
    await new Promise<void>((r) => page.listen(0, "127.0.0.1", r));
    pageOrigin = `http://localhost:${(page.address() as AddressInfo).port}`;
    [allowed, refused] = await Promise.all([start({ CORS_ORIGINS: pageOrigin }), start({})]);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    tab = await browser.newPage();
    await tab.goto(`${pageOrigin}/`);
  });

  afterAll(async () => {
    await browser?.close();
    await allowed?.close();
    await refused?.close();
    page?.close();
  });

  /** In the page: token, PUT ticket, a real PUT to the bucket, status until completed. */
  const flow = (api: string) =>
    tab.evaluate(async ({ api, png }) => {
      const json = async (res: Response) => ({ status: res.status, body: (await res.json()) as any });
      try {
        const token = await json(await fetch(`${api}/dev/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ sub: "dev" }) }));
        const authorization = `Bearer ${token.body.token}`;
        const noToken = (await fetch(`${api}/sign/put`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).status;
        const bytes = new Uint8Array(png);
        const ticket = await json(await fetch(`${api}/sign/put`, { method: "POST", headers: { "content-type": "application/json", authorization }, body: JSON.stringify({ profile: "avatar", filename: "dev.png", contentType: "image/png", size: bytes.length }) }));
        const { "content-length": _, ...headers } = ticket.body.headers as Record<string, string>;
        const put = await fetch(ticket.body.url, { method: "PUT", headers, body: bytes });
        const etag = put.headers.get("etag");
        let status = "";
        for (let i = 0; i < 100 && status !== "completed"; i++) {
          status = (await json(await fetch(`${api}/uploads/${ticket.body.uploadId}`, { headers: { authorization } }))).body.status;
          if (status !== "completed") await new Promise((r) => setTimeout(r, 50));
        }
        return { ok: true, token: token.status, noToken, ticket: ticket.status, put: put.status, etag, status };
      } catch (error) {
        return { ok: false, error: String(error) };
      }
    }, { api, png: Array.from(samplePng(24, 24)) });

  it("calls the API and uploads to the embedded bucket with CORS_ORIGINS set to its origin", async () => {
    const result = await flow(allowed.url);
    expect(result).toMatchObject({ ok: true, token: 200, noToken: 401, ticket: 201, put: 200, status: "completed" });
    expect(result.etag).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it("is refused by the API and by the bucket without it", async () => {
    expect(await flow(refused.url)).toMatchObject({ ok: false, error: expect.stringMatching(/Failed to fetch/) });
    // A ticket got outside the browser: the bucket's CORS rule still refuses the page.
    const token = ((await (await fetch(`${refused.url}/dev/token`, { method: "POST", body: JSON.stringify({ sub: "dev" }) })).json()) as { token: string }).token;
    const ticket = (await (await fetch(`${refused.url}/sign/put`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ profile: "avatar", filename: "a.png", contentType: "image/png", size: 10 }) })).json()) as { url: string; headers: Record<string, string> };
    const { "content-length": _, ...headers } = ticket.headers;
    const put = await tab.evaluate(
      async ({ url, headers }) => fetch(url, { method: "PUT", headers, body: new Uint8Array(10) }).then((r) => `status ${r.status}`, (e: unknown) => String(e)),
      { url: ticket.url, headers },
    );
    expect(put).toMatch(/Failed to fetch/);
  });
});
