import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { AttributeType, BillingMode, type TableProps } from "aws-cdk-lib/aws-dynamodb";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import { BlockPublicAccess, BucketEncryption, ObjectOwnership, type BucketProps } from "aws-cdk-lib/aws-s3";
import { QueueEncryption, type QueueProps } from "aws-cdk-lib/aws-sqs";
import { TICKET_TABLE } from "../functions/adapters/ticket-table.js";

/**
 * Every secure default of the stack, in one place. Constructs merge an operator's overrides
 * over these, except for the settings listed as enforced, which no override can weaken.
 */

/** Data (bucket, table, user pool, logs) survives `cdk destroy` unless an operator says otherwise. */
export const DEFAULT_REMOVAL_POLICY = RemovalPolicy.RETAIN;

/** Function logs, API access logs and S3 server access logs are kept this long. */
export const DEFAULT_LOG_RETENTION = RetentionDays.ONE_MONTH;

/**
 * Stage-wide API throttling. Signing is cheap but every ticket is a DynamoDB write and a URL
 * that can move gigabytes, so the default stays far below the account's 10,000 rps.
 */
export const DEFAULT_THROTTLE = { rateLimit: 50, burstLimit: 100 } as const;

/**
 * Incomplete multipart uploads are billed until aborted. A multipart ticket lives 24 hours, and
 * S3 counts lifecycle days from initiation rounded up to the next midnight UTC, so two days
 * never abort a live ticket's upload and abort every abandoned one within three.
 */
export const ABORT_INCOMPLETE_MULTIPART_AFTER = Duration.days(2);

/** How long a browser may cache a CORS preflight answer. */
export const CORS_MAX_AGE = Duration.hours(1);

/** Bucket settings an override may not change: the upload bucket is never public, never plain HTTP. */
export const ENFORCED_BUCKET_PROPS = {
  blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
  publicReadAccess: false,
  enforceSSL: true,
  minimumTLSVersion: 1.2,
} as const satisfies BucketProps;

/**
 * Bucket defaults. Versioning stays off on purpose: PUT URLs are signed with
 * `if-none-match: *`, so they cannot overwrite, and an object the record function rejects must
 * really disappear instead of living on as a noncurrent version.
 */
export const DEFAULT_BUCKET_PROPS = {
  encryption: BucketEncryption.S3_MANAGED,
  objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
  versioned: false,
} as const satisfies BucketProps;

/** The ticket table's key schema; not overridable, the functions depend on it. */
export const TICKET_TABLE_KEYS = {
  partitionKey: { name: TICKET_TABLE.partitionKey, type: AttributeType.STRING },
  timeToLiveAttribute: TICKET_TABLE.ttlAttribute,
} as const satisfies Partial<TableProps>;

/** Table defaults: on demand, point-in-time recovery. */
export const DEFAULT_TABLE_PROPS = {
  billingMode: BillingMode.PAY_PER_REQUEST,
  pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
} as const satisfies Partial<TableProps>;

/** The record function's dead-letter queue: encrypted, TLS only, kept as long as SQS allows. */
export const DEAD_LETTER_QUEUE_PROPS = {
  encryption: QueueEncryption.SQS_MANAGED,
  enforceSSL: true,
  retentionPeriod: Duration.days(14),
} as const satisfies QueueProps;

/** Lambda allows 4 KB of environment in total; the profiles must leave room for the rest. */
export const MAX_PROFILES_ENV_BYTES = 3072;
