import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Duration, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { UserPool } from "aws-cdk-lib/aws-cognito";
import { AttributeType, BillingMode, StreamViewType, Table } from "aws-cdk-lib/aws-dynamodb";
import { EventBus } from "aws-cdk-lib/aws-events";
import { Bucket } from "aws-cdk-lib/aws-s3";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../functions/errors.js";
import { UploadBroker, type UploadBrokerProps } from "../../lib/upload-broker.js";
import { functionEntries, PREBUILT_DIR, prebuiltBundle, type FunctionEntry } from "../../lib/upload-function.js";
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

describe("existingUserPool", () => {
  it("trusts that pool's issuer and the given app clients, and creates no pool", () => {
    const { stack, broker } = build((s) => {
      const pool = UserPool.fromUserPoolId(s, "Pool", "eu-west-1_Example1");
      return { existingUserPool: pool, existingUserPoolClients: [pool.addClient("Web"), pool.addClient("Mobile")] };
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs("AWS::Cognito::UserPool", 0);
    const clients = Object.keys(template.findResources("AWS::Cognito::UserPoolClient"));
    expect(clients).toHaveLength(2);
    const [authorizer] = Object.values(template.findResources("AWS::ApiGatewayV2::Authorizer"));
    expect(authorizer!.Properties.JwtConfiguration.Audience).toEqual(clients.map((id) => ({ Ref: id })));
    expect(stack.resolve(broker.auth.issuer)).toEqual({
      "Fn::Join": ["", ["https://cognito-idp.", { Ref: "AWS::Region" }, ".", { Ref: "AWS::URLSuffix" }, "/eu-west-1_Example1"]],
    });
    expect(broker.auth.userPoolClient).toBeUndefined();
  });

  it("refuses a pool without app clients, and a pool together with another way to authorize", () => {
    expect(() => build((s) => ({ existingUserPool: UserPool.fromUserPoolId(s, "Pool", "eu-west-1_Example1") }))).toThrow(/existingUserPool needs existingUserPoolClients/);
    expect(() =>
      build((s) => {
        const pool = UserPool.fromUserPoolId(s, "Pool", "eu-west-1_Example1");
        return { existingUserPool: pool, existingUserPoolClients: [pool.addClient("Web")], jwtIssuer: "https://id.example.com/", jwtAudience: ["api"] };
      }),
    ).toThrow(/existingUserPool with existingUserPoolClients alone/);
  });
});

describe("functionProps", () => {
  it("sets one function's memory and timeout; the others keep their defaults", () => {
    const { stack, broker } = build({ functionProps: { "record-upload": { memorySize: 1024, timeout: Duration.minutes(2) }, "sign-put": { memorySize: 512 } } });
    const template = Template.fromStack(stack);
    const props = (entry: FunctionEntry) => template.findResources("AWS::Lambda::Function")[logicalId(broker.functions[entry].function)]!.Properties;
    expect(props("record-upload")).toMatchObject({ MemorySize: 1024, Timeout: 120 });
    expect(props("sign-put")).toMatchObject({ MemorySize: 512, Timeout: 10 });
    expect(props("sweep")).toMatchObject({ MemorySize: 256, Timeout: 30 });
  });

  it("refuses an unknown function, a memory size Lambda has not and a timeout past the limit, naming each", () => {
    expect(() => build({ functionProps: { "sign-it": { memorySize: 512 } } as never })).toThrow(/no function is named "sign-it"; the functions are .*sign-put/);
    expect(() => build({ functionProps: { "sign-put": { memorySize: 64 } } })).toThrow("UploadBroker functionProps.sign-put.memorySize must be a whole number of MB from 128 to 10240, got 64.");
    expect(() => build({ functionProps: { "sign-put": { timeout: Duration.seconds(45) } } })).toThrow(/sign-put\.timeout must be from 1 second to 30 seconds \(API Gateway ends an HTTP API request after 30 seconds\)/);
    expect(() => build({ functionProps: { sweep: { timeout: Duration.minutes(20) } } })).toThrow(/sweep\.timeout must be from 1 second to 15 minutes/);
    expect(() => build({ functionProps: { sweep: { timeout: 30 as never } } })).toThrow(/sweep\.timeout must be a Duration/);
    expect(() => build({ functionProps: { sweep: { timeout: Duration.minutes(15) } } })).not.toThrow();
  });
});

describe("where function code comes from", () => {
  it("bundles from source in this repository; from the installed package, takes the pre-built bundle of each entry and refuses a missing one", () => {
    expect(existsSync(PREBUILT_DIR)).toBe(false);
    expect(prebuiltBundle("sign-put")).toBeUndefined();
    const dir = mkdtempSync(join(tmpdir(), "upload-broker-prebuilt-"));
    try {
      mkdirSync(join(dir, "sign-put"));
      writeFileSync(join(dir, "sign-put", "index.mjs"), "export const handler = () => {};");
      expect(prebuiltBundle("sign-put", dir)).toBe(join(dir, "sign-put"));
      expect(() => prebuiltBundle("sweep", dir)).toThrow(/the package has no pre-built bundle for sweep/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
