/**
 * The synthesized templates (default stack, every optional feature on) against the CloudFormation
 * resource specification; and three broken copies that must fail, by name.
 */
import { afterAll, describe, expect, it } from "vitest";
import { synthBroker } from "../infra/synth.js";
import { validateTemplate } from "./cfn-spec.js";
import { FULL_STACK } from "./stacks.js";
import type { TemplateJson } from "./template.js";

// Placeholder assets are enough here: the Code property is the same S3 location either way.
const stacks = { default: synthBroker({}), full: synthBroker(FULL_STACK) };
afterAll(() => Object.values(stacks).forEach((s) => s.cleanup()));
const json = (name: keyof typeof stacks) => structuredClone(stacks[name].template.toJSON()) as TemplateJson;
const find = (t: TemplateJson, prefix: string, type: string) => Object.entries(t.Resources).find(([id, r]) => id.startsWith(prefix) && r.Type === type)!;

describe("the synthesized templates are valid CloudFormation", () => {
  it.each(["default", "full"] as const)("%s stack: every type, property, required property, Ref, DependsOn and GetAtt checks out", async (name) => {
    expect(await validateTemplate(json(name))).toEqual([]);
  });

  it("an unknown property, a missing required one, a bad GetAtt attribute and an unknown type each fail, named", async () => {
    const t = json("full");
    const [fnId, fn] = find(t, "UploadBrokerSignPutFunction", "AWS::Lambda::Function");
    fn.Properties!.Timout = 10;
    delete fn.Properties!.Role;
    const [tableId] = find(t, "UploadBrokerTicketsTable", "AWS::DynamoDB::Table");
    const [, policy] = find(t, "UploadBrokerRecordUploadRoleDefaultPolicy", "AWS::IAM::Policy");
    const statements = (policy.Properties!.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement;
    statements.push({ Effect: "Allow", Action: "dynamodb:GetRecords", Resource: { "Fn::GetAtt": [tableId, "StreamArnn"] } });
    const [queueId, queue] = find(t, "UploadBrokerRecordEventsDeadLetterQueue", "AWS::SQS::Queue");
    queue.Type = "AWS::SQS::Queu";
    const errors = await validateTemplate(t);
    expect(errors).toEqual(expect.arrayContaining([
      `${fnId} (AWS::Lambda::Function): unknown property Timout`,
      `${fnId} (AWS::Lambda::Function): missing required property Role`,
      expect.stringContaining(`Fn::GetAtt ${tableId}.StreamArnn: AWS::DynamoDB::Table has no attribute StreamArnn`),
      `${queueId} (AWS::SQS::Queu): unknown resource type AWS::SQS::Queu`,
    ]));
  });
});
