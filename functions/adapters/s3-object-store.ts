import type { ObjectInfo, ObjectStore } from "../ports.js";
import { httpStatus as status } from "./aws.js";
import { headerOf, S3Rest } from "./s3-rest.js";

/**
 * The record handler's view of the bucket: HeadObject, DeleteObject and a ranged GetObject of
 * the head, nothing else, as aws4-signed S3 requests (s3-rest.ts) that wire tests hold to the
 * SDK's commands.
 */
export class S3ObjectStore implements ObjectStore {
  constructor(private readonly s3: S3Rest) {}

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const { headers } = await this.s3.send({ method: "HEAD", key });
      const metadata: Record<string, string> = {};
      for (const [name, value] of Object.entries(headers)) {
        if (name.startsWith("x-amz-meta-") && value !== undefined) metadata[name.slice(11)] = String(value);
      }
      const modified = headerOf(headers, "last-modified");
      return {
        size: Number(headerOf(headers, "content-length") ?? 0),
        contentType: headerOf(headers, "content-type") ?? "",
        etag: (headerOf(headers, "etag") ?? "").replace(/^"|"$/g, ""),
        lastModified: modified ? new Date(modified) : new Date(0),
        metadata,
      };
    } catch (error) {
      if (status(error) === 404) return undefined;
      throw error;
    }
  }

  async delete(key: string, etag?: string): Promise<boolean> {
    try {
      // AWS honours If-Match on DeleteObject; some S3-compatible servers (Ceph RGW) ignore it,
      // which is why the record step looks at the object again right before deleting.
      await this.s3.send({ method: "DELETE", key, query: "x-id=DeleteObject", headers: ifMatch(etag) });
      return true;
    } catch (error) {
      if (status(error) === 412) return false;
      if (status(error) === 404) return true;
      throw error;
    }
  }

  async readHead(key: string, bytes: number, etag?: string): Promise<Uint8Array | undefined> {
    try {
      const got = await this.s3.send({ method: "GET", key, query: "x-id=GetObject", headers: { range: `bytes=0-${bytes - 1}`, ...ifMatch(etag) } });
      // A server that ignored the Range (200 with the whole object) still hands on no more than asked.
      return new Uint8Array(got.body.buffer, got.body.byteOffset, Math.min(bytes, got.body.length));
    } catch (error) {
      if (status(error) === 412 || status(error) === 404) return undefined;
      // An empty object has no byte 0: S3 answers 416 for any range.
      if (status(error) === 416) return new Uint8Array();
      throw error;
    }
  }
}

const ifMatch = (etag: string | undefined): Record<string, string> => (etag === undefined ? {} : { "if-match": `"${etag}"` });
