import { Duration, Token, Validations } from "aws-cdk-lib";
import type { Alarm } from "aws-cdk-lib/aws-cloudwatch";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import { EventBus, Rule, type IEventBus } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { FilterCriteria, FilterRule, StartingPosition, type Function as LambdaFunctionResource, type IFunction } from "aws-cdk-lib/aws-lambda";
import { DynamoEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import { Secret, type ISecret } from "aws-cdk-lib/aws-secretsmanager";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import { Queue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { DETAIL_TYPES, EVENT_SOURCE, EVENT_STATUSES } from "../functions/domain/events.js";
import { ConfigError } from "../functions/errors.js";
import { alarmOnAny } from "./alarms.js";
import { FailureQueue } from "./failure-queue.js";
import { DEAD_LETTER_QUEUE_PROPS } from "./secure-defaults.js";

/** Lambda's retries of a failed delivery (its most): one minute after the first attempt, two after the second. */
export const WEBHOOK_RETRY_ATTEMPTS = 2;

export interface CompletionEventsProps {
  /** The ticket table; it must have a stream with new and old images (`TicketTable` makes one). */
  readonly table: ITable;
  /** The publish-events function: reads the stream, puts the events on the bus. */
  readonly publishFunction: IFunction;
  /** Where events are published. @default - the account's default event bus */
  readonly eventBus?: IEventBus;
  /** Stream records per invocation. @default 50 */
  readonly batchSize?: number;
  /** Retries of a failed batch (bisected) before it is reported to the on-failure queue. @default 5 */
  readonly retryAttempts?: number;
  /**
   * An HTTPS endpoint that receives every event as JSON, by POST, signed by the Standard
   * Webhooks scheme (docs/api.md, "Webhooks"), from `webhookFunction`. Checked at synth:
   * `https://`, no credentials in it. @default - no webhook
   */
  readonly webhookUrl?: string;
  /**
   * The signing secret: its whole secret string is a Standard Webhooks secret, `whsec_` and the
   * base64 of at least 24 random bytes, or that base64 alone. Never a plain string: it stays in
   * Secrets Manager and the template only references it.
   * @default - with `webhookUrl`, a new secret with a generated value (64 random letters and
   *   digits, base64 of 48 bytes); the receiver reads it there (`webhookSecret.secretArn`)
   */
  readonly webhookSecret?: ISecret;
  /** The deliver-webhook function; required with `webhookUrl`, which configures it. */
  readonly webhookFunction?: LambdaFunctionResource;
  /** Where the failure alarms notify. @default - no action; the alarms show in the console */
  readonly alarmTopic?: ITopic;
  /**
   * The publish function also serves public files: it must hear of every change of a completed
   * ticket too (see `streamFilters`). @default false
   */
  readonly servesFiles?: boolean;
}

/**
 * Completion events (docs/api.md, "Completion events"): the ticket table's stream feeds the
 * publish function, which puts one event per change to a final status on the bus, so a change
 * is published even if the function that made it crashed right after. Lambda filters the
 * stream first, so only such changes invoke the function. A batch that keeps failing is
 * bisected, retried, then reported to an encrypted queue, and an alarm fires. With
 * `webhookUrl`, a rule hands the same events to the deliver-webhook function, which signs and
 * POSTs each one; a delivery that keeps failing lands in a dead-letter queue with an alarm of
 * its own.
 */
export class CompletionEvents extends Construct {
  readonly eventBus: IEventBus;
  /** Where a stream batch that could not be published is reported (its position, not its data). */
  readonly failureQueue: Queue;
  readonly failureAlarm: Alarm;
  /** The webhook's signing secret, with `webhookUrl`. */
  readonly webhookSecret?: ISecret;
  /** Events the webhook did not accept after every retry. */
  readonly webhookDeadLetterQueue?: Queue;
  readonly webhookAlarm?: Alarm;

  constructor(scope: Construct, id: string, props: CompletionEventsProps) {
    super(scope, id);
    if (!props.table.tableStreamArn) {
      throw new ConfigError("CompletionEvents: the table has no stream; completion events need one with NEW_AND_OLD_IMAGES.");
    }
    if (props.webhookSecret && props.webhookUrl === undefined) {
      throw new ConfigError("CompletionEvents: webhookSecret is only used with webhookUrl.");
    }
    if (props.webhookUrl !== undefined) checkWebhookUrl(props.webhookUrl);
    if (props.webhookUrl !== undefined && !props.webhookFunction) throw new ConfigError("CompletionEvents: webhookUrl needs webhookFunction (the deliver-webhook function).");
    this.eventBus = props.eventBus ?? EventBus.fromEventBusName(this, "DefaultBus", "default");

    this.failureQueue = queue(this, "FailureQueue", "the publish function's on-failure destination");
    props.publishFunction.addEventSource(
      new DynamoEventSource(props.table, {
        // From the oldest record the stream still holds: a deployment misses no change.
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: props.batchSize ?? 50,
        bisectBatchOnError: true,
        retryAttempts: props.retryAttempts ?? 5,
        reportBatchItemFailures: true,
        onFailure: new FailureQueue(this.failureQueue),
        filters: streamFilters(props.servesFiles),
      }),
    );
    this.eventBus.grantPutEventsTo(props.publishFunction);
    if (props.publishFunction.role) {
      Validations.of(props.publishFunction.role).acknowledge({
        id: "AwsSolutions-IAM5[Resource::*]",
        reason:
          "dynamodb:ListStreams, added by the DynamoDB event source, has no resource-level permissions (IAM only accepts *); it lists stream ARNs, never data. Reading the stream itself is granted on this table's stream only.",
      });
    }
    this.failureAlarm = alarmOnAny(this, "FailureAlarm", {
      description:
        "upload-broker: ticket changes could not be published as completion events after retries; the message names the stream records. Fix the cause, then replay them from the stream (24 h) or from the table.",
      metric: this.failureQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: "Maximum" }),
      ...(props.alarmTopic ? { topic: props.alarmTopic } : {}),
    });

    if (props.webhookUrl !== undefined) {
      this.webhookSecret = props.webhookSecret ?? generatedSecret(this);
      this.webhookDeadLetterQueue = queue(this, "WebhookDeadLetterQueue", "the webhook rule target's dead-letter queue");
      this.webhookAlarm = this.webhook(props.webhookUrl, props.webhookFunction!, this.webhookSecret, this.webhookDeadLetterQueue, props);
    }
  }

  private webhook(url: string, deliverer: LambdaFunctionResource, secret: ISecret, deadLetterQueue: Queue, props: CompletionEventsProps): Alarm {
    deliverer.addEnvironment("WEBHOOK_URL", url);
    deliverer.addEnvironment("WEBHOOK_SECRET_ARN", secret.secretFullArn ?? secret.secretArn);
    // What the function reads, and nothing else: no DescribeSecret (grantRead's), no other secret.
    // An imported secret known by its name has an ARN with six more characters after it.
    deliverer.addToRolePolicy(
      new PolicyStatement({ actions: ["secretsmanager:GetSecretValue"], resources: [secret.secretFullArn ?? `${secret.secretArn}-??????`] }),
    );
    secret.encryptionKey?.grant(deliverer, "kms:Decrypt");
    // EventBridge invokes the function asynchronously: its own retry policy covers an invoke that
    // fails (Lambda throttled or unavailable); a delivery that fails is retried by Lambda, then
    // reported to the same queue (the on-failure record names the event, for replay-dlq).
    deliverer.configureAsyncInvoke({ retryAttempts: WEBHOOK_RETRY_ATTEMPTS, maxEventAge: Duration.hours(6), onFailure: new FailureQueue(deadLetterQueue) });
    new Rule(this, "WebhookRule", {
      description: "upload-broker completion events to the webhook",
      eventBus: this.eventBus,
      eventPattern: { source: [EVENT_SOURCE], detailType: Object.values(DETAIL_TYPES) },
      targets: [new LambdaFunction(deliverer, { deadLetterQueue, retryAttempts: 185, maxEventAge: Duration.hours(24) })],
    });
    return alarmOnAny(this, "WebhookAlarm", {
      description:
        "upload-broker: the webhook did not accept a completion event after every retry; it is in the webhook dead-letter queue. Fix the receiver, then resend it (npm run replay-dlq).",
      metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: "Maximum" }),
      ...(props.alarmTopic ? { topic: props.alarmTopic } : {}),
    });
  }
}

