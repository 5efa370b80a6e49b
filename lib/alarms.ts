import { Alarm, ComparisonOperator, TreatMissingData, type IMetric } from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import type { Construct } from "constructs";

export interface AlarmOnAnyProps {
  /** What went wrong and what to do, shown with the alarm. */
  readonly description: string;
  /** A count over a period (errors, 5xx, visible messages). */
  readonly metric: IMetric;
  /** Where the alarm notifies. @default - no action; the alarm shows in the console */
  readonly topic?: ITopic;
}

/** The broker's one kind of alarm: any occurrence in a period is worth a look. */
export function alarmOnAny(scope: Construct, id: string, props: AlarmOnAnyProps): Alarm {
  const alarm = new Alarm(scope, id, {
    alarmDescription: props.description,
    metric: props.metric,
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
  if (props.topic) alarm.addAlarmAction(new SnsAction(props.topic));
  return alarm;
}
