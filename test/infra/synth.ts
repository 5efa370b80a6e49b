import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Stack, type CfnElement, type CfnResource } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { UploadBrokerStack, type UploadBrokerStackProps } from "../../lib/upload-broker-stack.js";

const ROOT = join(import.meta.dirname, "..", "..");

/** The feature flags of cdk.json, so tests synthesize what `cdk deploy` would. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(ROOT, "cdk.json"), "utf8")) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

export interface TestAppOptions {
  /** Run the real esbuild bundling (slow); otherwise assets are placeholders. */
  readonly bundle?: boolean;
  readonly context?: Record<string, unknown>;
}

/** A fresh App writing to its own temp dir, with cdk.json's context. Call `cleanup()` in afterAll. */
export function testApp(options: TestAppOptions = {}): { app: App; outdir: string; cleanup: () => void } {
  const outdir = mkdtempSync(join(tmpdir(), "upload-broker-infra-"));
  const app = new App({
    outdir,
    context: {
      ...cdkJsonContext(),
      ...(options.bundle ? {} : { "aws:cdk:bundling-stacks": [] }),
      ...options.context,
    },
  });
  return { app, outdir, cleanup: () => rmSync(outdir, { recursive: true, force: true }) };
}

/** The browser origins of the default test stack. */
export const ORIGINS = ["https://app.example.com", "http://localhost:5173"];

/** Synthesizes one `UploadBrokerStack` and returns its template. */
export function synthBroker(props: UploadBrokerStackProps = {}, options: TestAppOptions = {}) {
  const { app, outdir, cleanup } = testApp(options);
  const stack = new UploadBrokerStack(app, "Test", props);
  const template = Template.fromStack(stack);
  return { app, stack, template, outdir, cleanup };
}

/** The logical id CloudFormation knows a construct's resource by. */
export function logicalId(resource: CfnResource | { node: { defaultChild?: unknown } }): string {
  const cfn = ("logicalId" in resource ? resource : resource.node.defaultChild) as CfnElement;
  return Stack.of(cfn).resolve(cfn.logicalId) as string;
}

/** Every statement of the policies attached to a role, with `Action` always a sorted array. */
export function statementsOfRole(template: Template, roleLogicalId: string): Array<{ Action: string[]; Resource: unknown; Effect: string }> {
  const policies = template.findResources("AWS::IAM::Policy");
  return Object.values(policies)
    .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleLogicalId }]))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown; Effect: string }>)
    .map((s) => ({ ...s, Action: [s.Action].flat().sort() }));
}
