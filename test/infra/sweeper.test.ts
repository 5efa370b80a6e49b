import { Match } from "aws-cdk-lib/assertions";
import { afterAll, describe, expect, it } from "vitest";
import { TICKET_TABLE } from "../../functions/adapters/ticket-table.js";
import { streamFilters } from "../../lib/completion-events.js";
import { EVENT_ENTRIES } from "../../lib/upload-function.js";
import { logicalId, statementsOfRole, synthBroker } from "./synth.js";

const { template, stack, cleanup } = synthBroker();
afterAll(cleanup);
const broker = stack.broker;
const sweep = broker.functions.sweep;

describe("the sweeper", () => {
  it("is an event entry, run every 15 minutes by EventBridge Scheduler", () => {
    expect(EVENT_ENTRIES).toContain("sweep");
    template.hasResourceProperties("AWS::Scheduler::Schedule", {
      ScheduleExpression: "rate(15 minutes)",
      State: "ENABLED",
      Target: { Arn: { "Fn::GetAtt": [logicalId(sweep.function), "Arn"] }, RetryPolicy: { MaximumRetryAttempts: 0 } },
    });
  });

  it("finds pending tickets through the sparse, keys-only pendingByExpiry index", () => {
    template.hasResourceProperties("AWS::DynamoDB::Table", {
      GlobalSecondaryIndexes: Match.arrayWith([
        {
          IndexName: TICKET_TABLE.sweepIndex,
          KeySchema: [
            { AttributeName: "sweepShard", KeyType: "HASH" },
            { AttributeName: "expiresAt", KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "KEYS_ONLY" },
        },
      ]),
    });
  });

  it("is granted exactly what it uses: the index, the ticket, the objects under uploads/, one prefix listing", () => {
    const table = { "Fn::GetAtt": [logicalId(broker.table), "Arn"] };
    const bucket = { "Fn::GetAtt": [logicalId(broker.bucket), "Arn"] };
    const statements = statementsOfRole(template, logicalId(sweep.role)).filter((s) => !s.Action.some((a) => a.startsWith("logs:")));
    expect(statements).toEqual(
      expect.arrayContaining([
        { Effect: "Allow", Action: ["dynamodb:Query"], Resource: { "Fn::Join": ["", [table, "/index/pendingByExpiry"]] } },
        { Effect: "Allow", Action: ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:UpdateItem"], Resource: table },
        { Effect: "Allow", Action: ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject"], Resource: { "Fn::Join": ["", [bucket, "/uploads/*"]] } },
        { Effect: "Allow", Action: ["s3:ListBucket"], Resource: bucket, Condition: { StringLike: { "s3:prefix": ["uploads/*"] } } },
      ]),
    );
    expect(statements).toHaveLength(4);
  });

  it("alarms on its errors and on any rescue (a lost S3 event)", () => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "Errors",
      Dimensions: [{ Name: "FunctionName", Value: { Ref: logicalId(sweep.function) } }],
      Threshold: 1,
    });
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "UploadBroker",
      MetricName: "UploadsRescued",
      Dimensions: [{ Name: "service", Value: "upload-broker" }],
      Statistic: "Sum",
      Period: 900,
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      TreatMissingData: "notBreaching",
    });
  });
});

describe("metrics an operator can read", () => {
  it("counts new pending tickets from the stream: the insert filter lets them through", () => {
    const inserted = streamFilters().map((f) => JSON.stringify(f.pattern)).find((p) => p.includes("OldImage") && p.includes("exists"));
    expect(inserted).toContain("pending");
  });

  it("counts quota refusals from the API access log, leaving the stage's own throttling out", () => {
    template.hasResourceProperties("AWS::Logs::MetricFilter", {
      LogGroupName: { Ref: logicalId(broker.api.accessLogs) },
      FilterPattern: '{ ($.status = "429") && ($.integrationLatency != "-") }',
      MetricTransformations: [{ MetricNamespace: "UploadBroker", MetricName: "QuotaRefusals", MetricValue: "1", Dimensions: [{ Key: "route", Value: "$.routeKey" }] }],
    });
  });

  it("shows them on one dashboard beside the API's latency and errors and the dead-letter queue's depth", () => {
    const dashboards = Object.values(template.findResources("AWS::CloudWatch::Dashboard"));
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(stack.resolve(dashboards[0]!.Properties.DashboardBody));
    for (const name of ["TicketsIssued", "UploadsCompleted", "UploadsRejected", "reasonClass", "UploadsAborted", "UploadsRescued", "QuotaRefusals"]) expect(body).toContain(name);
    expect(body).toContain("{UploadBroker,profile,service}");
    for (const name of ["AWS/ApiGateway", "Latency", "5xx", "4xx", "ApproximateNumberOfMessagesVisible"]) expect(body).toContain(name);
    expect(body).toContain(logicalId(broker.deadLetterQueue));
  });
});
