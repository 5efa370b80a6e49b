import { Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { AttributeType, BillingMode, StreamViewType, Table } from "aws-cdk-lib/aws-dynamodb";
import { EventBus } from "aws-cdk-lib/aws-events";
import { Bucket } from "aws-cdk-lib/aws-s3";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../functions/errors.js";
import { UploadBroker, type UploadBrokerProps } from "../../lib/upload-broker.js";
import { functionEntries } from "../../lib/upload-function.js";
import { logicalId, statementsOfRole, testApp } from "./synth.js";

const apps: Array<() => void> = [];
afterAll(() => apps.forEach((cleanup) => cleanup()));

/** Builds a broker in a fresh stack; construction is where every check below throws. */
function build(props: UploadBrokerProps | ((stack: Stack) => UploadBrokerProps)) {
  const { app, cleanup } = testApp();
  apps.push(cleanup);
  const stack = new Stack(app, "Props");
  const broker = new UploadBroker(stack, "Broker", typeof props === "function" ? props(stack) : props);
  return { stack, broker };
}

describe("existingX or xProps, never both", () => {
  it("refuses existingBucket together with bucketProps", () => {
    expect(() =>
      build((stack) => ({ existingBucket: new Bucket(stack, "Mine"), bucketProps: { bucketName: "x-uploads" } })),
    ).toThrow("UploadBucket: pass either existingBucket or bucketProps, not both.");
  });

  it("refuses existingTable together with tableProps", () => {
    expect(() =>
      build((stack) => ({
        existingTable: new Table(stack, "Mine", { partitionKey: { name: "uploadId", type: AttributeType.STRING } }),
        tableProps: { billingMode: BillingMode.PAY_PER_REQUEST },
      })),
    ).toThrow("TicketTable: pass either existingTable or tableProps, not both.");
  });

  it("refuses an external issuer together with user pool settings, or half an issuer", () => {
    expect(() => build({ jwtIssuer: "https://id.example.com/", jwtAudience: ["api"], userPoolProps: { selfSignUpEnabled: true } })).toThrow(
      /either jwtIssuer\/jwtAudience or userPoolProps/,
    );
    expect(() => build({ jwtIssuer: "https://id.example.com/" })).toThrow(/jwtIssuer and jwtAudience go together/);
    expect(() => build({ jwtAudience: ["api"] })).toThrow(/jwtIssuer and jwtAudience go together/);
    expect(() => build({ jwtIssuer: "http://id.example.com/", jwtAudience: ["api"] })).toThrow(/must be an https URL/);
  });

  it("uses an existing bucket and table as they are, granting on them", () => {
    const { stack, broker } = build((s) => ({
      existingBucket: new Bucket(s, "MyBucket"),
      existingTable: new Table(s, "MyTable", { partitionKey: { name: "uploadId", type: AttributeType.STRING }, stream: StreamViewType.NEW_AND_OLD_IMAGES }),
    }));
    const template = Template.fromStack(stack);
    template.resourceCountIs("AWS::S3::Bucket", 1); // no bucket and no log bucket of ours
    template.resourceCountIs("AWS::DynamoDB::Table", 1);
    expect(logicalId(broker.bucket)).toMatch(/^MyBucket/);
    expect(logicalId(broker.table)).toMatch(/^MyTable/);
    expect(statementsOfRole(template, logicalId(broker.functions["sign-put"].role)).slice(1)).toEqual([
      { Action: ["s3:PutObject"], Effect: "Allow", Resource: { "Fn::Join": ["", [{ "Fn::GetAtt": [logicalId(broker.bucket), "Arn"] }, "/uploads/*"]] } },
      { Action: ["dynamodb:PutItem", "dynamodb:UpdateItem"], Effect: "Allow", Resource: { "Fn::GetAtt": [logicalId(broker.table), "Arn"] } },
    ]);
    // Completion events come from that table's stream.
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionName: { Ref: logicalId(broker.functions["publish-events"].function) },
      EventSourceArn: { "Fn::GetAtt": [logicalId(broker.table), "StreamArn"] },
    });
    expect(statementsOfRole(template, logicalId(broker.functions["publish-events"].role))).toContainEqual({
      Action: ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
      Effect: "Allow",
      Resource: { "Fn::GetAtt": [logicalId(broker.table), "StreamArn"] },
    });
  });

  it("refuses an existing table without a stream: completion events are published from it", () => {
    expect(() =>
      build((s) => ({ existingTable: new Table(s, "Bare", { partitionKey: { name: "uploadId", type: AttributeType.STRING } }) })),
    ).toThrow(ConfigError);
    expect(() =>
      build((s) => ({ existingTable: new Table(s, "Bare", { partitionKey: { name: "uploadId", type: AttributeType.STRING } }) })),
    ).toThrow(/existingTable must have a stream \(NEW_AND_OLD_IMAGES\)/);
  });
});

