import { DeleteObjectCommand, HeadObjectCommand, NotFound, type S3Client } from "@aws-sdk/client-s3";
import type { ObjectInfo, ObjectStore } from "../ports.js";

/** The record handler's view of the bucket: HeadObject and DeleteObject, nothing else. */
export class S3ObjectStore implements ObjectStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        size: head.ContentLength ?? 0,
        contentType: head.ContentType ?? "",
        etag: (head.ETag ?? "").replace(/^"|"$/g, ""),
        lastModified: head.LastModified ?? new Date(0),
        metadata: head.Metadata ?? {},
      };
    } catch (error) {
      if (error instanceof NotFound || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) {
        return undefined;
      }
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }
}
