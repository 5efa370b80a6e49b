import { Duration, Stack, Validations } from "aws-cdk-lib";
import { Metric, type Alarm } from "aws-cdk-lib/aws-cloudwatch";
import { Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { Schedule, ScheduleExpression } from "aws-cdk-lib/aws-scheduler";
import { LambdaInvoke } from "aws-cdk-lib/aws-scheduler-targets";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";
import { METRIC, METRICS_NAMESPACE, METRICS_SERVICE } from "../functions/domain/ticket-metrics.js";
import { alarmOnAny } from "./alarms.js";

export interface SweeperProps {
  /** The sweep function. */
  readonly sweepFunction: IFunction;
  /** How often it runs. @default Duration.minutes(15) */
  readonly every?: Duration;
  /** Where the rescue alarm notifies. @default - no action */
  readonly alarmTopic?: ITopic;
}

/**
 * Runs the sweeper on an EventBridge Scheduler schedule, and alarms on every rescue: a pending
 * ticket whose object was there but never recorded means S3 events are being lost (the sweep
 * function's own errors are alarmed by `UploadFunction`).
 */
export class Sweeper extends Construct {
  readonly schedule: Schedule;
  readonly rescueAlarm: Alarm;

  constructor(scope: Construct, id: string, props: SweeperProps) {
    super(scope, id);
    const every = props.every ?? Duration.minutes(15);
    const role = new Role(this, "ScheduleRole", { assumedBy: new ServicePrincipal("scheduler.amazonaws.com"), description: "Lets the upload-broker schedule invoke the sweep function" });
    const { "Fn::GetAtt": [fnId] = [] } = Stack.of(this).resolve(props.sweepFunction.functionArn) as { "Fn::GetAtt"?: [string, string] };
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${fnId}.Arn>:*]`,
      reason: "lambda:InvokeFunction on the sweep function and its versions (`:*`, as CDK's grantInvoke writes it); it can invoke nothing else.",
    });
    this.schedule = new Schedule(this, "Schedule", {
      description: "upload-broker: sweep pending tickets past their expiry (rescue lost S3 events)",
      schedule: ScheduleExpression.rate(every),
      // A missed run is made up by the next one: the sweep is idempotent and catches up.
      target: new LambdaInvoke(props.sweepFunction, { role, retryAttempts: 0, maxEventAge: Duration.minutes(15) }),
    });
    this.rescueAlarm = alarmOnAny(this, "RescueAlarm", {
      description:
        "upload-broker: the sweeper found uploads whose S3 event never got recorded and recorded them itself. S3 notifications are being lost or failing: check the record function, its dead-letter queue and the bucket's notification configuration.",
      metric: rescuedMetric(every),
      ...(props.alarmTopic ? { topic: props.alarmTopic } : {}),
    });
  }
}

/** All rescues of all profiles (the sweeper emits the total with the service dimension only). */
export const rescuedMetric = (period = Duration.minutes(15)) =>
  new Metric({ namespace: METRICS_NAMESPACE, metricName: METRIC.rescued, dimensionsMap: { service: METRICS_SERVICE }, statistic: "Sum", period });
