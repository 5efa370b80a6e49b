import { CloudFrontClient, CreateInvalidationCommand } from "@aws-sdk/client-cloudfront";
import { CopyObjectCommand, DeleteObjectCommand, HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { SERVED_CACHE_CONTROL } from "../domain/public-files.js";
import type { FileServer } from "../ports.js";
import { httpStatus } from "./aws.js";

/** Where invalidations go; without one (local mode, tests) there is no CDN to tell. */
export interface Cdn {
  client: Pick<CloudFrontClient, "send">;
  distributionId: string;
}

/** S3 CopyObject / DeleteObjects for the served copies, CloudFront CreateInvalidation for the CDN. */
export class S3FileServer implements FileServer {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly cdn?: Cdn,
  ) {}

  async copy(from: string, to: string, etag: string): Promise<boolean> {
    try {
      // A copy that replaces metadata must name the type again; the head gives the stored one.
      const head = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: from, IfMatch: `"${etag}"` }));
      await this.s3.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: to,
          CopySource: `${this.bucket}/${encodeURIComponent(from).replace(/%2F/g, "/")}`,
          CopySourceIfMatch: `"${etag}"`,
          // The uploader's metadata (and the ticket id) is not for the public; uploads carry no
          // tags, and not copying any needs no tagging permissions.
          MetadataDirective: "REPLACE",
          TaggingDirective: "REPLACE",
          ...(head.ContentType ? { ContentType: head.ContentType } : {}),
          CacheControl: SERVED_CACHE_CONTROL,
        }),
      );
      return true;
    } catch (error) {
      if ([404, 412].includes(httpStatus(error) ?? 0)) return false;
      throw error;
    }
  }

  async remove(keys: string[]): Promise<void> {
    // One or two keys per change: single deletes need no request checksum, which not every S3-compatible server reads.
    await Promise.all(keys.map((Key) => this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }))));
  }

  async invalidate(paths: string[], reference: string): Promise<void> {
    if (!this.cdn || paths.length === 0) return;
    await this.cdn.client.send(
      new CreateInvalidationCommand({
        DistributionId: this.cdn.distributionId,
        InvalidationBatch: { CallerReference: reference, Paths: { Quantity: paths.length, Items: paths } },
      }),
    );
  }
}
