import { Match } from "aws-cdk-lib/assertions";
import { afterAll, describe, expect, it } from "vitest";
import { DEMO_PROFILES } from "../../functions/domain/demo-profiles.js";
import { profilesEnvironment } from "../../functions/config.js";
import { httpEntries } from "../../functions/routes.js";
import { EVENT_ENTRIES, functionEntries } from "../../lib/upload-function.js";
import { logicalId, synthBroker, ORIGINS } from "./synth.js";

/** The default stack with two browser origins: functions, alarms, outputs. */
const { template, stack, cleanup } = synthBroker({ corsOrigins: ORIGINS });
afterAll(cleanup);
const id = logicalId;

describe("functions", () => {
  it("one per Lambda entry of the route table and per event entry, each Node.js 22 on ARM64 with the bucket, table and validated profiles in its environment", () => {
    const functions = Object.values(stack.broker.functions);
    expect(Object.keys(stack.broker.functions).sort()).toEqual(functionEntries().sort());
    expect(functionEntries().sort()).toEqual([...httpEntries(), ...EVENT_ENTRIES].sort());
    // Ours, and CDK's S3 notifications handler (Python, not an upload-broker entry).
    const all = Object.values(template.findResources("AWS::Lambda::Function"));
    expect(all.filter((f) => f.Properties.Runtime === "nodejs22.x")).toHaveLength(functionEntries().length);
    expect(all).toHaveLength(functionEntries().length + 1);
    for (const fn of functions) {
      template.hasResourceProperties("AWS::Lambda::Function", {
        FunctionName: Match.absent(),
        Role: { "Fn::GetAtt": [id(fn.role), "Arn"] },
        Runtime: "nodejs22.x",
        Architectures: ["arm64"],
        Handler: "index.handler",
        LoggingConfig: { LogGroup: { Ref: id(fn.logGroup) }, LogFormat: "JSON", ApplicationLogLevel: "INFO" },
        Environment: {
          Variables: Match.objectLike({
            BUCKET_NAME: { Ref: id(stack.broker.bucket) },
            TABLE_NAME: { Ref: id(stack.broker.table) },
            // Validated at synth, with their checksum, so the functions take them without parsing again.
            ...profilesEnvironment(DEMO_PROFILES),
            // --enable-source-maps would parse the map on every cold start.
            NODE_OPTIONS: Match.absent(),
          }),
        },
      });
    }
  });

  it("log to their own log groups with a retention", () => {
    const groups = template.findResources("AWS::Logs::LogGroup");
    for (const fn of Object.values(stack.broker.functions)) {
      expect(groups[id(fn.logGroup)]).toMatchObject({ Properties: { RetentionInDays: 30 }, DeletionPolicy: "Retain" });
    }
  });

  it("have sensible memory and timeouts", () => {
    const fns = template.findResources("AWS::Lambda::Function");
    // Event handlers work through a batch; HTTP functions answer within API Gateway's 30 s.
    for (const entry of functionEntries()) {
      const fn = fns[id(stack.broker.functions[entry].function)];
      const timeout = (EVENT_ENTRIES as readonly string[]).includes(entry) ? 30 : 10;
      // 512 MB where the bench's memory table recommends it in every run (docs/performance.md).
      const memory = ["multipart", "uppy", "list-uploads"].includes(entry) ? 512 : 256;
      expect(fn?.Properties, entry).toMatchObject({ MemorySize: memory, Timeout: timeout });
    }
  });
});

describe("alarms", () => {
  it("fire on any error of each function", () => {
    expect(Object.keys(stack.broker.functions).sort()).toEqual(functionEntries().sort());
    for (const fn of Object.values(stack.broker.functions)) {
      expect(fn.errorsAlarm).toBeDefined();
      template.hasResourceProperties("AWS::CloudWatch::Alarm", {
        Namespace: "AWS/Lambda",
        MetricName: "Errors",
        Dimensions: [{ Name: "FunctionName", Value: { Ref: id(fn.function) } }],
        Statistic: "Sum",
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        TreatMissingData: "notBreaching",
      });
    }
  });

  it("fire as soon as one message waits in the S3 events' dead-letter queue or the completion events' failure queue", () => {
    for (const queue of [stack.broker.deadLetterQueue, stack.broker.completionEvents.failureQueue]) {
      template.hasResourceProperties("AWS::CloudWatch::Alarm", {
        Namespace: "AWS/SQS",
        MetricName: "ApproximateNumberOfMessagesVisible",
        Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [id(queue), "QueueName"] } }],
        Statistic: "Maximum",
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
      });
    }
  });

  it("fire on any 5xx answer of the API", () => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/ApiGateway",
      MetricName: "5xx",
      Dimensions: [{ Name: "ApiId", Value: { Ref: id(stack.broker.api.api) } }],
      Threshold: 1,
    });
  });
});

describe("outputs", () => {
  it("name the API URL, bucket, table, dead-letter queue, event bus, user pool and client (no webhook secret without a webhook)", () => {
    const outputs = template.findOutputs("*");
    expect(Object.keys(outputs).sort()).toEqual(
      ["ApiUrl", "BucketName", "DeadLetterQueueUrl", "EventBusName", "TableName", "UserPoolClientId", "UserPoolId"].sort(),
    );
    template.hasOutput("EventBusName", { Value: "default" });
    template.hasOutput("DeadLetterQueueUrl", { Value: { Ref: id(stack.broker.deadLetterQueue) } });
    template.hasOutput("BucketName", { Value: { Ref: id(stack.broker.bucket) } });
    template.hasOutput("TableName", { Value: { Ref: id(stack.broker.table) } });
    template.hasOutput("UserPoolClientId", { Value: { Ref: id(stack.broker.auth.userPoolClient!) } });
    template.hasOutput("ApiUrl", { Value: { "Fn::Join": ["", Match.arrayWith(["https://", { Ref: id(stack.broker.api.api) }])] } });
  });
});
