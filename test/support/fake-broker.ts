/** A stand-in for the broker and S3 on loopback, for the client's own figures and tests. */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

const PART = 8 * 1024 ** 2;

/** Reads a request's body; the number of bytes. */
const drain = (req: IncomingMessage) =>
  new Promise<number>((resolve) => {
    let n = 0;
    req.on("data", (c: Buffer) => (n += c.length)).on("end", () => resolve(n));
  });

/**
 * The broker's multipart routes and S3's UploadPart, in one loopback server that reads every
 * byte and answers at once. Part URLs say they expire `urlLifetimeMs` after signing; `signed`
 * counts the parts signed, `signCalls` the calls that signed them.
 */
export async function fakeBroker({ urlLifetimeMs = 3600_000 } = {}) {
  let size = 0;
  const counts = { signed: 0, signCalls: 0 };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url!, "http://x");
    const body = req.method === "PUT" ? await drain(req) : JSON.parse((await new Promise<string>((r) => { let t = ""; req.on("data", (c) => (t += c)).on("end", () => r(t)); })) || "null");
    const json = (status: number, value: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
    const expiresAt = new Date(Date.now() + (url.pathname.endsWith("/parts") ? urlLifetimeMs : 3600_000)).toISOString();
    if (req.method === "POST" && url.pathname === "/sign/multipart") {
      size = body.size;
      return json(201, { uploadId: "u", key: "k", method: "MULTIPART", partSize: PART, partCount: Math.ceil(size / PART), expiresAt });
    }
    if (req.method === "POST" && url.pathname.endsWith("/parts")) {
      const { address, port } = server.address() as AddressInfo;
      counts.signed += body.parts.length;
      counts.signCalls += 1;
      const parts = (body.parts as Array<{ partNumber: number; contentMd5?: string }>).map((p) => ({
        partNumber: p.partNumber, url: `http://${address}:${port}/s3?partNumber=${p.partNumber}`, headers: p.contentMd5 ? { "content-md5": p.contentMd5 } : {},
      }));
      return json(200, { parts, expiresAt });
    }
    if (req.method === "PUT") return res.writeHead(200, { etag: `"${body}"` }).end();
    if (url.pathname.endsWith("/complete")) return json(200, { uploadId: "u", status: "completed", size });
    json(404, { error: { code: "not_found", message: url.pathname } });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, counts, close: () => new Promise((r) => server.close(r)) };
}
