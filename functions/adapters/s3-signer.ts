import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { createPresignedPost } from "@aws-sdk/s3-presigned-post";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { PostSigningRequest, PresignedPost, PresignedPut, PutSigningRequest, Signer } from "../ports.js";

/**
 * Signs with the AWS SDK. The client must be built with
 * `requestChecksumCalculation: "WHEN_REQUIRED"` (see `s3Client`), or the SDK adds an
 * empty-body CRC32 to every PUT URL and real uploads fail.
 */
export class S3Signer implements Signer {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async presignPut(request: PutSigningRequest): Promise<PresignedPut> {
    const headers: Record<string, string> = {
      "content-type": request.contentType,
      "content-length": String(request.contentLength),
      "if-none-match": "*",
    };
    for (const [name, value] of Object.entries(request.metadata)) headers[`x-amz-meta-${name}`] = value;
    if (request.checksumSha256) headers["x-amz-checksum-sha256"] = request.checksumSha256;

    const command = new PutObjectCommand({
      Bucket: this.bucket,
      Key: request.key,
      ContentType: request.contentType,
      ContentLength: request.contentLength,
      Metadata: request.metadata,
      IfNoneMatch: "*",
      ...(request.checksumSha256 ? { ChecksumSHA256: request.checksumSha256 } : {}),
    });
    const names = new Set(Object.keys(headers));
    const url = await getSignedUrl(this.client, command, {
      expiresIn: request.expiresInSeconds,
      // The clock createPresignedPost uses too, with the SDK's clock-skew correction.
      signingDate: new Date(Date.now() + this.client.config.systemClockOffset),
      // The presigner signs neither content-type nor (it hoists them into the query)
      // x-amz-meta-*; keeping them as signed headers is what makes S3 enforce them.
      signableHeaders: names,
      unhoistableHeaders: names,
    });
    return { url, headers };
  }

  async presignPost(request: PostSigningRequest): Promise<PresignedPost> {
    const { url, fields } = await createPresignedPost(this.client, {
      Bucket: this.bucket,
      Key: request.key,
      Fields: request.fields,
      Conditions: request.conditions,
      Expires: request.expiresInSeconds,
    });
    return { url, fields };
  }
}
