import { CfnOutput, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import { Certificate } from "aws-cdk-lib/aws-certificatemanager";
import { EventBus } from "aws-cdk-lib/aws-events";
import { Key } from "aws-cdk-lib/aws-kms";
import { HostedZone, type IHostedZone } from "aws-cdk-lib/aws-route53";
import { Topic } from "aws-cdk-lib/aws-sns";
import type { Construct } from "constructs";
import { ConfigError } from "../functions/errors.js";
import type { CustomDomain } from "./custom-domain.js";
import { UploadBroker, type UploadBrokerProps } from "./upload-broker.js";

export interface UploadBrokerStackProps extends StackProps, UploadBrokerProps {
  /** An existing SNS topic every alarm notifies (ignored when `alarmTopic` is given). @default - alarms without actions */
  readonly alarmTopicArn?: string;
  /** The name of an existing event bus completion events go to (ignored when `eventBus` is given). @default - the default bus */
  readonly eventBusName?: string;
  /** Encrypt the bucket with a new customer-managed KMS key (rotated yearly, retained) (ignored when `encryptionKey` is given). @default false */
  readonly kmsEncryption?: boolean;
  /** Encrypt the bucket with this existing KMS key (ignored when `encryptionKey` is given). @default - see kmsEncryption */
  readonly kmsKeyArn?: string;
  /** The API's custom domain, with `apiCertificateArn` (ignored when `apiDomain` is given). @default - none */
  readonly apiDomainName?: string;
  /** An ACM certificate for `apiDomainName`, in the stack's region. */
  readonly apiCertificateArn?: string;
  /** The file CDN's custom domain, with `filesCertificateArn` (ignored when `filesDomain` is given). @default - none */
  readonly filesDomainName?: string;
  /** An ACM certificate for `filesDomainName`, in us-east-1. */
  readonly filesCertificateArn?: string;
  /** The Route 53 hosted zone of the custom domains, with `hostedZoneName`. @default - none */
  readonly hostedZoneId?: string;
  readonly hostedZoneName?: string;
  /** Create alias records for the custom domains in that zone. @default false */
  readonly createDnsRecords?: boolean;
}

/** The deployable stack: one `UploadBroker` and the outputs a frontend and an operator need. */
export class UploadBrokerStack extends Stack {
  readonly broker: UploadBroker;

  constructor(scope: Construct, id: string, props: UploadBrokerStackProps = {}) {
    super(scope, id, props);
    const alarmTopic = props.alarmTopic ?? (props.alarmTopicArn ? Topic.fromTopicArn(this, "AlarmTopic", props.alarmTopicArn) : undefined);
    const eventBus = props.eventBus ?? (props.eventBusName ? EventBus.fromEventBusName(this, "EventBus", props.eventBusName) : undefined);
    const encryptionKey = props.encryptionKey ?? this.encryptionKey(props);
    const zone = props.hostedZoneId ? this.hostedZone(props) : undefined;
    const domain = (kind: "api" | "files", name?: string, certificateArn?: string): { apiDomain?: CustomDomain; filesDomain?: CustomDomain } => {
      if (name === undefined && certificateArn === undefined) return {};
      if (name === undefined || certificateArn === undefined) throw new ConfigError(`${kind}DomainName and ${kind}CertificateArn go together.`);
      // CloudFront takes certificates from us-east-1 only; the deploy would fail after minutes.
      if (kind === "files" && certificateArn.split(":")[3] !== "us-east-1") throw new ConfigError("filesCertificateArn must be a certificate in us-east-1 (CloudFront's rule).");
      const certificate = Certificate.fromCertificateArn(this, `${kind === "api" ? "Api" : "Files"}Certificate`, certificateArn);
      return { [`${kind}Domain`]: { domainName: name, certificate, ...(zone ? { hostedZone: zone } : {}), createDnsRecords: props.createDnsRecords ?? false } };
    };
    this.broker = new UploadBroker(this, "UploadBroker", {
      ...props,
      ...(alarmTopic ? { alarmTopic } : {}),
      ...(eventBus ? { eventBus } : {}),
      ...(encryptionKey ? { encryptionKey } : {}),
      ...(props.apiDomain ? {} : domain("api", props.apiDomainName, props.apiCertificateArn)),
      ...(props.filesDomain ? {} : domain("files", props.filesDomainName, props.filesCertificateArn)),
    });
    const { api, auth, bucket, table, deadLetterQueue } = this.broker;

    new CfnOutput(this, "ApiUrl", { value: api.url, description: "Base URL of the HTTP API" });
    if (this.broker.publicFiles) {
      new CfnOutput(this, "FilesUrl", { value: this.broker.publicFiles.url, description: "Where the public profiles' completed uploads are served (every fileUrl starts with it)" });
      new CfnOutput(this, "FilesDistributionDomainName", {
        value: this.broker.publicFiles.distribution.distributionDomainName,
        description: "The file CDN's own host name: point a custom domain's CNAME or alias here",
      });
    }
    if (api.domainName) {
      new CfnOutput(this, "ApiDomainTarget", { value: api.domainName.regionalDomainName, description: "Point the API's custom domain (CNAME or alias) here" });
    }
    new CfnOutput(this, "BucketName", { value: bucket.bucketName, description: "Bucket the uploads land in (retained by default)" });
    new CfnOutput(this, "TableName", { value: table.tableName, description: "DynamoDB table of upload tickets (retained by default)" });
    new CfnOutput(this, "DeadLetterQueueUrl", {
      value: deadLetterQueue.queueUrl,
      description: "S3 events the record function could not process after retries",
    });
    new CfnOutput(this, "EventBusName", { value: this.broker.completionEvents.eventBus.eventBusName, description: "Where completion events (source upload-broker) are published" });
    const { webhookSecret, webhookDeadLetterQueue } = this.broker.completionEvents;
    if (webhookSecret && webhookDeadLetterQueue) {
      new CfnOutput(this, "WebhookSecretArn", {
        value: webhookSecret.secretArn,
        description: "Secrets Manager secret the webhook deliveries are signed with (Standard Webhooks); the receiver verifies with it",
      });
      new CfnOutput(this, "WebhookDeadLetterQueueUrl", {
        value: webhookDeadLetterQueue.queueUrl,
        description: "Completion events the webhook did not accept after retries (npm run replay-dlq resends them)",
      });
    }
    if (auth.userPool && auth.userPoolClient) {
      new CfnOutput(this, "UserPoolId", { value: auth.userPool.userPoolId, description: "Cognito user pool of the API's users" });
      new CfnOutput(this, "UserPoolClientId", {
        value: auth.userPoolClient.userPoolClientId,
        description: "App client id a frontend signs in with (the JWT audience)",
      });
    }
  }

  private encryptionKey(props: UploadBrokerStackProps) {
    if (props.kmsKeyArn !== undefined) return Key.fromKeyArn(this, "UploadsKey", props.kmsKeyArn);
    if (!props.kmsEncryption) return undefined;
    return new Key(this, "UploadsKey", {
      description: "upload-broker: encrypts the upload bucket (SSE-KMS with S3 Bucket Keys)",
      enableKeyRotation: true,
      // Objects encrypted with it are unreadable without it: it outlives the stack like the bucket does.
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }

  private hostedZone(props: UploadBrokerStackProps): IHostedZone {
    if (!props.hostedZoneName) throw new ConfigError("hostedZoneId needs hostedZoneName (the zone's domain, e.g. example.com).");
    return HostedZone.fromHostedZoneAttributes(this, "HostedZone", { hostedZoneId: props.hostedZoneId!, zoneName: props.hostedZoneName });
  }
}
