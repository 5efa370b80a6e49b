import { Duration, Validations, type RemovalPolicy } from "aws-cdk-lib";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import { Bucket, BucketEncryption, HttpMethods, type BucketProps, type IBucket } from "aws-cdk-lib/aws-s3";
import type { IKey } from "aws-cdk-lib/aws-kms";
import { Construct } from "constructs";
import { ConfigError } from "../functions/errors.js";
import { validateCorsOrigins } from "./cors-origins.js";
import {
  ABORT_INCOMPLETE_MULTIPART_AFTER,
  CORS_MAX_AGE,
  DEFAULT_BUCKET_PROPS,
  DEFAULT_LOG_RETENTION,
  DEFAULT_REMOVAL_POLICY,
  ENFORCED_BUCKET_PROPS,
} from "./secure-defaults.js";

/** Bucket settings an operator may override; the public-access and TLS settings are not among them. */
export type UploadBucketOverrides = Omit<BucketProps, keyof typeof ENFORCED_BUCKET_PROPS | "cors" | "removalPolicy">;

/**
 * Request headers a browser sends with a presigned upload: every header the PUT URL signs
 * (content-length is set by the browser itself and never preflighted).
 */
export const UPLOAD_CORS_HEADERS = ["content-type", "if-none-match", "x-amz-meta-*", "x-amz-checksum-sha256", "content-md5"];
/** Response headers a browser must read: `ETag` (PUT, multipart) and `Location` (POST). */
export const UPLOAD_CORS_EXPOSED_HEADERS = ["ETag", "Location"];

export interface UploadBucketProps {
  /**
   * Use this bucket as is instead of creating one. The broker then configures nothing on it
   * (no CORS, lifecycle or policy): it must already be private, TLS-only and encrypted.
   * @default - a new bucket with the secure defaults
   */
  readonly existingBucket?: IBucket;
  /** Overrides for the new bucket; an error together with `existingBucket`. @default - secure defaults only */
  readonly bucketProps?: UploadBucketOverrides;
  /** Browser origins allowed to upload (PUT, POST, HEAD). @default [] (no browser uploads) */
  readonly corsOrigins?: readonly string[];
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Write S3 server access logs (who uploaded what, from where) to a second, private bucket.
   * @default true
   */
  readonly serverAccessLogs?: boolean;
  /** How long server access logs are kept. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /**
   * Encrypt with this customer-managed KMS key (SSE-KMS, with S3 Bucket Keys, which cut the KMS
   * requests and their cost by caching a bucket-level key). An error together with `existingBucket`.
   * @default - S3-managed keys (SSE-S3)
   */
  readonly encryptionKey?: IKey;
}

/**
 * The bucket uploads land in: all public access blocked, TLS 1.2+ only, S3-managed
 * encryption, CORS for the configured origins only, and incomplete multipart uploads
 * aborted after a day.
 */
export class UploadBucket extends Construct {
  readonly bucket: IBucket;
  /** The server access log bucket, when this construct created one. */
  readonly accessLogsBucket?: Bucket;

  constructor(scope: Construct, id: string, props: UploadBucketProps = {}) {
    super(scope, id);
    if (props.existingBucket && props.bucketProps) {
      throw new ConfigError("UploadBucket: pass either existingBucket or bucketProps, not both.");
    }
    if (props.existingBucket && props.encryptionKey) {
      throw new ConfigError("UploadBucket: an existingBucket keeps its own encryption; pass encryptionKey only for a new bucket.");
    }
    const origins = validateCorsOrigins(props.corsOrigins ?? []);
    if (props.existingBucket) {
      this.bucket = props.existingBucket;
      return;
    }
    const removalPolicy = props.removalPolicy ?? DEFAULT_REMOVAL_POLICY;
    const overrides = props.bucketProps ?? {};
    const logging = !overrides.serverAccessLogsBucket && (props.serverAccessLogs ?? true);
    if (logging) this.accessLogsBucket = this.createAccessLogsBucket(removalPolicy, props.logRetention);

    this.bucket = new Bucket(this, "Bucket", {
      ...DEFAULT_BUCKET_PROPS,
      ...(this.accessLogsBucket ? { serverAccessLogsBucket: this.accessLogsBucket, serverAccessLogsPrefix: "uploads-bucket/" } : {}),
      ...overrides,
      ...(props.encryptionKey ? { encryption: BucketEncryption.KMS, encryptionKey: props.encryptionKey, bucketKeyEnabled: true } : {}),
      ...ENFORCED_BUCKET_PROPS,
      removalPolicy,
      lifecycleRules: [
        { id: "abort-incomplete-multipart-uploads", abortIncompleteMultipartUploadAfter: ABORT_INCOMPLETE_MULTIPART_AFTER },
        ...(overrides.lifecycleRules ?? []),
      ],
      cors: origins.length
        ? [
            {
              id: "browser-uploads",
              allowedOrigins: origins,
              allowedMethods: [HttpMethods.PUT, HttpMethods.POST, HttpMethods.HEAD],
              allowedHeaders: UPLOAD_CORS_HEADERS,
              exposedHeaders: UPLOAD_CORS_EXPOSED_HEADERS,
              maxAge: CORS_MAX_AGE.toSeconds(),
            },
          ]
        : [],
    });
  }

  private createAccessLogsBucket(removalPolicy: RemovalPolicy, retention: RetentionDays = DEFAULT_LOG_RETENTION): Bucket {
    const logs = new Bucket(this, "AccessLogs", {
      blockPublicAccess: ENFORCED_BUCKET_PROPS.blockPublicAccess,
      enforceSSL: true,
      // Server access log delivery supports SSE-S3 only.
      encryption: BucketEncryption.S3_MANAGED,
      removalPolicy,
      lifecycleRules:
        retention === RetentionDays.INFINITE ? [] : [{ id: "expire-access-logs", expiration: Duration.days(retention) }],
    });
    Validations.of(logs).acknowledge({
      id: "AwsSolutions-S1",
      reason: "This is the server access log bucket of the upload bucket; logging it into itself would loop and another log bucket would only move the problem.",
    });
    return logs;
  }
}
