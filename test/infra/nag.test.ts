import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { RemovalPolicy, Validations, type App } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import type { IConstruct } from "constructs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UploadBrokerStack } from "../../lib/upload-broker-stack.js";
import { testApp } from "./synth.js";

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
    result = synthWithNag(app, test.outdir);
  });
  afterAll(() => cleanup());

  it("reports no unacknowledged error or warning in either auth mode", () => {
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
    expect([...rules].sort()).toEqual(["AwsSolutions-APIG4", "AwsSolutions-COG2", "AwsSolutions-COG8", "AwsSolutions-IAM4", "AwsSolutions-IAM5", "AwsSolutions-L1", "AwsSolutions-S1", "AwsSolutions-SQS3"]);
  });

  it("acknowledges the uploads/* wildcard only, never a bare '*'", () => {
    const iam5 = acknowledgments(app).filter((a) => a.id.includes("IAM5"));
    expect(iam5.length).toBe(6); // sign-put, sign-post, record-upload in two stacks
    for (const ack of iam5) expect(ack.id).toMatch(/\[Resource::<[A-Za-z0-9]+\.Arn>\/uploads\/\*\]$/);
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
