/**
 * The local server under hostile input: bodies that are not events, request targets that are
 * not paths, bytes that are not UTF-8, group names built to look like others, and a seeded fuzz
 * run over every route. Every answer is a contract answer, never a 5xx.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadLocalConfig } from "../../local/config.js";
import { startLocalServer, type LocalServer } from "../../local/server.js";

/** One request with a raw target, which `fetch` would normalise or refuse to send. */
function raw(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: Buffer) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path, headers: { ...headers, ...(body ? { "content-length": String(body.length) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** One raw HTTP/1.1 exchange on a socket, for request lines Node's client will not write. */
function rawLine(port: number, head: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(head));
    const chunks: Buffer[] = [];
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", reject);
    socket.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), body: text.slice(text.indexOf("\r\n\r\n") + 4) });
    });
  });
}

/** An answer in the contract's error shape. */
function expectError(body: string, code?: string) {
  const json = JSON.parse(body) as { error: { code: string; message: string; details?: unknown[] } };
  expect(Object.keys(json)).toEqual(["error"]);
  expect(json.error.code).toMatch(/^[a-z_]+$/);
  expect(typeof json.error.message).toBe("string");
  if (code) expect(json.error.code).toBe(code);
  return json.error;
}

describe("the local server under hostile input", () => {
  let server: LocalServer;
  let dir: string;
  let port: number;
  const token = async (sub: string, groups: string[] = []) =>
    ((await (await fetch(`${server.url}/dev/token`, { method: "POST", body: JSON.stringify({ sub, groups }) })).json()) as { token: string }).token;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "upload-broker-hostile-"));
    const profiles = join(dir, "profiles.json");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(profiles, JSON.stringify([
      { name: "avatar", contentTypes: ["image/png"], maxBytes: 5000000, metadataKeys: ["caption"] },
      { name: "internal", contentTypes: ["image/png"], maxBytes: 5000000, allowedGroups: ["staff"] },
    ]));
    server = await startLocalServer(loadLocalConfig({ PORT: "0", LOCAL_DATA_DIR: dir, PROFILES_FILE: profiles }));
    port = Number(new URL(server.url).port);
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([["[]"], ["null"], ['{"Records":"x"}'], ["{}"], ['{"Records":[{"eventName":"ObjectCreated:Put"}]}'], ['{"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"uploads"},"object":{"key":"uploads/%ZZ"}}}]}'], ['"x"'], ["{"]])(
    "answers POST /dev/s3-events %s with a 4xx in the contract's shape",
    async (body) => {
      const res = await fetch(`${server.url}/dev/s3-events`, { method: "POST", headers: { "content-type": "application/json" }, body });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expectError(await res.text());
    },
  );

  it.each([
    ["//[/health", 404, "not_found"],
    ["http://user@/health", 404, "not_found"],
    ["*", 404, "not_found"],
    ["/%ZZ", 404, "not_found"],
    ["/uploads/%E0%A4%A", 404, "not_found"],
    ["health", 400, "bad_request"], // Node's own parser refuses it
  ])("answers the malformed request target %s with %i in the contract's shape", async (target, status, code) => {
    const res = await raw(port, "GET", target);
    expect(res.status).toBe(status);
    expectError(res.body, code);
  });

  it("answers a request Node's HTTP parser cannot read with 400 in the contract's shape", async () => {
    const res = await rawLine(port, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header\r\n\r\n");
    expect(res.status).toBe(400);
    expectError(res.body, "bad_request");
  });

  it("refuses a Latin-1 body sent as application/json with 400, instead of storing U+FFFD", async () => {
    const body = Buffer.from(JSON.stringify({ profile: "avatar", filename: "café.png", contentType: "image/png", size: 10 }), "latin1");
    const res = await raw(port, "POST", "/sign/put", { authorization: `Bearer ${await token("alice")}`, "content-type": "application/json" }, body);
    expect(res.status).toBe(400);
    expectError(res.body, "invalid_json");
  });

  it("reads groups from the token itself: 'Former staff' and 'x,staff' are not staff", async () => {
    const sign = async (groups: string[]) =>
      (await fetch(`${server.url}/sign/put`, {
        method: "POST",
        headers: { authorization: `Bearer ${await token("eve", groups)}`, "content-type": "application/json" },
        body: JSON.stringify({ profile: "internal", filename: "a.png", contentType: "image/png", size: 10 }),
      })).status;
    expect(await sign(["Former staff"])).toBe(403);
    expect(await sign(["x,staff"])).toBe(403);
    expect(await sign(["staff"])).toBe(201);
  });

  it("answers thousands of random requests over every route with no 5xx, every error in the contract's shape", async () => {
    const valid = await token("fuzz", ["staff"]);
    const paths = ["/health", "/profiles", "/sign/put", "/sign/post", "/uploads", "/uploads/01KAGX5Z2N3Q4R5S6T7V8W9XYZ", "/dev/token", "/dev/s3-events", "/.well-known/jwks.json", "/", "/demo.js", "/nope"];
    const segment = fc.string({ unit: fc.constantFrom(..."abc/%.~-_ZZ09[]@:+*".split("")), maxLength: 12 });
    const target = fc.oneof(fc.constantFrom(...paths), fc.tuple(fc.constantFrom(...paths), segment).map(([p, s]) => `${p}${s}`), segment.map((s) => `/${s}`));
    const query = fc.oneof(fc.constant(""), fc.constantFrom("?limit=0", "?limit=abc", "?cursor=%00", "?status=x", "?limit=5&limit=6", "?cursor=eyJ4IjoxfQ"));
    const auth = fc.constantFrom(undefined, `Bearer ${valid}`, "Bearer x.y.z", "Basic abc", valid, `Bearer ${valid}x`);
    const contentType = fc.constantFrom(undefined, "application/json", "text/plain", "application/octet-stream", "multipart/form-data; boundary=x");
    const json = fc.oneof(
      fc.jsonValue(),
      fc.record({ profile: fc.constantFrom("avatar", "internal", "x"), filename: fc.string(), contentType: fc.constantFrom("image/png", "IMAGE/PNG", "text/html"), size: fc.oneof(fc.integer(), fc.double()), metadata: fc.jsonValue(), sub: fc.jsonValue(), groups: fc.jsonValue(), Records: fc.jsonValue() }, { requiredKeys: [] }),
    );
    const body = fc.oneof(fc.constant(undefined), json.map((v) => Buffer.from(JSON.stringify(v) ?? "")), fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)));
    const send = (method: string, path: string, headers: Record<string, string>, payload?: Buffer) =>
      new Promise<{ status: number; type: string; text: string } | undefined>((resolve) => {
        let req;
        try {
          req = request({ host: "127.0.0.1", port, method, path, headers: { ...headers, ...(payload ? { "content-length": String(payload.length) } : {}) } }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"] ?? ""), text: Buffer.concat(chunks).toString("utf8") }));
          });
        } catch {
          return resolve(undefined); // a target Node itself refuses to send
        }
        req.on("error", () => resolve(undefined));
        req.end(payload);
      });
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"), target, query, auth, contentType, body, async (method, path, q, authorization, type, payload) => {
        const res = await send(method, `${path}${q}`, { ...(authorization ? { authorization } : {}), ...(type ? { "content-type": type } : {}) }, payload);
        if (!res) return;
        sent++;
        expect(res.status, `${method} ${path}${q}`).toBeLessThan(500);
        if (res.status >= 400 && method !== "HEAD") {
          expect(res.type).toMatch(/^application\/json/);
          expectError(res.text);
        }
      }),
      { numRuns: 2500, seed: 20261201 },
    );
    expect(sent).toBeGreaterThan(2000);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  }, 120_000);
});
