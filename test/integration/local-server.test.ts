/**
 * `npm start` over HTTP: the README's curl flow against the local server, once on the
 * embedded servers and once against Ceph RGW with a bucket notification to /dev/s3-events. Both
 * answer alike: the embedded bucket's door checks policies and lists parts as S3 does.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { s3Client } from "../../functions/adapters/clients.js";
import { routes } from "../../functions/routes.js";
import { loadLocalConfig } from "../../local/config.js";
import { startLocalServer, type LocalServer } from "../../local/server.js";
import { strictS3 } from "../support/integration.js";
import { notifyOnCreate } from "../support/rgw-notifications.js";
import { pdf, png as samplePng, withHead } from "../support/samples.js";
import { documentedFetch } from "../support/openapi.js";

const png = withHead(samplePng(8, 8), Uint8Array.from({ length: 3000 }, (_, i) => (i * 13) % 256));

/** The client side of the flow, as the README's curl examples do it. */
function client(base: string) {
  let token = "";
  const call = async (method: string, path: string, body?: unknown, auth = true) => {
    const res = await documentedFetch(`${base}${path}`, {
      method,
      headers: { "content-type": "application/json", ...(auth && token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  return {
    call,
    async signIn(sub: string, groups: string[] = []) {
      token = (await call("POST", "/dev/token", { sub, groups }, false)).body.token;
      return token;
    },
    async statusOf(uploadId: string, until = (s: string) => s !== "pending") {
      for (let i = 0; i < 100; i++) {
        const view = (await call("GET", `/uploads/${uploadId}`)).body;
        if (until(view.status)) return view;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`upload ${uploadId} stayed pending`);
    },
  };
}

/** The curl flow against a local server. */
function flow(name: string, start: () => Promise<{ server: LocalServer; cleanup?: () => Promise<void> }>) {
  describe(name, () => {
    let server: LocalServer;
    let cleanup: (() => Promise<void>) | undefined;
    let api: ReturnType<typeof client>;
    beforeAll(async () => {
      ({ server, cleanup } = await start());
      api = client(server.url);
      await api.signIn("alice");
    });
    afterAll(async () => {
      await server?.close();
      await cleanup?.();
    });

    it("answers health and profiles without a token", async () => {
      expect(await api.call("GET", "/health", undefined, false)).toEqual({ status: 200, body: { status: "ok" } });
      const { body } = await api.call("GET", "/profiles", undefined, false);
      expect(body.profiles.map((p: { name: string }) => p.name)).toEqual(["avatar", "document", "photo"]);
    });

    it("walks the PUT flow: ticket, upload with the returned headers, completed", async () => {
      const { status, body: t } = await api.call("POST", "/sign/put", { profile: "avatar", filename: "me.png", contentType: "image/png", size: png.length });
      expect(status).toBe(201);
      const { "content-length": _, ...headers } = t.headers;
      expect((await fetch(t.url, { method: "PUT", headers, body: png })).status).toBe(200);
      expect(await api.statusOf(t.uploadId)).toMatchObject({ status: "completed", size: png.length, key: t.key });
    });

    it("walks the POST flow: ticket, form upload, completed", async () => {
      const { status, body: t } = await api.call("POST", "/sign/post", { profile: "photo", filename: "cat.png", contentType: "image/png" });
      expect(status).toBe(201);
      const form = new FormData();
      for (const [k, v] of Object.entries(t.fields as Record<string, string>)) form.append(k, v);
      form.append("file", new Blob([png], { type: "image/png" }), "cat.png");
      const res = await fetch(t.url, { method: "POST", body: form });
      expect(res.status).toBe(201);
      expect(await api.statusOf(t.uploadId)).toMatchObject({ status: "completed", size: png.length });
    });

    it("refuses a form whose file breaks the policy (S3's EntityTooSmall), and the ticket stays pending", async () => {
      const { body: t } = await api.call("POST", "/sign/post", { profile: "avatar", filename: "me.png", contentType: "image/png" });
      const form = new FormData();
      for (const [k, v] of Object.entries(t.fields as Record<string, string>)) form.append(k, v);
      form.append("file", new Blob([new Uint8Array(0)]), "empty.png");
      const res = await fetch(t.url, { method: "POST", body: form });
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(/<Code>EntityTooSmall<\/Code>/);
      expect((await api.call("GET", `/uploads/${t.uploadId}`)).body).toMatchObject({ status: "pending" });
    });

    it("walks the multipart flow: ticket, part URLs, parts, the list of parts, complete", async () => {
      const MiB = 1024 * 1024;
      const file = withHead(pdf(), Uint8Array.from({ length: 6 * MiB }, (_, i) => (i * 7) % 256));
      const { status, body: t } = await api.call("POST", "/sign/multipart", { profile: "document", filename: "big report.pdf", contentType: "application/pdf", size: file.length, partSize: 5 * MiB });
      expect(status).toBe(201);
      expect(t).toMatchObject({ method: "MULTIPART", partSize: 5 * MiB, partCount: 2 });
      const { body: urls } = await api.call("POST", `/uploads/${t.uploadId}/parts`, { partNumbers: [1, 2] });
      const parts = await Promise.all(
        (urls.parts as Array<{ partNumber: number; url: string }>).map(async (p) => {
          const res = await fetch(p.url, { method: "PUT", body: file.slice((p.partNumber - 1) * 5 * MiB, p.partNumber * 5 * MiB) });
          expect(res.status).toBe(200);
          return { partNumber: p.partNumber, etag: res.headers.get("etag")!.replace(/"/g, "") };
        }),
      );
      const listed = await api.call("GET", `/uploads/${t.uploadId}/parts`);
      expect(listed.body.parts).toEqual(parts.sort((a, b) => a.partNumber - b.partNumber).map((p) => ({ ...p, size: p.partNumber === 1 ? 5 * MiB : file.length - 5 * MiB })));
      const done = await api.call("POST", `/uploads/${t.uploadId}/complete`, { parts });
      expect(done).toMatchObject({ status: 200, body: { status: "completed", size: file.length } });
      // The storage's own event for it changes nothing.
      await new Promise((r) => setTimeout(r, 300));
      expect(await api.statusOf(t.uploadId)).toMatchObject({ status: "completed", size: file.length });
    });

    it("lists the caller's uploads and hides them from others", async () => {
      const mine = (await api.call("GET", "/uploads?limit=100")).body;
      expect(mine.items.length).toBeGreaterThanOrEqual(2);
      const other = client(server.url);
      await other.signIn("mallory");
      expect((await other.call("GET", `/uploads/${mine.items[0].uploadId}`)).status).toBe(404);
      expect((await other.call("GET", "/uploads")).body.items).toEqual([]);
    });

    it.each([
      ["no token", "POST", "/sign/put", undefined, 401, "unauthorized"],
      ["an unknown route", "GET", "/nope", undefined, 404, "not_found"],
      ["a file over the profile's limit", "POST", "/sign/put", { profile: "avatar", filename: "a.png", contentType: "image/png", size: 6e6 }, 413, "file_too_large"],
      ["a bad body", "POST", "/sign/post", "{", 400, "invalid_json"],
    ])("answers %s with a contract error", async (name, method, path, body, status, code) => {
      const caller = name === "no token" ? client(server.url) : api;
      const res = await caller.call(method, path, body);
      expect(res.status).toBe(status);
      expect(res.body.error.code).toBe(code);
    });

    it("refuses tampered, foreign-key and expired tokens", async () => {
      const get = (token: string) => fetch(`${server.url}/uploads`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
      const [h, p] = (await api.signIn("alice")).split(".");
      expect(await get(`${h}.${p}.AAAA`)).toBe(401);
      // Same claims, issuer and audience, signed by a key the server does not know.
      const claims = JSON.parse(Buffer.from(p!, "base64url").toString()) as Record<string, unknown>;
      const { privateKey } = await generateKeyPair("ES256");
      expect(await get(await new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid: "local" }).sign(privateKey))).toBe(401);

      const { token } = (await (await fetch(`${server.url}/dev/token`, { method: "POST", body: JSON.stringify({ sub: "alice", expiresInSeconds: 1 }) })).json()) as { token: string };
      expect(await get(token)).toBe(200);
      await new Promise((r) => setTimeout(r, 2100));
      expect(await get(token)).toBe(401);
    });

    it("answers CORS preflights for the demo page's origin only", async () => {
      const preflight = (origin: string) => fetch(`${server.url}/sign/put`, { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST" } });
      expect((await preflight(server.url)).headers.get("access-control-allow-origin")).toBe(server.url);
      expect((await preflight("https://evil.example")).headers.get("access-control-allow-origin")).toBeNull();
    });

    it("refuses other sites and DNS-rebound host names (the dev routes need no token)", async () => {
      const event = JSON.stringify({ Records: [{ eventName: "ObjectCreated:Put", eventSource: "aws:s3", s3: { bucket: { name: server.bucket }, object: { key: "uploads/x/01KAGX5Z2N3Q4R5S6T7V8W9XYZ/y" } } }] });
      const crossSite = await fetch(`${server.url}/dev/s3-events`, { method: "POST", headers: { origin: "https://evil.example", "content-type": "text/plain" }, body: event });
      expect(crossSite.status).toBe(403);
      expect(((await crossSite.json()) as { error: { code: string } }).error.code).toBe("forbidden");
      const rebound = await new Promise<number>((resolve, reject) => {
        const port = new URL(server.url).port;
        request({ host: "127.0.0.1", port, path: "/health", headers: { host: `attacker.example:${port}` } }, (res) => resolve(res.statusCode ?? 0)).on("error", reject).end();
      });
      expect(rebound).toBe(403);
    });

    it("serves every route of the table (none falls through to 'No route')", async () => {
      for (const route of routes) {
        const path = route.path.replace("{uploadId}", "01KAGX5Z2N3Q4R5S6T7V8W9XYZ").replace(/\{\w+\}/g, "x");
        const res = await fetch(`${server.url}${path}`, {
          method: route.method,
          headers: { "content-type": "application/json", authorization: `Bearer ${await api.signIn("alice")}` },
          ...(route.method === "GET" ? {} : { body: "{}" }),
        });
        const body = (await res.json()) as { error?: { message?: string } };
        expect(body.error?.message ?? "", `${route.method} ${route.path}`).not.toMatch(/^No route for/);
      }
    });

    it("answers a malformed path escape with 404", async () => {
      expect((await api.call("GET", "/uploads/%E0%A4%A")).status).toBe(404);
    });

    it("serves the demo page and its script", async () => {
      expect(await (await fetch(`${server.url}/`)).text()).toContain("upload-broker");
      const script = await fetch(`${server.url}/demo.js`);
      expect(script.headers.get("content-type")).toMatch(/javascript/);
      expect(await script.text()).toContain("/sign/put");
    });
  });
}

const dataDir = () => mkdtempSync(join(tmpdir(), "upload-broker-local-"));

flow("local mode on the embedded servers", async () => {
  const dir = dataDir();
  const server = await startLocalServer(loadLocalConfig({ PORT: "0", LOCAL_DATA_DIR: dir }));
  return { server, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

describe.skipIf(!strictS3)("against Ceph RGW", () => {
  flow("local mode against Ceph RGW, notifications pushed to /dev/s3-events", async () => {
    const dir = dataDir();
    const bucket = `local-${Date.now().toString(36)}`;
    const server = await startLocalServer(
      loadLocalConfig({
        PORT: "0", LOCAL_DATA_DIR: dir, S3_ENDPOINT: strictS3!.endpoint, S3_BUCKET: bucket, S3_REGION: strictS3!.region,
        S3_ACCESS_KEY_ID: strictS3!.accessKeyId, S3_SECRET_ACCESS_KEY: strictS3!.secretAccessKey,
      }),
    );
    const s3 = s3Client({ region: strictS3!.region, endpoint: strictS3!.endpoint, credentials: strictS3! });
    await notifyOnCreate(strictS3!, s3, bucket, `${server.url}/dev/s3-events`);
    return { server, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  });
});
