import { XmlNode } from "@aws-sdk/xml-builder";
import { StorageUnsupportedError, ValidationError } from "../errors.js";
import type { MultipartStore, StoredPart } from "../ports.js";
import { httpStatus } from "./aws.js";
import { uriEscape } from "./s3-location.js";
import { list, type S3Rest } from "./s3-rest.js";

export interface S3MultipartStoreOptions {
  /**
   * How long AbortMultipartUpload may take, retries included, before it fails (and the ticket
   * stays pending, so the delete can be retried): a cancel must answer, even while a part still
   * streams into the storage. @default 5000
   */
  abortTimeoutMs?: number;
}

/** S3's answer when an upload id names nothing (any more): completed or aborted. */
const gone = (error: unknown) => {
  const { name } = error as { name?: string };
  // AWS answers NoSuchUpload; Ceph RGW NoSuchKey (404) after completion or abort.
  return name === "NoSuchUpload" || name === "NoSuchKey" || httpStatus(error) === 404;
};

/**
 * An S3-compatible server without the operation answers 501 NotImplemented: the broker answers
 * 501 `storage_unsupported` naming it, not a 500.
 */
function unsupported(error: unknown, operation: string): never {
  if ((error as { name?: string }).name === "NotImplemented" || httpStatus(error) === 501) {
    throw new StorageUnsupportedError(`The S3-compatible server behind the broker has no ${operation} (it answered 501 NotImplemented); use one that has it, such as AWS S3, Ceph RGW or MinIO.`);
  }
  throw error;
}

/** `work`, or a `TimeoutError` once `ms` have passed (the request itself is left to end on its own). */
async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${ms} ms`), { name: "TimeoutError" })), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** S3 refused the part list: a wrong or missing part, parts out of order, a part too small. */
const refusedParts = (error: unknown) =>
  /^(InvalidPart|InvalidPartOrder|EntityTooSmall|MalformedXML)$/.test((error as { name?: string }).name ?? "");

/**
 * Multipart uploads (the part URLs are presigned by `UrlPresigner`): CreateMultipartUpload,
 * ListParts, CompleteMultipartUpload and AbortMultipartUpload as aws4-signed S3 requests
 * (s3-rest.ts) that wire tests hold to the SDK's commands, errors named as the SDK names them.
 */
export class S3MultipartStore implements MultipartStore {
  constructor(
    private readonly s3: S3Rest,
    private readonly options: S3MultipartStoreOptions = {},
  ) {}

  async create(key: string, contentType: string, metadata: Record<string, string>): Promise<string> {
    const headers: Record<string, string> = { "content-type": contentType };
    for (const [name, value] of Object.entries(metadata)) headers[`x-amz-meta-${name}`] = value;
    const { UploadId } = await this.s3.xml({ method: "POST", key, query: "uploads", headers });
    if (typeof UploadId !== "string" || !UploadId) throw new Error("CreateMultipartUpload answered without an UploadId");
    return UploadId;
  }

  async listParts(key: string, s3UploadId: string): Promise<StoredPart[]> {
    const parts: StoredPart[] = [];
    let marker: string | undefined;
    try {
      do {
        const page = await this.s3.xml({
          method: "GET",
          key,
          query: `${marker ? `part-number-marker=${uriEscape(marker)}&` : ""}uploadId=${uriEscape(s3UploadId)}&x-id=ListParts`,
        });
        for (const p of list<{ PartNumber?: string; Size?: string; ETag?: string }>(page.Part)) {
          parts.push({ partNumber: Number(p.PartNumber), size: Number(p.Size ?? 0), etag: (p.ETag ?? "").replace(/^"|"$/g, "") });
        }
        marker = page.IsTruncated === "true" && typeof page.NextPartNumberMarker === "string" ? page.NextPartNumberMarker : undefined;
      } while (marker);
    } catch (error) {
      if (gone(error)) return [];
      unsupported(error, "ListParts");
    }
    return parts;
  }

  async complete(key: string, s3UploadId: string, parts: Array<{ partNumber: number; etag: string }>): Promise<void> {
    const body = new XmlNode("CompleteMultipartUpload").a("xmlns", "http://s3.amazonaws.com/doc/2006-03-01/");
    for (const p of parts) {
      body.c(new XmlNode("Part").c(XmlNode.of("ETag", `"${p.etag.replace(/^"|"$/g, "")}"`)).c(XmlNode.of("PartNumber", String(p.partNumber))));
    }
    try {
      await this.s3.send({
        method: "POST",
        key,
        query: `uploadId=${uriEscape(s3UploadId)}`,
        // The key is the ticket's own: never let completing replace an object there (AWS
        // honours this; Ceph RGW 16 ignores it, and the record step checks what is there).
        headers: { "content-type": "application/xml", "if-none-match": "*" },
        body: `<?xml version="1.0" encoding="UTF-8"?>${body.toString()}`,
        errorIn200: true,
      });
    } catch (error) {
      // Completed already (a retry after a lost answer): AWS refuses the repeat with 412 (the
      // key now exists) or NoSuchUpload. The record step then looks at what is there.
      if (gone(error) || httpStatus(error) === 412) return;
      if (refusedParts(error)) {
        throw new ValidationError([{ path: "parts", message: `S3 refused the part list: ${(error as Error).message}` }]);
      }
      throw error;
    }
  }

  async abort(key: string, s3UploadId: string): Promise<void> {
    try {
      await within(this.options.abortTimeoutMs ?? 5000, this.s3.send({ method: "DELETE", key, query: `uploadId=${uriEscape(s3UploadId)}&x-id=AbortMultipartUpload` }));
    } catch (error) {
      if (!gone(error)) unsupported(error, "AbortMultipartUpload");
    }
  }
}
