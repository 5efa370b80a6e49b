import type { S3Client } from "@aws-sdk/client-s3";
import { createPresignedPost } from "@aws-sdk/s3-presigned-post";
import type { PostSigner, PostSigningRequest, PresignedPost } from "../ports.js";

/**
 * Signs POST policies with `@aws-sdk/s3-presigned-post`, which turns every field into an
 * `eq` condition (S3 refuses unconditioned fields) and adds the key condition. It signs
 * with the client's clock, including the SDK's clock-skew correction.
 */
export class PostPresigner implements PostSigner {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

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
