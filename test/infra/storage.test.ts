import { MULTIPART_TICKET_SECONDS } from "../../functions/domain/limits.js";
import { ABORT_INCOMPLETE_MULTIPART_AFTER } from "../../lib/secure-defaults.js";
import { Match } from "aws-cdk-lib/assertions";
import { afterAll, describe, expect, it } from "vitest";
import { logicalId, synthBroker, ORIGINS } from "./synth.js";

/** The default stack (Cognito auth, retained data) with two browser origins: bucket, table, S3 events. */
const { template, stack, cleanup } = synthBroker({ corsOrigins: ORIGINS });
afterAll(cleanup);
const id = logicalId;

describe("bucket", () => {
  const bucketId = () => id(stack.broker.bucket);

  it("blocks all public access, encrypts, disables ACLs and is retained", () => {
    template.hasResource("AWS::S3::Bucket", {
      Properties: Match.objectLike({
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }] },
        OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] },
        VersioningConfiguration: Match.absent(),
      }),
      DeletionPolicy: "Retain",
      UpdateReplacePolicy: "Retain",
    });
    expect(Object.keys(template.findResources("AWS::S3::Bucket", { DeletionPolicy: "Retain" }))).toContain(bucketId());
  });

  it("refuses every request without TLS 1.2+ in its bucket policy", () => {
    const bucketArn = { "Fn::GetAtt": [bucketId(), "Arn"] };
    const objects = { "Fn::Join": ["", [bucketArn, "/*"]] };
    template.hasResourceProperties("AWS::S3::BucketPolicy", {
      Bucket: { Ref: bucketId() },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Deny",
            Principal: { AWS: "*" },
            Action: "s3:*",
            Condition: { Bool: { "aws:SecureTransport": "false" } },
            Resource: [bucketArn, objects],
          }),
          Match.objectLike({
            Effect: "Deny",
            Action: "s3:*",
            Condition: { NumericLessThan: { "s3:TlsVersion": 1.2 } },
          }),
        ]),
      },
    });
  });

  it("allows exactly the configured origins to PUT, POST and HEAD, exposing ETag and Location", () => {
    const bucket = template.findResources("AWS::S3::Bucket")[bucketId()];
    expect(bucket?.Properties.CorsConfiguration.CorsRules).toEqual([
      {
        Id: "browser-uploads",
        AllowedOrigins: ORIGINS,
        AllowedMethods: ["PUT", "POST", "HEAD"],
        AllowedHeaders: ["content-type", "if-none-match", "x-amz-meta-*", "x-amz-checksum-sha256", "content-md5"],
        ExposedHeaders: ["ETag", "Location"],
        MaxAge: 3600,
      },
    ]);
  });

  it("aborts incomplete multipart uploads after two days: never a live ticket's (24 h), every abandoned one", () => {
    expect(ABORT_INCOMPLETE_MULTIPART_AFTER.toSeconds()).toBeGreaterThanOrEqual(MULTIPART_TICKET_SECONDS + 24 * 3600);
    template.hasResourceProperties("AWS::S3::Bucket", {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ Status: "Enabled", AbortIncompleteMultipartUpload: { DaysAfterInitiation: 2 } })]),
      },
    });
  });

  it("writes server access logs to a private, TLS-only log bucket", () => {
    const logsId = id(stack.node.findChild("UploadBroker").node.findChild("Uploads").node.findChild("AccessLogs"));
    template.hasResourceProperties("AWS::S3::Bucket", {
      LoggingConfiguration: { DestinationBucketName: { Ref: logsId } },
    });
    template.hasResourceProperties("AWS::S3::BucketPolicy", {
      Bucket: { Ref: logsId },
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } })]),
      },
    });
  });
});

describe("ticket table", () => {
  it("is on demand, with PITR, TTL on `ttl`, the byOwner index, retained and deletion-protected", () => {
    template.hasResource("AWS::DynamoDB::Table", {
      Properties: {
        BillingMode: "PAY_PER_REQUEST",
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: "ttl", Enabled: true },
        DeletionProtectionEnabled: true,
        KeySchema: [{ AttributeName: "uploadId", KeyType: "HASH" }],
        AttributeDefinitions: Match.arrayWith([
          { AttributeName: "uploadId", AttributeType: "S" },
          { AttributeName: "owner", AttributeType: "S" },
          { AttributeName: "createdAt", AttributeType: "S" },
        ]),
        GlobalSecondaryIndexes: Match.arrayWith([
          {
            IndexName: "byOwner",
            KeySchema: [
              { AttributeName: "owner", KeyType: "HASH" },
              { AttributeName: "createdAt", KeyType: "RANGE" },
            ],
            Projection: { ProjectionType: "ALL" },
          },
        ]),
      },
      DeletionPolicy: "Retain",
    });
  });
});

describe("S3 events", () => {
  const recordFn = () => id(stack.broker.functions["record-upload"].function);

  it("sends ObjectCreated:* under uploads/ to record-upload", () => {
    template.hasResourceProperties("Custom::S3BucketNotifications", {
      BucketName: { Ref: id(stack.broker.bucket) },
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          {
            Events: ["s3:ObjectCreated:*"],
            Filter: { Key: { FilterRules: [{ Name: "prefix", Value: "uploads/" }] } },
            LambdaFunctionArn: { "Fn::GetAtt": [recordFn(), "Arn"] },
          },
        ],
      },
    });
    template.hasResourceProperties("AWS::Lambda::Permission", {
      Action: "lambda:InvokeFunction",
      Principal: "s3.amazonaws.com",
      FunctionName: { "Fn::GetAtt": [recordFn(), "Arn"] },
      SourceArn: { "Fn::GetAtt": [id(stack.broker.bucket), "Arn"] },
      SourceAccount: { Ref: "AWS::AccountId" },
    });
  });

  it("retries twice, then sends the event to an encrypted, TLS-only dead-letter queue", () => {
    const dlq = id(stack.broker.deadLetterQueue);
    template.hasResourceProperties("AWS::Lambda::EventInvokeConfig", {
      FunctionName: { Ref: recordFn() },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { "Fn::GetAtt": [dlq, "Arn"] } } },
    });
    template.hasResourceProperties("AWS::SQS::Queue", { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    template.hasResourceProperties("AWS::SQS::QueuePolicy", {
      Queues: [{ Ref: dlq }],
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } })]),
      },
    });
  });
});
