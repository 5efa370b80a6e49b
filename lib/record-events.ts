import { Duration, Stack, Validations } from "aws-cdk-lib";
import type { Alarm } from "aws-cdk-lib/aws-cloudwatch";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { EventType, type IBucket } from "aws-cdk-lib/aws-s3";
import { LambdaDestination } from "aws-cdk-lib/aws-s3-notifications";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import { Queue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { FailureQueue } from "./failure-queue.js";
import { alarmOnAny } from "./alarms.js";
import { UPLOADS_PREFIX } from "../functions/domain/limits.js";
import { DEAD_LETTER_QUEUE_PROPS } from "./secure-defaults.js";

export interface RecordEventsProps {
  /** The bucket whose `ObjectCreated:*` events under `uploads/` are recorded. */
  readonly bucket: IBucket;
  /** The record-upload function. */
  readonly recordFunction: IFunction;
  /** Lambda's own retries of a failed event before it goes to the dead-letter queue. @default 2 */
  readonly retryAttempts?: number;
  /** Where the dead-letter alarm notifies. @default - no action */
  readonly alarmTopic?: ITopic;
}

/**
 * Completed uploads reach the record function as S3 notifications. S3 invokes it
 * asynchronously: Lambda retries a failed event, then parks it in an encrypted dead-letter
 * queue, and an alarm fires as soon as one is there.
 */
export class RecordEvents extends Construct {
  readonly deadLetterQueue: Queue;
  readonly deadLetterAlarm: Alarm;

  constructor(scope: Construct, id: string, props: RecordEventsProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, "DeadLetterQueue", DEAD_LETTER_QUEUE_PROPS);
    Validations.of(this.deadLetterQueue).acknowledge({
      id: "AwsSolutions-SQS3",
      reason: "This queue is itself the dead-letter (on-failure) destination of the record function; nothing consumes it automatically, so a DLQ of a DLQ would add nothing.",
    });
    props.recordFunction.configureAsyncInvoke({
      retryAttempts: props.retryAttempts ?? 2,
      maxEventAge: Duration.hours(6),
      onFailure: new FailureQueue(this.deadLetterQueue),
    });
    props.bucket.addEventNotification(EventType.OBJECT_CREATED, new LambdaDestination(props.recordFunction), {
      prefix: UPLOADS_PREFIX,
    });
    // S3 notifications are set by a singleton custom resource of aws-cdk-lib's own making.
    const handler = Stack.of(this).node.children.find((c) => c.node.id.startsWith("BucketNotificationsHandler"));
    if (handler) {
      Validations.of(handler).acknowledge({
        id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
        reason:
          "aws-cdk-lib's BucketNotificationsHandler is a deploy-time custom resource that only sets this bucket's notification configuration; the managed policy just lets it write its own logs, and a replacement role would still need logs on /aws/lambda/* because the handler's name is generated.",
      });
    }
    this.deadLetterAlarm = alarmOnAny(this, "DeadLetterAlarm", {
      description:
        "upload-broker: an S3 event could not be recorded after retries; its ticket stays pending. Inspect the message, fix the cause, then replay it.",
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: "Maximum" }),
      ...(props.alarmTopic ? { topic: props.alarmTopic } : {}),
    });
  }
}