describe("logLevel", () => {
  it("sets every function's application log level, the one level Powertools follows too", () => {
    const { stack, broker } = build({ logLevel: "DEBUG" });
    const resources = Template.fromStack(stack).findResources("AWS::Lambda::Function");
    const functions = Object.values(broker.functions).map((f) => resources[logicalId(f.function)]!);
    expect(functions).toHaveLength(functionEntries().length);
    for (const fn of functions) {
      expect(fn.Properties.LoggingConfig).toMatchObject({ LogFormat: "JSON", ApplicationLogLevel: "DEBUG" });
      expect(fn.Properties.Environment.Variables).not.toHaveProperty("POWERTOOLS_LOG_LEVEL");
    }
  });
});

describe("eventBus", () => {
  it("publishes to the given bus only: PutEvents on it, and its ARN in publish-events' environment", () => {
    let bus!: EventBus;
    const { stack, broker } = build((s) => ({ eventBus: (bus = new EventBus(s, "Uploads")) }));
    const template = Template.fromStack(stack);
    const busArn = { "Fn::GetAtt": [logicalId(bus), "Arn"] };
    const publish = broker.functions["publish-events"];
    const putEvents = statementsOfRole(template, logicalId(publish.role)).filter((s) => s.Action.some((a) => a.startsWith("events:")));
    expect(putEvents).toEqual([{ Action: ["events:PutEvents"], Effect: "Allow", Resource: busArn }]);
    const fn = template.findResources("AWS::Lambda::Function")[logicalId(publish.function)];
    expect(fn?.Properties.Environment.Variables.EVENT_BUS_NAME).toEqual(busArn);
    // No other function may put events anywhere.
    for (const entry of functionEntries().filter((e) => e !== "publish-events")) {
      const actions = statementsOfRole(template, logicalId(broker.functions[entry].role)).flatMap((s) => s.Action);
      expect(actions.filter((a) => a.startsWith("events:")), entry).toEqual([]);
    }
  });
});

describe("profiles are validated at synth", () => {
  it("fails naming the profile and the field", () => {
    const bad = [
      { name: "avatar", contentTypes: ["image/png"], maxBytes: 1000 },
      { name: "scan", contentTypes: ["application/pdf; charset=x"], maxBytes: 0 },
    ];
    let error: unknown;
    try {
      build({ profiles: bad });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('profile "scan" (#1): contentTypes.0: must be type/subtype or type/*');
    expect(message).toMatch(/profile "scan" \(#1\): maxBytes: /);
    expect(message).not.toContain('"avatar"');
  });

  it("refuses profiles that cannot fit in Lambda's 4 KB environment", () => {
    const many = Array.from({ length: 40 }, (_, i) => ({ name: `profile-${i}`, contentTypes: ["image/png"], maxBytes: 1000 }));
    expect(() => build({ profiles: many })).toThrow(/Lambda allows 4 KB of environment/);
  });
});

describe("CORS origins", () => {
  it("refuses anything but exact origins, naming each bad one", () => {
    expect(() => build({ corsOrigins: ["https://ok.example.com", "https://app.example.com/", "*", "https://*.example.com"] })).toThrow(
      'Invalid CORS origin(s): "https://app.example.com/", "*", "https://*.example.com".',
    );
  });

  it("accepts https origins with ports and plain-http localhost", () => {
    expect(() => build({ corsOrigins: ["https://app.example.com:8443", "http://localhost:5173", "http://127.0.0.1:3000"] })).not.toThrow();
  });
});
