import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, RemovalPolicy } from "aws-cdk-lib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../functions/errors.js";
import { stackPropsFromContext } from "../../lib/app-context.js";
import { functionEntries } from "../../lib/upload-function.js";
import { cdkJsonContext } from "./synth.js";

const ROOT = join(import.meta.dirname, "..", "..");
const BAD_PROFILES = [{ name: "avatar", contentTypes: ["image/png"], maxBytes: -5 }];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "upload-broker-context-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fromContext = (context: Record<string, unknown>) => stackPropsFromContext(new App({ context }).node, dir);
const errorOf = (fn: () => unknown): Error => {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error");
};

describe("context keys", () => {
  it("has safe defaults when nothing is given", () => {
    const { stackName, props } = fromContext({});
    expect(stackName).toBe("UploadBroker");
    expect(props).toEqual({ description: expect.any(String) });
  });

  it("reads command-line strings: lists, numbers, enums", () => {
    const { stackName, props } = fromContext({
      stackName: "uploads-dev",
      corsOrigins: "https://app.example.com, http://localhost:5173",
      jwtIssuer: "https://example.eu.auth0.com/",
      jwtAudience: '["https://uploads.example.com","mobile"]',
      logRetentionDays: "14",
      removalPolicy: "destroy",
      throttlingRateLimit: "25",
      throttlingBurstLimit: "50",
      logLevel: "DEBUG",
      alarmTopicArn: "arn:aws:sns:eu-west-1:123456789012:ops-alerts",
      eventBusName: "upload-events",
      webhookUrl: "https://hooks.example.com/uploads",
    });
    expect(stackName).toBe("uploads-dev");
    expect(props).toMatchObject({
      corsOrigins: ["https://app.example.com", "http://localhost:5173"],
      jwtIssuer: "https://example.eu.auth0.com/",
      jwtAudience: ["https://uploads.example.com", "mobile"],
      logRetention: 14,
      removalPolicy: RemovalPolicy.DESTROY,
      throttle: { rateLimit: 25, burstLimit: 50 },
      logLevel: "DEBUG",
      alarmTopicArn: "arn:aws:sns:eu-west-1:123456789012:ops-alerts",
      eventBusName: "upload-events",
      webhookUrl: "https://hooks.example.com/uploads",
    });
  });

  it("reads cdk.json values: arrays and numbers", () => {
    const { props } = fromContext({ corsOrigins: ["https://app.example.com"], throttlingRateLimit: 5, removalPolicy: "retain" });
    expect(props).toMatchObject({ corsOrigins: ["https://app.example.com"], throttle: { rateLimit: 5 }, removalPolicy: RemovalPolicy.RETAIN });
  });

  it("names every bad key", () => {
    const error = errorOf(() =>
      fromContext({ logRetentionDays: "13", removalPolicy: "keep", throttlingBurstLimit: "-1", alarmTopicArn: "ops" }),
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/^Invalid CDK context:/);
    for (const key of ["logRetentionDays", "removalPolicy", "throttlingBurstLimit", "alarmTopicArn"]) expect(error.message).toContain(`  ${key}: `);
  });

  it("refuses a webhook that is not https, and a malformed event bus name, naming each key", () => {
    for (const webhookUrl of ["http://hooks.example.com/uploads", "hooks.example.com/uploads", "ftp://hooks.example.com/"]) {
      const error = errorOf(() => fromContext({ webhookUrl }));
      expect(error, webhookUrl).toBeInstanceOf(ConfigError);
      expect(error.message, webhookUrl).toBe("Invalid CDK context:\n  webhookUrl: must be an https URL");
    }
    const error = errorOf(() => fromContext({ eventBusName: "my bus!" }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe("Invalid CDK context:\n  eventBusName: must be an EventBridge event bus name");
    for (const eventBusName of ["", "x".repeat(257)]) {
      expect(errorOf(() => fromContext({ eventBusName })).message, eventBusName).toContain("  eventBusName: ");
    }
  });
});

describe("profiles from context or file", () => {
  it("validates inline JSON profiles, naming profile and field", () => {
    const error = errorOf(() => fromContext({ profiles: JSON.stringify(BAD_PROFILES) }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/^Invalid upload profiles:\ncontext 'profiles': profile "avatar" \(#0\): maxBytes: /);
    expect(errorOf(() => fromContext({ profiles: "[{" })).message).toMatch(/^context 'profiles' is not valid JSON/);
  });

  it("reads a profiles file relative to the working directory", () => {
    writeFileSync(join(dir, "good.json"), JSON.stringify([{ name: "scan", contentTypes: ["application/pdf"], maxBytes: 1000 }]));
    const { props } = fromContext({ profilesFile: "good.json" });
    expect(props.profiles).toEqual([expect.objectContaining({ name: "scan", minBytes: 1, expiresInSeconds: 300 })]);
  });

  it("names the file, profile and field of a bad profiles file", () => {
    writeFileSync(join(dir, "bad.json"), JSON.stringify(BAD_PROFILES));
    const error = errorOf(() => fromContext({ profilesFile: "bad.json" }));
    expect(error.message).toContain('bad.json: profile "avatar" (#0): maxBytes: ');
    expect(errorOf(() => fromContext({ profilesFile: "missing.json" })).message).toMatch(/missing\.json cannot be read/);
  });

  it("refuses both profiles and profilesFile", () => {
    expect(() => fromContext({ profiles: "[]", profilesFile: "good.json" })).toThrow(/either profiles or profilesFile/);
  });
});

describe("bin/upload-broker.ts", () => {
  const runApp = (context: Record<string, unknown>) => {
    const outdir = join(dir, `out-${Math.random().toString(36).slice(2)}`);
    const result = spawnSync(process.execPath, ["--import", "tsx", "bin/upload-broker.ts"], {
      cwd: ROOT,
      encoding: "utf8",
      env: {
        ...process.env,
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJsonContext(), "aws:cdk:bundling-stacks": [], ...context }),
      },
    });
    return result;
  };

  it("fails with a one-line reason, naming profile and field, on a bad profile", () => {
    const { status, stderr } = runApp({ profiles: JSON.stringify(BAD_PROFILES) });
    expect(status).toBe(1);
    expect(stderr).toContain('upload-broker: Invalid upload profiles:\ncontext \'profiles\': profile "avatar" (#0): maxBytes: ');
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("is synthesized by the pinned CDK CLI through cdk.json, bundles and all, nag-clean", () => {
    const output = join(dir, "cli-out");
    const cdk = join(ROOT, "node_modules", ".bin", "cdk");
    const version = spawnSync(cdk, ["--version"], { cwd: ROOT, encoding: "utf8" });
    expect(version.stdout).toMatch(/^2\.1148\./); // CLI 3.x refuses aws-cdk-lib 2.276 assemblies
    const { status, stderr } = spawnSync(
      cdk,
      ["synth", "--quiet", "--no-notices", "--output", output, "-c", "stackName=Ctx", "-c", "corsOrigins=https://app.example.com,https://admin.example.com"],
      { cwd: ROOT, encoding: "utf8", env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: "true" } },
    );
    expect(stderr).not.toMatch(/AwsSolutions-/);
    expect(status, stderr).toBe(0);
    const template = JSON.parse(readFileSync(join(output, "Ctx.template.json"), "utf8"));
    const resources = Object.values(template.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>);
    const api = resources.find((r) => r.Type === "AWS::ApiGatewayV2::Api");
    expect(api?.Properties.CorsConfiguration).toMatchObject({ AllowOrigins: ["https://app.example.com", "https://admin.example.com"] });
    expect(resources.filter((r) => r.Type === "AWS::Lambda::Function" && r.Properties.Runtime === "nodejs22.x")).toHaveLength(functionEntries().length);
  });
});
