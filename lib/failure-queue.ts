import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { DlqDestinationConfig, IDestination, IEventSourceDlq, IEventSourceMapping, IFunction, DestinationConfig } from "aws-cdk-lib/aws-lambda";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";

/**
 * An SQS queue as a function's on-failure destination (asynchronous invocations) or its event
 * source mapping's on-failure destination, granting the function's role only what Lambda uses to
 * deliver there: `sqs:SendMessage` on that queue. aws-cdk-lib's `SqsDestination` and `SqsDlq`
 * grant `grantSendMessages`, which adds `sqs:GetQueueAttributes` and `sqs:GetQueueUrl` that no
 * delivery makes (the deployed-stack rehearsal records every call made with the role). A queue
 * encrypted with a customer-managed key also needs that key for sending; the stack's own queues are
 * SQS-managed encrypted and need none.
 */
export class FailureQueue implements IDestination, IEventSourceDlq {
  constructor(private readonly queue: IQueue) {}

  /** For `configureAsyncInvoke({ onFailure })`. */
  bind(scope: Construct, fn: IFunction): DestinationConfig;
  /** For an event source's `onFailure`. */
  bind(target: IEventSourceMapping, targetHandler: IFunction): DlqDestinationConfig;
  bind(_scope: Construct | IEventSourceMapping, fn: IFunction): DestinationConfig & DlqDestinationConfig {
    fn.addToRolePolicy(new PolicyStatement({ actions: ["sqs:SendMessage"], resources: [this.queue.queueArn] }));
    this.queue.encryptionMasterKey?.grant(fn, "kms:GenerateDataKey", "kms:Decrypt");
    return { destination: this.queue.queueArn };
  }
}
