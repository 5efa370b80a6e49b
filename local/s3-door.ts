/**
 * The embedded bucket's door: the HTTP endpoint local mode gives out for its embedded S3
 * (s3rver, which checks no SigV4 signature and no POST policy, and has no ListParts or
 * AbortMultipartUpload). Every request is checked here as S3 checks it before s3rver, reachable
 * only through a socket file the door alone uses, sees it:
 * - presigned URLs and signed requests: the signature recomputed with the SDK's signer, the
 *   expiry, the headers signed (s3-door-auth.ts); anonymous requests are refused;
 * - browser form uploads: the POST policy (s3-door-post.ts);
 * - Content-MD5 and x-amz-checksum-* against the bytes (s3-door-digests.ts);
 * - ListParts and AbortMultipartUpload answered, UploadPart and CompleteMultipartUpload
 *   checked, from s3rver's own files (s3-door-multipart.ts).
 * CORS preflights go to s3rver, which answers them from the bucket's CORS rule.
 */
import { createReadStream, openAsBlob } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { logger } from "../functions/log.js";
import { authenticate, type DoorKeys } from "./s3-door-auth.js";
import { checkedBody, digestHeaders } from "./s3-door-digests.js";
import { errorDocument, S3Error, s3Errors } from "./s3-door-errors.js";
import { EmbeddedUploads } from "./s3-door-multipart.js";
import { checkPostPolicy, readForm } from "./s3-door-post.js";

export interface S3DoorOptions {
  /** s3rver's data folder. */
  dir: string;
  /** The socket file s3rver listens on. */
  socketPath: string;
  keys: DoorKeys;
  /** Browser origins the bucket's CORS rule allows: the door's own answers carry CORS headers for them. */
  origins: string[];
}

export interface S3Door {
  endpoint: string;
  close(): Promise<void>;
}

interface Target {
  rawPath: string;
  bucket: string;
  key: string;
  query: Record<string, string | string[]>;
}

