/**
 * The admin routes in local mode, called as an app's backend calls them: `createAdminClient`
 * of `upload-broker-client/server`, signing with the local admin key pair. A user's token, an
 * unsigned request, another key or a tampered signature never gets in; the user routes still
 * never show one user's upload to another.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "node:http";
import { AwsClient } from "aws4fetch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdminClient, type AdminClient } from "../../client/src/server.js";
import { LOCAL_ADMIN_CREDENTIALS } from "../../local/admin-auth.js";
import { loadLocalConfig } from "../../local/config.js";
import { startLocalServer, type LocalServer } from "../../local/server.js";
import { expectDocumented, routeOf } from "../support/openapi.js";
import { png as samplePng } from "../support/samples.js";

describe("the admin routes (local mode)", () => {
  let dir: string;
  let server: LocalServer;
  let admin: AdminClient;
  const tokens: Record<string, string> = {};
  const call = async (method: string, path: string, token?: string, body?: unknown) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { "content-type": "application/json" } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  /** A completed PUT upload of `sub`'s. */
  const upload = async (sub: string) => {
    const png = Buffer.from(samplePng());
    const ticket = await call("POST", "/sign/put", tokens[sub], { profile: "avatar", filename: "me.png", contentType: "image/png", size: png.length });
    expect(ticket.status).toBe(201);
    const put = await fetch(ticket.body.url, { method: "PUT", headers: ticket.body.headers, body: png });
    expect(put.status).toBe(200);
    for (let i = 0; i < 100 && (await call("GET", `/uploads/${ticket.body.uploadId}`, tokens[sub])).body.status === "pending"; i++) await new Promise((r) => setTimeout(r, 50));
    return ticket.body.uploadId as string;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "upload-broker-admin-"));
    server = await startLocalServer(loadLocalConfig({ PORT: "0", LOCAL_DATA_DIR: dir }));
    for (const sub of ["alice", "bob"]) tokens[sub] = (await call("POST", "/dev/token", undefined, { sub })).body.token;
    // Every answer is held to the OpenAPI document.
    const fetchDocumented: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      const response = await fetch(request);
      const url = new URL(request.url);
      const text = await response.clone().text();
      expectDocumented(routeOf(request.method, url.pathname)!, response.status, JSON.parse(text));
      return response;
    };
    admin = createAdminClient({ url: server.url, region: "us-east-1", credentials: async () => LOCAL_ADMIN_CREDENTIALS, fetch: fetchDocumented });
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("lists, shows, links and deletes any user's upload, and counts their usage", async () => {
    const id = await upload("alice");
    const listed = await admin.listUploads("alice", { limit: 10 });
    expect(listed.items.map((t) => t.uploadId)).toContain(id);
    expect((await admin.listUploads("bob")).items).toEqual([]);
    expect(await admin.getUpload(id)).toMatchObject({ uploadId: id, owner: "alice", status: "completed" });

    const { url } = await admin.downloadUrl(id);
    const downloaded = await fetch(url);
    expect(downloaded.status).toBe(200);
    expect(Buffer.from(await downloaded.arrayBuffer())).toEqual(Buffer.from(samplePng()));

    expect((await admin.usage("alice")).day).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(await admin.deleteUpload(id)).toMatchObject({ uploadId: id, owner: "alice", status: "deleted" });
    expect((await call("GET", `/uploads/${id}`, tokens.alice)).body.status).toBe("deleted");
    expect((await fetch(url)).status).toBe(404);
  });

  it("answers the contract's 404 and 422 as the user routes do", async () => {
    await expect(admin.getUpload("01KAGX5Z2N3Q4R5S6T7V8W9XYZ")).rejects.toMatchObject({ status: 404, code: "not_found" });
    await expect(admin.listUploads("")).rejects.toMatchObject({ status: 422, code: "validation_failed" });
  });

  it("refuses a user's token, no signature, another key, a tampered request and a stale one", async () => {
    const id = await upload("bob");
    for (const token of [tokens.alice, tokens.bob, undefined]) {
      const refused = await call("GET", `/admin/uploads/${id}`, token);
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe("forbidden");
    }
    const other = createAdminClient({ url: server.url, region: "us-east-1", credentials: { accessKeyId: LOCAL_ADMIN_CREDENTIALS.accessKeyId, secretAccessKey: "guessed" } });
    await expect(other.getUpload(id)).rejects.toMatchObject({ status: 403 });
    const wrongRegion = createAdminClient({ url: server.url, region: "eu-west-1", credentials: LOCAL_ADMIN_CREDENTIALS });
    await expect(wrongRegion.getUpload(id)).rejects.toMatchObject({ status: 403 });

    const aws = new AwsClient({ ...LOCAL_ADMIN_CREDENTIALS, service: "execute-api", region: "us-east-1" });
    // Signed for one upload, sent for another (the path is signed).
    const signed = await aws.sign(`${server.url}/admin/uploads/${id}`, { method: "GET" });
    const moved = await fetch(`${server.url}/admin/uploads/01KAGX5Z2N3Q4R5S6T7V8W9XYZ`, { headers: signed.headers });
    expect(moved.status).toBe(403);
    // Signed for GET, sent as DELETE.
    expect((await fetch(signed.url, { method: "DELETE", headers: signed.headers })).status).toBe(403);
    // A dot segment in the signed path: URL parsing would serve another path than the one signed.
    const dotted = await aws.sign(`${server.url}/admin/uploads/x/../${id}`, { method: "GET" });
    const raw = await new Promise<number>((resolve, reject) => {
      const target = new URL(server.url);
      const req = request({ host: target.hostname, port: target.port, path: `/admin/uploads/x/../${id}`, headers: Object.fromEntries(dotted.headers) }, (res) => (res.resume(), resolve(res.statusCode!)));
      req.on("error", reject).end();
    });
    expect(raw).toBe(403);
    // A body the signature does not cover (an unsigned payload hash).
    const unsigned = await aws.sign(`${server.url}/admin/uploads/${id}`, { method: "GET", headers: { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" } });
    expect((await fetch(unsigned)).status).toBe(403);
    // Signed half an hour ago.
    const stale = await aws.sign(`${server.url}/admin/uploads/${id}`, { method: "GET", aws: { datetime: new Date(Date.now() - 30 * 60_000).toISOString().replace(/[:-]|\.\d{3}/g, "") } });
    expect((await fetch(stale)).status).toBe(403);
    // The honest request goes through, and bob's upload is still his.
    expect((await fetch(signed)).status).toBe(200);
    expect((await call("GET", `/uploads/${id}`, tokens.alice)).status).toBe(404);
    expect((await call("GET", `/uploads/${id}`, tokens.bob)).body.status).toBe("completed");
  });
});
