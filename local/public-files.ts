/**
 * Local mode's file CDN: `GET /files/<profile>/<uploadId>/<name>` serves a public profile's
 * completed upload as the deployed CDN does, by the same rules (functions/domain/public-files.ts):
 * only a completed ticket of a public profile, under exactly its `fileUrl`; anything else
 * (pending, scanning, rejected, aborted, deleted, private, unknown, another name) is 404. There is
 * no copy here: the bytes are the upload's own, read while its ETag is the ticket's.
 */
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { httpStatus } from "../functions/adapters/aws.js";
import { ULID } from "../functions/domain/keys.js";
import { fileUrls, publicProfileNames, SERVED_CACHE_CONTROL, servedPath, type FileUrls } from "../functions/domain/public-files.js";
import { NotFoundError } from "../functions/errors.js";
import { httpHandler, type HttpHandler } from "../functions/http.js";
import type { TicketStore } from "../functions/ports.js";
import type { Profile } from "../functions/schemas.js";

export interface LocalPublicFilesOptions {
  /** The local server's URL, e.g. `http://127.0.0.1:3000`. */
  url: string;
  profiles: readonly Profile[];
  tickets: Pick<TicketStore, "get">;
  s3: S3Client;
  bucket: string;
}

/** What the local server adds: the routes, and `fileUrl` for views and events (none without public profiles). */
export interface LocalPublicFiles {
  /** Where the files are served (`http://127.0.0.1:3000/files/`): the functions' `PUBLIC_FILES_URL`. */
  url?: string;
  deps: { fileUrl?: FileUrls };
  routes: Array<{ method: string; path: string; auth: "none"; handler: HttpHandler }>;
}

export const LOCAL_FILES_PATH = "/files";

export function localPublicFiles(options: LocalPublicFilesOptions): LocalPublicFiles {
  if (publicProfileNames(options.profiles).length === 0) return { deps: {}, routes: [] };
  const url = `${options.url}${LOCAL_FILES_PATH}/`;
  const fileUrl = fileUrls(options.profiles, url);
  const handler = httpHandler(async (event) => {
    const { profile = "", uploadId = "", name = "" } = event.pathParameters ?? {};
    const ticket = ULID.test(uploadId) ? await options.tickets.get(uploadId) : undefined;
    const gone = () => new NotFoundError("No such file.");
    if (!ticket || !fileUrl(ticket) || servedPath(ticket) !== `${profile}/${uploadId}/${name}`) throw gone();
    const etag = `"${ticket.etag}"`;
    const headers = { etag, "cache-control": SERVED_CACHE_CONTROL, "x-content-type-options": "nosniff", "access-control-allow-origin": "*" };
    if (event.headers["if-none-match"]?.split(",").some((tag) => tag.trim() === etag)) return { statusCode: 304, headers };
    let object;
    try {
      object = await options.s3.send(new GetObjectCommand({ Bucket: options.bucket, Key: ticket.key, IfMatch: etag }));
    } catch (error) {
      if ([404, 412].includes(httpStatus(error) ?? 0)) throw gone();
      throw error;
    }
    const body = Buffer.from((await object.Body?.transformToByteArray()) ?? new Uint8Array());
    return {
      statusCode: 200,
      headers: { ...headers, "content-type": object.ContentType ?? "application/octet-stream", "content-length": String(body.length) },
      body: body.toString("base64"),
      isBase64Encoded: true,
    };
  });
  const path = `${LOCAL_FILES_PATH}/{profile}/{uploadId}/{name}`;
  return { url, deps: { fileUrl }, routes: ["GET", "HEAD"].map((method) => ({ method, path, auth: "none" as const, handler })) };
}
