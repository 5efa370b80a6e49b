import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { RemovalPolicy, Validations, type App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import type { IConstruct } from "constructs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UploadBrokerStack } from "../../lib/upload-broker-stack.js";
import { functionEntries, type FunctionEntry } from "../../lib/upload-function.js";
import { logicalId, testApp } from "./synth.js";

interface Violation {
  ruleName: string;
  severity: string;
  description: string;
  violatingConstructs: Array<{ constructPath: string }>;
}
interface ValidationReport {
  pluginReports: Array<{ pluginName: string; violations: Violation[] }>;
}

/** Synthesizes with the AwsSolutions pack; returns the CDK validation report (errors and warnings). */
function synthWithNag(app: App, outdir: string): { report: ValidationReport; thrown?: unknown } {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  let thrown: unknown;
  try {
    app.synth();
  } catch (error) {
    thrown = error; // errors fail synthesis; the report is written first
  }
  const file = join(outdir, "validation-report.json");
  return { report: existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as ValidationReport) : { pluginReports: [] }, thrown };
}

const nagFindings = (report: ValidationReport) =>
  report.pluginReports
    .filter((r) => r.pluginName === "AwsSolutions")
    .flatMap((r) => r.violations)
    .flatMap((v) => v.violatingConstructs.map((c) => `${v.severity} ${v.ruleName} at ${c.constructPath}: ${v.description}`));

/** Every acknowledgment (suppression) recorded under a construct: rule id → reason. */
function acknowledgments(root: IConstruct): Array<{ path: string; id: string; reason: string }> {
  return root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ path: c.node.path, id, reason }))),
  );
}

describe("cdk-nag AwsSolutions", () => {
  let cleanup: () => void;
  let app: App;
  let result: ReturnType<typeof synthWithNag>;
  let stacks: UploadBrokerStack[];

  beforeAll(() => {
    const test = testApp();
    ({ app, cleanup } = test);
    // Both auth modes and both removal policies, in one synthesis.
    new UploadBrokerStack(app, "Cognito", { corsOrigins: ["https://app.example.com"] });
    new UploadBrokerStack(app, "Oidc", {
      jwtIssuer: "https://example.eu.auth0.com/",
      jwtAudience: ["https://uploads.example.com"],
      removalPolicy: RemovalPolicy.DESTROY,
      alarmTopicArn: "arn:aws:sns:eu-west-1:123456789012:ops",
    });
    // Completion events to a bus of the deployer's and a webhook (secret, rule, deliver-webhook's retries and dead-letter queue).
    new UploadBrokerStack(app, "Webhook", { eventBusName: "upload-events", webhookUrl: "https://hooks.example.com/uploads" });
    result = synthWithNag(app, test.outdir);
    stacks = app.node.children.filter((c): c is UploadBrokerStack => c instanceof UploadBrokerStack);
  });
  afterAll(() => cleanup());

  it("reports no unacknowledged error or warning in either auth mode, with or without a webhook", () => {
    expect(result.thrown).toBeUndefined();
    expect(nagFindings(result.report)).toEqual([]);
  });

  it("acknowledges only named AwsSolutions rules, each with a real reason", () => {
    const acks = acknowledgments(app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      // cdk-nag's documented form, `AwsSolutions-<rule>`, is recorded under CDK's "Annotation" namespace.
      expect(ack.id, ack.path).toMatch(/^Annotation::AwsSolutions-[A-Z]+\d+(\[.+\])?$/);
      expect(ack.reason.length, `${ack.id} at ${ack.path}`).toBeGreaterThanOrEqual(60);
    }
    const rules = new Set(acks.map((a) => a.id.replace(/^Annotation::/, "").replace(/\[.*$/, "")));
    expect([...rules].sort()).toEqual(["AwsSolutions-APIG4", "AwsSolutions-COG2", "AwsSolutions-COG8", "AwsSolutions-IAM4", "AwsSolutions-IAM5", "AwsSolutions-L1", "AwsSolutions-S1", "AwsSolutions-SMG4", "AwsSolutions-SQS3"]);
  });

  it("acknowledges the uploads/* wildcard on exactly the roles granted it, and a bare '*' only on publish-events' role, for ListStreams alone", () => {
    const iam5 = acknowledgments(app).filter((a) => a.id.includes("IAM5"));
    const roleOf = (stack: UploadBrokerStack, entry: FunctionEntry) => stack.broker.functions[entry].role;
    for (const stack of stacks) {
      const template = Template.fromStack(stack);
      const policies = Object.values(template.findResources("AWS::IAM::Policy"));
      const statementsOf = (entry: FunctionEntry) => {
        const ref = JSON.stringify([{ Ref: logicalId(roleOf(stack, entry)) }]);
        return policies
          .filter((p) => JSON.stringify(p.Properties.Roles) === ref)
          .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>);
      };
      const onUploads = functionEntries().filter((entry) => statementsOf(entry).some((s) => JSON.stringify(s.Resource).includes('"/uploads/*"')));
      const acked = iam5.filter((a) => a.path.startsWith(`${stack.stackName}/`));
      const uploadsAcks = acked.filter((a) => /\[Resource::<[A-Za-z0-9]+\.Arn>\/uploads\/\*\]$/.test(a.id));
      const starAcks = acked.filter((a) => a.id.endsWith("[Resource::*]"));
      // The sweep schedule's role: InvokeFunction on the sweep function and its versions (`:*`).
      const invokeAcks = acked.filter((a) => /\[Resource::<[A-Za-z0-9]+\.Arn>:\*\]$/.test(a.id));
      expect(invokeAcks.map((a) => a.path), stack.stackName).toEqual([`${stack.broker.sweeper.node.path}/ScheduleRole`]);
      expect(uploadsAcks.length + starAcks.length + invokeAcks.length, stack.stackName).toBe(acked.length); // no other IAM5 acknowledgment
      expect(uploadsAcks.map((a) => a.path).sort(), stack.stackName).toEqual(onUploads.map((e) => roleOf(stack, e).node.path).sort());
      expect(onUploads.length).toBeGreaterThan(0);
      // The one acknowledged bare '*': publish-events' role, whose only statement on '*' is dynamodb:ListStreams.
      expect(starAcks.map((a) => a.path), stack.stackName).toEqual([roleOf(stack, "publish-events").node.path]);
      expect(starAcks[0]!.reason).toContain("dynamodb:ListStreams");
      const onStar = policies.flatMap((p) =>
        (p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>)
          .filter((s) => [s.Resource].flat().includes("*"))
          .map((s) => ({ roles: p.Properties.Roles, actions: [s.Action].flat() })),
      );
      expect(onStar, stack.stackName).toEqual([{ roles: [{ Ref: logicalId(roleOf(stack, "publish-events")) }], actions: ["dynamodb:ListStreams"] }]);
    }
  });

  it("does find the errors and warnings of a weakened stack (the check is live)", () => {
    const weak = testApp();
    new UploadBrokerStack(weak.app, "Weak", {
      serverAccessLogs: false,
      tableProps: { pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: false } },
    });
    const { report, thrown } = synthWithNag(weak.app, weak.outdir);
    weak.cleanup();
    expect(thrown).toBeDefined();
    expect(nagFindings(report).sort()).toEqual([
      expect.stringMatching(/^error AwsSolutions-S1 at Weak\/UploadBroker\/Uploads\/Bucket\/Resource: /),
      expect.stringMatching(/^warning AwsSolutions-DDB3 at Weak\/UploadBroker\/Tickets\/Table\/Resource: /),
    ]);
  });
});
