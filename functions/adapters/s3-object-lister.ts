import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import type { ObjectLister } from "../ports.js";

/** ListObjectsV2 under one prefix, one page: the sweeper asks for a ticket's first few keys only. */
export class S3ObjectLister implements ObjectLister {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async keys(prefix: string, max: number): Promise<string[]> {
    const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, MaxKeys: max }));
    return (page.Contents ?? []).flatMap((o) => (o.Key ? [o.Key] : [])).slice(0, max);
  }
}