/**
 * Lambda's stream filters (OR'ed; five is the default quota): per final status, a change from
 * another status to it, and one for a ticket inserted (pending, counted as issued, or in a final status). Only the `dynamodb`
 * key is matched (what Lambda documents for DynamoDB sources): a MODIFY record has both
 * images, an INSERT only the new one, a REMOVE (TTL) none with a status, so no eventName is needed.
 * `anything-but` never matches a missing field, so the MODIFY filters miss inserts.
 *
 * With `servesFiles`, the served copy of a completed ticket must follow it wherever it goes
 * (completed again with other bytes, back to scanning): every change to or from `completed`, any
 * change from pending or scanning to another final status, and inserts. Still four filters.
 */
export function streamFilters(servesFiles = false): Array<Record<string, unknown>> {
  const changedTo = (status: string) =>
    FilterCriteria.filter({
      dynamodb: { NewImage: { status: { S: FilterRule.isEqual(status) } }, OldImage: { status: { S: FilterRule.notEquals(status) } } },
    });
  const inserted = FilterCriteria.filter({
    // `pending` too: a new ticket is counted as issued (the sign functions stay free of a metrics library).
    dynamodb: { NewImage: { status: { S: FilterRule.or(...EVENT_STATUSES, "pending") } }, OldImage: { status: { S: FilterRule.notExists() } } },
  });
  if (!servesFiles) return [...EVENT_STATUSES.map(changedTo), inserted];
  const others = EVENT_STATUSES.filter((s) => s !== "completed");
  return [
    FilterCriteria.filter({ dynamodb: { NewImage: { status: { S: FilterRule.isEqual("completed") } } } }),
    FilterCriteria.filter({ dynamodb: { OldImage: { status: { S: FilterRule.isEqual("completed") } } } }),
    FilterCriteria.filter({ dynamodb: { NewImage: { status: { S: FilterRule.or(...others) } }, OldImage: { status: { S: FilterRule.or("pending", "scanning") } } } }),
    inserted,
  ];
}

