import { CfnOutput, Stack, type StackProps } from "aws-cdk-lib";
import { EventBus } from "aws-cdk-lib/aws-events";
import { Topic } from "aws-cdk-lib/aws-sns";
import type { Construct } from "constructs";
import { UploadBroker, type UploadBrokerProps } from "./upload-broker.js";

export interface UploadBrokerStackProps extends StackProps, UploadBrokerProps {
  /** An existing SNS topic every alarm notifies (ignored when `alarmTopic` is given). @default - alarms without actions */
  readonly alarmTopicArn?: string;
  /** The name of an existing event bus completion events go to (ignored when `eventBus` is given). @default - the default bus */
  readonly eventBusName?: string;
}

/** The deployable stack: one `UploadBroker` and the outputs a frontend and an operator need. */
export class UploadBrokerStack extends Stack {
  readonly broker: UploadBroker;

  constructor(scope: Construct, id: string, props: UploadBrokerStackProps = {}) {
    super(scope, id, props);
    const alarmTopic = props.alarmTopic ?? (props.alarmTopicArn ? Topic.fromTopicArn(this, "AlarmTopic", props.alarmTopicArn) : undefined);
    const eventBus = props.eventBus ?? (props.eventBusName ? EventBus.fromEventBusName(this, "EventBus", props.eventBusName) : undefined);
    this.broker = new UploadBroker(this, "UploadBroker", { ...props, ...(alarmTopic ? { alarmTopic } : {}), ...(eventBus ? { eventBus } : {}) });
    const { api, auth, bucket, table, deadLetterQueue } = this.broker;

    new CfnOutput(this, "ApiUrl", { value: api.url, description: "Base URL of the HTTP API" });
    new CfnOutput(this, "BucketName", { value: bucket.bucketName, description: "Bucket the uploads land in (retained by default)" });
    new CfnOutput(this, "TableName", { value: table.tableName, description: "DynamoDB table of upload tickets (retained by default)" });
    new CfnOutput(this, "DeadLetterQueueUrl", {
      value: deadLetterQueue.queueUrl,
      description: "S3 events the record function could not process after retries",
    });
    new CfnOutput(this, "EventBusName", { value: this.broker.completionEvents.eventBus.eventBusName, description: "Where completion events (source upload-broker) are published" });
    if (this.broker.completionEvents.webhookSecret) {
      new CfnOutput(this, "WebhookSecretArn", {
        value: this.broker.completionEvents.webhookSecret.secretArn,
        description: "Secrets Manager secret holding the API key the webhook receives as x-api-key",
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
}