export async function startS3Door(options: S3DoorOptions): Promise<S3Door> {
  const uploads = new EmbeddedUploads(options.dir);
  /** Conditional writes under way, by bucket and key: S3 lets one of two concurrent ones through. */
  const writing = new Set<string>();
  const server: Server = createServer((req, res) => {
    handle(req, res).catch(async (error: unknown) => {
      if (!(error instanceof S3Error)) logger.error("embedded S3 door failed", { error: String(error) });
      await answerError(req, res, error instanceof S3Error ? error : s3Errors.internal());
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const target = parseTarget(req.url ?? "/");
    if (method === "OPTIONS") return forward(req, res);
    const form = /^multipart\/form-data/i.test(req.headers["content-type"] ?? "");
    if (method === "POST" && target.bucket && !target.key && Object.keys(target.query).length === 0 && form) {
      return postForm(req, res, target);
    }
    const authentication = await authenticate({ method, rawPath: target.rawPath, query: target.query, headers: req.headers }, options.keys, new Date());
    if (authentication === "anonymous") throw s3Errors.accessDenied();

    const uploadId = one(target.query.uploadId);
    // If-None-Match: * on PutObject and CompleteMultipartUpload (s3rver ignores it): one write, never over an object.
    const conditional = target.key && req.headers["if-none-match"] === "*" && (method === "PUT" ? uploadId === undefined : method === "POST" && uploadId !== undefined);
    if (!conditional) return serve(req, res, target, method, uploadId);
    const slot = `${target.bucket}/${target.key}`;
    if (writing.has(slot)) throw s3Errors.conditionalConflict();
    writing.add(slot);
    try {
      if (await uploads.objectExists(target.bucket, target.key)) throw s3Errors.preconditionFailed();
      return await serve(req, res, target, method, uploadId);
    } finally {
      writing.delete(slot);
    }
  }

  /** A signed request: multipart operations answered or checked, bodies with digests checked, then s3rver. */
  async function serve(req: IncomingMessage, res: ServerResponse, target: Target, method: string, uploadId: string | undefined): Promise<void> {
    if (uploadId !== undefined && target.key) {
      if (method === "GET" && !("partNumber" in target.query)) {
        const xml = await uploads.listParts(target.bucket, target.key, uploadId, { maxParts: one(target.query["max-parts"]), marker: one(target.query["part-number-marker"]) });
        return answer(req, res, 200, xml);
      }
      if (method === "DELETE") {
        await uploads.abort(target.bucket, target.key, uploadId);
        return answer(req, res, 204);
      }
      // s3rver would make a folder for any upload id, and concatenate any parts it is told.
      await uploads.folder(target.bucket, target.key, uploadId);
      if (method === "POST") {
        return forwardChecked(req, res, async (path) => uploads.checkComplete(target.bucket, target.key, uploadId, await readFile(path, "utf8")));
      }
    }
    const hasBody = method === "PUT" || method === "POST";
    return hasBody && digestHeaders(req.headers).length > 0 ? forwardChecked(req, res) : forward(req, res);
  }

  /** Hands the body on once its digests (and `check`, given the file it was written to) hold. */
  async function forwardChecked(req: IncomingMessage, res: ServerResponse, check?: (path: string) => Promise<void>): Promise<void> {
    const body = await checkedBody(req, digestHeaders(req.headers));
    try {
      await check?.(body.path);
      await forward(req, res, createReadStream(body.path));
    } finally {
      await body.dispose();
    }
  }

  async function postForm(req: IncomingMessage, res: ServerResponse, target: Target): Promise<void> {
    const form = await readForm(req);
    try {
      const fields = await checkPostPolicy(form, target.bucket, options.keys, new Date());
      const data = new FormData();
      for (const [name, value] of fields) data.append(name, value);
      data.append("file", await openAsBlob(form.file!.path, { type: form.file!.type }), form.file!.filename);
      const encoded = new Response(data);
      const { "content-length": _, "content-type": __, ...headers } = req.headers;
      await forward(
        req,
        res,
        Readable.fromWeb(encoded.body! as import("node:stream/web").ReadableStream),
        { ...headers, "content-type": encoded.headers.get("content-type")!, "transfer-encoding": "chunked" },
        // S3's PostResponse (success_action_status 201) names the element ETag; s3rver writes Etag.
        (xml) => xml.replace(/<(\/?)Etag>/g, "<$1ETag>"),
      );
    } finally {
      await form.dispose();
    }
  }

  /**
   * Hands the request (or the body given) to s3rver and its answer back to the client; `rewrite`
   * mends a (small) answer body first.
   */
  function forward(req: IncomingMessage, res: ServerResponse, body: Readable = req, headers: IncomingHttpHeaders = req.headers, rewrite?: (text: string) => string): Promise<void> {
    const { expect: _, ...sent } = headers;
    return new Promise<void>((resolve, reject) => {
      const upstream = request({ socketPath: options.socketPath, method: req.method, path: req.url, headers: sent }, (answer) => {
        answer.once("error", reject);
        if (rewrite) {
          const chunks: Buffer[] = [];
          answer.on("data", (chunk: Buffer) => chunks.push(chunk));
          answer.once("end", () => {
            const text = rewrite(Buffer.concat(chunks).toString("utf8"));
            const { "content-length": _, "transfer-encoding": __, ...kept } = answer.headers;
            res.writeHead(answer.statusCode ?? 502, { ...kept, "content-length": String(Buffer.byteLength(text)) }).end(text, () => resolve());
          });
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.once("end", resolve);
      });
      upstream.once("error", reject);
      body.once("error", reject);
      // A client that goes away (a cancelled upload) leaves nothing open behind it.
      res.once("close", () => {
        if (!res.writableFinished) {
          upstream.destroy();
          resolve();
        }
      });
      body.pipe(upstream);
    });
  }

  function cors(req: IncomingMessage): Record<string, string> {
    const origin = req.headers.origin;
    if (!origin || !options.origins.includes(origin)) return {};
    return { "access-control-allow-origin": origin, "access-control-expose-headers": "ETag, Location", vary: "Origin" };
  }

  function answer(req: IncomingMessage, res: ServerResponse, status: number, xml?: string): void {
    const headers: Record<string, string> = { ...cors(req), ...(xml === undefined ? {} : { "content-type": "application/xml", "content-length": String(Buffer.byteLength(xml)) }) };
    res.writeHead(status, headers).end(xml);
  }

  /** S3's error document; the rest of the body is read first, so the client sees the answer, not a reset. */
  async function answerError(req: IncomingMessage, res: ServerResponse, error: S3Error): Promise<void> {
    if (res.headersSent) return void res.destroy();
    if (!req.readableEnded) {
      req.resume();
      await new Promise((resolve) => (req.readableEnded ? resolve(undefined) : req.once("end", resolve).once("error", resolve).once("close", resolve)));
    }
    answer(req, res, error.status, errorDocument(error, (req.url ?? "/").split("?")[0]!));
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/** The bucket, key and decoded query of a path-style request target; S3's InvalidURI for a bad escape. */
function parseTarget(url: string): Target {
  const at = url.indexOf("?");
  const rawPath = at < 0 ? url : url.slice(0, at);
  const search = at < 0 ? "" : url.slice(at + 1);
  try {
    const query: Record<string, string | string[]> = {};
    for (const pair of search.split("&").filter(Boolean)) {
      const eq = pair.indexOf("=");
      const name = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
      const value = eq < 0 ? "" : decodeURIComponent(pair.slice(eq + 1));
      const seen = query[name];
      query[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
    }
    const [bucket = "", ...key] = rawPath.split("/").slice(1).map(decodeURIComponent);
    return { rawPath, bucket, key: key.join("/"), query };
  } catch {
    throw new S3Error(400, "InvalidURI", "Couldn't parse the specified URI.");
  }
}

const one = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