function checkWebhookUrl(url: string): void {
  if (Token.isUnresolved(url)) return; // a deploy-time value; CloudFormation checks it
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`CompletionEvents: webhookUrl is not a URL: ${url}`);
  }
  if (parsed.protocol !== "https:") throw new ConfigError(`CompletionEvents: webhookUrl must be an https URL, not ${parsed.protocol}//…`);
  if (parsed.username || parsed.password) {
    throw new ConfigError("CompletionEvents: webhookUrl must not carry credentials; deliveries are signed with webhookSecret instead.");
  }
}

function queue(scope: Construct, id: string, what: string): Queue {
  const q = new Queue(scope, id, DEAD_LETTER_QUEUE_PROPS);
  Validations.of(q).acknowledge({
    id: "AwsSolutions-SQS3",
    reason: `This queue is itself ${what}; nothing consumes it automatically, so a dead-letter queue of its own would add nothing.`,
  });
  return q;
}

/**
 * Secrets Manager generates characters, not a prefix: 64 letters and digits are valid base64
 * (of 48 bytes, ~380 bits of entropy), which the deliverer and `verifyWebhook` take as the
 * Standard Webhooks secret `whsec_<value>`.
 */
function generatedSecret(scope: Construct): Secret {
  const secret = new Secret(scope, "WebhookSecret", {
    description: "upload-broker: the key every webhook delivery is signed with (Standard Webhooks, whsec_ prefix optional); the receiver reads it here and verifies.",
    generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
  });
  Validations.of(secret).acknowledge({
    id: "AwsSolutions-SMG4",
    reason:
      "The webhook's signing secret is shared with a receiver outside AWS, which reads it from this secret; automatic rotation would break verification until the receiver follows, so it is rotated on purpose, by the operator (docs/operations.md).",
  });
  return secret;
}
