import { Stack } from "aws-cdk-lib";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { IBucket } from "aws-cdk-lib/aws-s3";

/**
 * What S3 asks of KMS for a caller of an SSE-KMS bucket: reading an object (GetObject, a
 * presigned GET, a copy's source, a multipart upload's completion) takes `kms:Decrypt`; writing
 * one (PutObject, a presigned PUT or POST, which act with the signer's permissions, a multipart
 * upload, a copy's target) takes `kms:GenerateDataKey`. HeadObject and DeleteObject take neither.
 */
export type ObjectKeyUse = "read" | "write";

const ACTIONS: Record<ObjectKeyUse, string> = { read: "kms:Decrypt", write: "kms:GenerateDataKey" };

/**
 * Lets `fn` use the bucket's customer-managed key for exactly `uses`, only through S3 and only for
 * this bucket's objects (the encryption context S3 sets is the bucket's ARN with S3 Bucket Keys,
 * the object's without). Nothing when the bucket has no key of its own.
 */
export function grantObjectKey(bucket: IBucket, fn: IFunction, uses: readonly ObjectKeyUse[]): void {
  const key = bucket.encryptionKey;
  if (!key || uses.length === 0) return;
  fn.addToRolePolicy(
    new PolicyStatement({
      actions: uses.map((use) => ACTIONS[use]),
      resources: [key.keyArn],
      conditions: {
        StringEquals: { "kms:ViaService": `s3.${Stack.of(bucket).region}.amazonaws.com` },
        StringLike: { "kms:EncryptionContext:aws:s3:arn": [bucket.bucketArn, bucket.arnForObjects("*")] },
      },
    }),
  );
}

/**
 * Which functions use the bucket's key, and how (publish-events' copies are granted with the
 * public files). The sign functions' presigned PUTs and POSTs write with the signer's permissions;
 * multipart uploads (created, signed and completed by multipart and uppy) need both; the download
 * link (upload-object) and the content check of recording (record-upload, sweep, and the complete
 * routes) read. scan-result only looks (HeadObject) and deletes.
 */
export const OBJECT_KEY_USES = {
  "sign-put": ["write"],
  "sign-post": ["write"],
  multipart: ["read", "write"],
  uppy: ["read", "write"],
  "upload-object": ["read"],
  "record-upload": ["read"],
  sweep: ["read"],
} as const satisfies Record<string, readonly ObjectKeyUse[]>;
