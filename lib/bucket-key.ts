import { Stack } from "aws-cdk-lib";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { IBucket } from "aws-cdk-lib/aws-s3";
import { httpEntries, routes } from "../functions/routes.js";
import type { FunctionEntry } from "./upload-function.js";

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
 * public files). An HTTP function reads with the key when its routes call or sign s3:GetObject
 * (download links, the content check of the complete routes) and writes when they sign or call
 * s3:PutObject (presigned PUTs and POSTs carry the signer's permissions; multipart uploads are
 * created and completed by the function). Of the event functions, recording (record-upload,
 * sweep) reads; scan-result only looks (HeadObject) and deletes.
 */
export function objectKeyUses(): Partial<Record<FunctionEntry, ObjectKeyUse[]>> {
  const uses: Partial<Record<FunctionEntry, ObjectKeyUse[]>> = { "record-upload": ["read"], sweep: ["read"] };
  for (const entry of httpEntries()) {
    const actions = new Set(routes.filter((route) => route.entry === entry).flatMap((route) => route.access?.objects ?? []));
    const needed = [...(actions.has("s3:GetObject") ? ["read" as const] : []), ...(actions.has("s3:PutObject") ? ["write" as const] : [])];
    if (needed.length > 0) uses[entry] = needed;
  }
  return uses;
}
