import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { App, Stack, Validations } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { AttributeType, StreamViewType, Table } from "aws-cdk-lib/aws-dynamodb";
import { EventBus } from "aws-cdk-lib/aws-events";
import { Effect, PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Code, Function, Runtime } from "aws-cdk-lib/aws-lambda";
import { Key } from "aws-cdk-lib/aws-kms";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import { AwsSolutionsChecks } from "cdk-nag";
import { afterAll, describe, expect, it } from "vitest";
import { EVENT_STATUSES } from "../../functions/domain/events.js";
import { ConfigError } from "../../functions/errors.js";
import { stackPropsFromContext } from "../../lib/app-context.js";
import { CompletionEvents, streamFilters, type CompletionEventsProps } from "../../lib/completion-events.js";
import { TicketTable } from "../../lib/ticket-table.js";
import { functionEntries } from "../../lib/upload-function.js";
import { logicalId, statementsOfRole, synthBroker, testApp } from "./synth.js";

const cleanups: Array<() => void> = [];
afterAll(() => cleanups.forEach((c) => c()));

/** A stack with a TicketTable, a placeholder publish function and CompletionEvents. */
function build(props: Partial<CompletionEventsProps> | ((stack: Stack) => Partial<CompletionEventsProps>) = {}, acknowledgePlaceholder = true) {
  const { app, outdir, cleanup } = testApp();
  cleanups.push(cleanup);
  const stack = new Stack(app, "Events");
  const table = new TicketTable(stack, "Tickets").table;
  const role = new Role(stack, "PublishRole", { assumedBy: new ServicePrincipal("lambda.amazonaws.com") });
  role.addToPolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ["logs:PutLogEvents"], resources: ["arn:aws:logs:eu-west-1:123456789012:log-group:publish:*"] }));
  const fn = new Function(stack, "Publish", { runtime: Runtime.NODEJS_22_X, handler: "index.handler", code: Code.fromInline("export const handler = async () => ({ batchItemFailures: [] });"), role });
  // The placeholder's own findings, so that the nag check below sees only what CompletionEvents makes.
  if (acknowledgePlaceholder) Validations.of(fn).acknowledge({ id: "AwsSolutions-L1", reason: "A placeholder function of this test; the real one is an UploadFunction, which pins and acknowledges its runtime." });
  if (acknowledgePlaceholder) Validations.of(role).acknowledge({
    id: "AwsSolutions-IAM5[Resource::arn:aws:logs:eu-west-1:123456789012:log-group:publish:*]",
    reason: "A placeholder role of this test; the real function's role comes from UploadFunction and writes to its own log group only.",
  });
  const deliverRole = new Role(stack, "DeliverRole", { assumedBy: new ServicePrincipal("lambda.amazonaws.com") });
  const deliverer = new Function(stack, "Deliver", { runtime: Runtime.NODEJS_22_X, handler: "index.handler", code: Code.fromInline("export const handler = async () => ({});"), role: deliverRole });
  if (acknowledgePlaceholder) Validations.of(deliverer).acknowledge({ id: "AwsSolutions-L1", reason: "A placeholder function of this test, as the publish one." });
  const events = new CompletionEvents(stack, "CompletionEvents", { table, publishFunction: fn, webhookFunction: deliverer, ...(typeof props === "function" ? props(stack) : props) });
  return { app, outdir, stack, table, fn, role, deliverer, deliverRole, events, template: () => Template.fromStack(stack) };
}

const STATUSES = ["completed", "rejected", "aborted", "deleted"];

describe("ticket table stream", () => {
  it("streams new and old images", () => {
    const { template } = build();
    template().hasResourceProperties("AWS::DynamoDB::Table", { StreamSpecification: { StreamViewType: "NEW_AND_OLD_IMAGES" } });
  });

  it("refuses an existing table without a stream, accepts one with", () => {
    const stack = new Stack();
    const bare = new Table(stack, "Bare", { partitionKey: { name: "uploadId", type: AttributeType.STRING } });
    expect(() => new TicketTable(stack, "A", { existingTable: bare })).toThrow(/existingTable must have a stream/);
    const imported = Table.fromTableAttributes(stack, "Imported", {
      tableArn: "arn:aws:dynamodb:eu-west-1:123456789012:table/tickets",
      tableStreamArn: "arn:aws:dynamodb:eu-west-1:123456789012:table/tickets/stream/2026-11-21T09:00:00.000",
    });
    expect(new TicketTable(stack, "B", { existingTable: imported }).table).toBe(imported);
    const streamed = new Table(stack, "Streamed", { partitionKey: { name: "uploadId", type: AttributeType.STRING }, stream: StreamViewType.NEW_AND_OLD_IMAGES });
    expect(new TicketTable(stack, "C", { existingTable: streamed }).table).toBe(streamed);
  });
});

describe("stream → publish function", () => {
  const built = build();
  const template = built.template();

  it("maps the table's stream to the function from the oldest record, bisecting, retrying, reporting item failures", () => {
    template.resourceCountIs("AWS::Lambda::EventSourceMapping", 1);
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionName: { Ref: logicalId(built.fn) },
      EventSourceArn: { "Fn::GetAtt": [logicalId(built.table), "StreamArn"] },
      StartingPosition: "TRIM_HORIZON",
      BatchSize: 50,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 5,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      DestinationConfig: { OnFailure: { Destination: { "Fn::GetAtt": [logicalId(built.events.failureQueue), "Arn"] } } },
    });
  });

  it("lets only changes to a final status through: one filter per status, and one for an insert in one", () => {
    const [mapping] = Object.values(template.findResources("AWS::Lambda::EventSourceMapping"));
    const patterns = (mapping?.Properties.FilterCriteria.Filters as Array<{ Pattern: string }>).map((f) => JSON.parse(f.Pattern));
    expect(patterns).toEqual([
      ...STATUSES.map((s) => ({ dynamodb: { NewImage: { status: { S: [s] } }, OldImage: { status: { S: [{ "anything-but": [s] }] } } } })),
      // Pending too: a new ticket is counted as issued.
      { dynamodb: { NewImage: { status: { S: [...STATUSES, "pending"] } }, OldImage: { status: { S: [{ exists: false }] } } } },
    ]);
    expect(patterns.length).toBeLessThanOrEqual(5); // Lambda's default quota of filters per mapping
  });

  it("reports failed batches to an encrypted, TLS-only queue with an alarm", () => {
    const queue = logicalId(built.events.failureQueue);
    template.hasResourceProperties("AWS::SQS::Queue", { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    template.hasResourceProperties("AWS::SQS::QueuePolicy", {
      Queues: [{ Ref: queue }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } })]) },
    });
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/SQS",
      MetricName: "ApproximateNumberOfMessagesVisible",
      Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [queue, "QueueName"] } }],
      Threshold: 1,
    });
  });

  it("grants PutEvents on the default bus only, and reads this table's stream", () => {
    const statements = statementsOfRole(template, logicalId(built.role));
    const putEvents = statements.filter((s) => s.Action.some((a) => a.startsWith("events:")));
    expect(putEvents).toEqual([
      {
        Action: ["events:PutEvents"],
        Effect: "Allow",
        Resource: { "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":events:", { Ref: "AWS::Region" }, ":", { Ref: "AWS::AccountId" }, ":event-bus/default"]] },
      },
    ]);
    expect(statements).toContainEqual(
      expect.objectContaining({ Action: expect.arrayContaining(["dynamodb:GetRecords", "dynamodb:GetShardIterator"]), Resource: { "Fn::GetAtt": [logicalId(built.table), "StreamArn"] } }),
    );
  });

  it("creates no webhook without webhookUrl", () => {
    for (const type of ["AWS::Events::Rule", "AWS::SecretsManager::Secret", "AWS::Lambda::EventInvokeConfig"]) {
      template.resourceCountIs(type, 0);
    }
  });
});

describe("a bus of the deployer's", () => {
  it("grants PutEvents on that bus only", () => {
    const built = build((stack) => ({ eventBus: new EventBus(stack, "Bus") }));
    const bus = logicalId(built.events.eventBus as EventBus);
    const statements = statementsOfRole(built.template(), logicalId(built.role)).filter((s) => s.Action.includes("events:PutEvents"));
    expect(statements).toEqual([{ Action: ["events:PutEvents"], Effect: "Allow", Resource: { "Fn::GetAtt": [bus, "Arn"] } }]);
  });
});

describe("webhook", () => {
  const URL = "https://hooks.example.com/upload-broker";

  it("hands the four detail-types to the deliver-webhook function: Lambda retries a failed delivery, both EventBridge and Lambda park what fails in the dead-letter queue", () => {
    const built = build({ webhookUrl: URL });
    const template = built.template();
    const secret = logicalId(built.events.webhookSecret as Secret);
    // 64 letters and digits: base64 of 48 bytes, a Standard Webhooks secret without its prefix.
    template.hasResourceProperties("AWS::SecretsManager::Secret", { GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true, IncludeSpace: false }, SecretString: Match.absent() });
    for (const type of ["AWS::Events::Connection", "AWS::Events::ApiDestination"]) template.resourceCountIs(type, 0);
    const deliverer = logicalId(built.deliverer);
    const dlq = logicalId(built.events.webhookDeadLetterQueue!);
    template.hasResourceProperties("AWS::Lambda::Function", {
      Environment: { Variables: { WEBHOOK_URL: URL, WEBHOOK_SECRET_ARN: { Ref: secret } } },
    });
    template.hasResourceProperties("AWS::Events::Rule", {
      EventBusName: "default",
      EventPattern: { source: ["upload-broker"], "detail-type": ["Upload Completed", "Upload Rejected", "Upload Aborted", "Upload Deleted"] },
      State: "ENABLED",
      Targets: [
        Match.objectLike({
          Arn: { "Fn::GetAtt": [deliverer, "Arn"] },
          DeadLetterConfig: { Arn: { "Fn::GetAtt": [dlq, "Arn"] } },
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
          RoleArn: Match.absent(),
        }),
      ],
    });
    const rule = Object.keys(template.findResources("AWS::Events::Rule"))[0]!;
    template.hasResourceProperties("AWS::Lambda::Permission", {
      Action: "lambda:InvokeFunction", FunctionName: { "Fn::GetAtt": [deliverer, "Arn"] }, Principal: "events.amazonaws.com", SourceArn: { "Fn::GetAtt": [rule, "Arn"] },
    });
    template.hasResourceProperties("AWS::Lambda::EventInvokeConfig", {
      FunctionName: { Ref: deliverer },
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 21600,
      DestinationConfig: { OnFailure: { Destination: { "Fn::GetAtt": [dlq, "Arn"] } } },
    });
    template.hasResourceProperties("AWS::SQS::Queue", { SqsManagedSseEnabled: true });
    template.hasResourceProperties("AWS::SQS::QueuePolicy", {
      Queues: [{ Ref: dlq }],
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Action: "sqs:SendMessage", Principal: { Service: "events.amazonaws.com" } })]),
      },
    });
    template.resourceCountIs("AWS::CloudWatch::Alarm", 2);
  });

  it("grants the deliverer GetSecretValue on its secret and SendMessage on its dead-letter queue, nothing more (kms:Decrypt only for a secret under a key of the deployer's)", () => {
    const generated = build({ webhookUrl: URL });
    const statements = statementsOfRole(generated.template(), logicalId(generated.deliverRole));
    expect(statements).toEqual([
      { Action: ["secretsmanager:GetSecretValue"], Effect: "Allow", Resource: { Ref: logicalId(generated.events.webhookSecret as Secret) } },
      { Action: ["sqs:SendMessage"], Effect: "Allow", Resource: { "Fn::GetAtt": [logicalId(generated.events.webhookDeadLetterQueue!), "Arn"] } },
    ]);
    const named = build((stack) => ({ webhookUrl: URL, webhookSecret: Secret.fromSecretNameV2(stack, "Key", "upload-broker/webhook-key") }));
    const read = statementsOfRole(named.template(), logicalId(named.deliverRole)).filter((s) => s.Action.some((a) => !a.startsWith("sqs:")));
    expect(read.map((s) => [s.Action, flatten(s.Resource)])).toEqual([
      [["secretsmanager:GetSecretValue"], "arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:upload-broker/webhook-key-??????"],
    ]);
    const keyed = build((stack) => {
      const key = new Key(stack, "SecretKey");
      return { webhookUrl: URL, webhookSecret: new Secret(stack, "Own", { encryptionKey: key }) };
    });
    const actions = statementsOfRole(keyed.template(), logicalId(keyed.deliverRole)).flatMap((s) => s.Action).sort();
    expect(actions).toEqual(["kms:Decrypt", "secretsmanager:GetSecretValue", "sqs:SendMessage"]);
  });

  it("puts no secret value in the template", () => {
    for (const props of [{ webhookUrl: URL }, (stack: Stack) => ({ webhookUrl: URL, webhookSecret: Secret.fromSecretNameV2(stack, "Key", "k") })]) {
      const json = build(props).template().toJSON();
      expect(findAll(json, "SecretString")).toEqual([]);
      expect(JSON.stringify(json)).not.toMatch(/resolve:secretsmanager/);
    }
  });

  it("refuses a webhook that is not https, carries credentials, or a secret without a webhook", () => {
    expect(() => build({ webhookUrl: "http://hooks.example.com/x" })).toThrow(/webhookUrl must be an https URL/);
    expect(() => build({ webhookUrl: "not a url" })).toThrow(/webhookUrl is not a URL/);
    expect(() => build({ webhookUrl: "https://user:pw@hooks.example.com/x" })).toThrow(/must not carry credentials/);
    expect(() => build((stack) => ({ webhookSecret: Secret.fromSecretNameV2(stack, "K", "k") }))).toThrow(/webhookSecret is only used with webhookUrl/);
    expect(() => build({ webhookUrl: URL, webhookFunction: undefined })).toThrow(/webhookUrl needs webhookFunction/);
  });

  it("refuses a table without a stream", () => {
    const stack = new Stack();
    const table = new Table(stack, "Bare", { partitionKey: { name: "uploadId", type: AttributeType.STRING } });
    const fn = new Function(stack, "Fn", { runtime: Runtime.NODEJS_22_X, handler: "index.handler", code: Code.fromInline("x") });
    expect(() => new CompletionEvents(stack, "E", { table, publishFunction: fn })).toThrow(/the table has no stream/);
  });
});

/** Every value of a property named `name`, anywhere in a template. */
function findAll(node: unknown, name: string): unknown[] {
  if (Array.isArray(node)) return node.flatMap((n) => findAll(n, name));
  if (node === null || typeof node !== "object") return [];
  return Object.entries(node).flatMap(([key, value]) => [...(key === name ? [value] : []), ...findAll(value, name)]);
}

/** A CloudFormation string value with its references written `<Name>`. */
function flatten(value: unknown): string {
  if (typeof value === "string") return value;
  const node = value as Record<string, unknown>;
  if (Array.isArray(node["Fn::Join"])) {
    const [delimiter, parts] = node["Fn::Join"] as [string, unknown[]];
    return parts.map(flatten).join(delimiter);
  }
  if (typeof node.Ref === "string") return `<${node.Ref}>`;
  return JSON.stringify(value);
}

interface ValidationReport {
  pluginReports: Array<{ pluginName: string; violations: Array<{ ruleName: string; severity: string; violatingConstructs: Array<{ constructPath: string }> }> }>;
}

function nagFindings(app: App, outdir: string): string[] {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  try {
    app.synth();
  } catch {
    // errors fail synthesis; the report is written first
  }
  const file = join(outdir, "validation-report.json");
  const report = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as ValidationReport) : { pluginReports: [] };
  return report.pluginReports.flatMap((r) => r.violations).flatMap((v) => v.violatingConstructs.map((c) => `${v.severity} ${v.ruleName} at ${c.constructPath}`));
}

describe("cdk-nag AwsSolutions", () => {
  it("runs (the placeholder's own findings show when not acknowledged)", () => {
    const bare = build({}, false);
    expect(nagFindings(bare.app, bare.outdir)).toEqual(expect.arrayContaining([expect.stringMatching(/AwsSolutions-L1 at Events\/Publish/)]));
  });

  it("finds nothing unacknowledged, with or without the webhook", () => {
    const plain = build();
    expect(nagFindings(plain.app, plain.outdir)).toEqual([]);
    const hooked = build({ webhookUrl: "https://hooks.example.com/x" });
    expect(nagFindings(hooked.app, hooked.outdir)).toEqual([]);
  });
});

describe("UploadBrokerStack wires CompletionEvents", () => {
  const HOOK = "https://hooks.example.com/uploads";
  const plain = synthBroker();
  // What `cdk deploy -c webhookUrl=… -c eventBusName=…` builds: the props come from the context.
  const hookedProps = stackPropsFromContext(new App({ context: { webhookUrl: HOOK } }).node).props;
  const hooked = synthBroker(hookedProps);
  const named = synthBroker(stackPropsFromContext(new App({ context: { eventBusName: "upload-events" } }).node).props);
  cleanups.push(plain.cleanup, hooked.cleanup, named.cleanup);

  it("maps the ticket table's stream to the publish-events function, filtered to changes to a final status", () => {
    const { template, stack } = plain;
    const publish = stack.broker.functions["publish-events"].function;
    template.resourceCountIs("AWS::Lambda::EventSourceMapping", 1);
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionName: { Ref: logicalId(publish) },
      EventSourceArn: { "Fn::GetAtt": [logicalId(stack.broker.table), "StreamArn"] },
      StartingPosition: "TRIM_HORIZON",
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      DestinationConfig: { OnFailure: { Destination: { "Fn::GetAtt": [logicalId(stack.broker.completionEvents.failureQueue), "Arn"] } } },
      FilterCriteria: { Filters: streamFilters().map((f) => ({ Pattern: f.pattern })) },
    });
    const [mapping] = Object.values(template.findResources("AWS::Lambda::EventSourceMapping"));
    const patterns = (mapping?.Properties.FilterCriteria.Filters as Array<{ Pattern: string }>).map((f) => JSON.parse(f.Pattern));
    expect(patterns).toHaveLength(EVENT_STATUSES.length + 1);
    for (const status of EVENT_STATUSES) expect(JSON.stringify(patterns)).toContain(`"NewImage":{"status":{"S":["${status}"]}}`);
    template.hasResourceProperties("AWS::DynamoDB::Table", { StreamSpecification: { StreamViewType: "NEW_AND_OLD_IMAGES" } });
    // Only the publish function reads the stream.
    for (const entry of functionEntries().filter((e) => e !== "publish-events")) {
      const actions = statementsOfRole(template, logicalId(stack.broker.functions[entry].role)).flatMap((s) => s.Action);
      expect(actions.filter((a) => /^dynamodb:(ListStreams|DescribeStream|GetRecords|GetShardIterator)$/.test(a)), entry).toEqual([]);
    }
  });

  it("publishes to the default bus, outputs its name, and builds no webhook, secret or WebhookSecretArn without webhookUrl", () => {
    const { template, stack } = plain;
    template.hasOutput("EventBusName", { Value: "default" });
    expect(Object.keys(template.findOutputs("*"))).not.toContain("WebhookSecretArn");
    for (const type of ["AWS::Events::Rule", "AWS::SecretsManager::Secret"]) template.resourceCountIs(type, 0);
    const fn = template.findResources("AWS::Lambda::Function")[logicalId(stack.broker.functions["publish-events"].function)];
    expect(fn?.Properties.Environment.Variables.EVENT_BUS_NAME).toBeUndefined();
  });

  it("with -c eventBusName, publishes to that bus only and outputs its name", () => {
    const { template, stack } = named;
    const busArn = { "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":events:", { Ref: "AWS::Region" }, ":", { Ref: "AWS::AccountId" }, ":event-bus/upload-events"]] };
    template.hasOutput("EventBusName", { Value: "upload-events" });
    const publish = stack.broker.functions["publish-events"];
    const putEvents = statementsOfRole(template, logicalId(publish.role)).filter((s) => s.Action.some((a) => a.startsWith("events:")));
    expect(putEvents).toEqual([{ Action: ["events:PutEvents"], Effect: "Allow", Resource: busArn }]);
    const fn = template.findResources("AWS::Lambda::Function")[logicalId(publish.function)];
    expect(fn?.Properties.Environment.Variables.EVENT_BUS_NAME).toEqual(busArn);
  });

  it("with -c webhookUrl, the deliver-webhook function delivers, reading the generated secret; WebhookSecretArn and WebhookDeadLetterQueueUrl are output", () => {
    const { template, stack } = hooked;
    expect(hookedProps).toMatchObject({ webhookUrl: HOOK });
    const events = stack.broker.completionEvents;
    const secret = logicalId(events.webhookSecret as Secret);
    const deliverer = stack.broker.functions["deliver-webhook"];
    template.resourceCountIs("AWS::SecretsManager::Secret", 1);
    template.hasResourceProperties("AWS::SecretsManager::Secret", { GenerateSecretString: Match.objectLike({ PasswordLength: 64, ExcludePunctuation: true }), SecretString: Match.absent() });
    for (const type of ["AWS::Events::Connection", "AWS::Events::ApiDestination"]) template.resourceCountIs(type, 0);
    expect(findAll(template.toJSON(), "SecretString")).toEqual([]);
    const fn = template.findResources("AWS::Lambda::Function")[logicalId(deliverer.function)];
    expect(fn?.Properties.Environment.Variables).toMatchObject({ WEBHOOK_URL: HOOK, WEBHOOK_SECRET_ARN: { Ref: secret } });
    expect(fn?.Properties.Timeout).toBe(30);
    template.hasResourceProperties("AWS::Events::Rule", {
      EventBusName: "default",
      EventPattern: { source: ["upload-broker"] },
      Targets: [Match.objectLike({ Arn: { "Fn::GetAtt": [logicalId(deliverer.function), "Arn"] }, DeadLetterConfig: { Arn: { "Fn::GetAtt": [logicalId(events.webhookDeadLetterQueue!), "Arn"] } } })],
    });
    template.hasOutput("WebhookSecretArn", { Value: { Ref: secret } });
    template.hasOutput("WebhookDeadLetterQueueUrl", { Value: { Ref: logicalId(events.webhookDeadLetterQueue!) } });
    expect(Object.keys(template.findOutputs("*")).sort()).toEqual(
      ["ApiUrl", "BucketName", "DeadLetterQueueUrl", "EventBusName", "TableName", "UserPoolClientId", "UserPoolId", "WebhookDeadLetterQueueUrl", "WebhookSecretArn"],
    );
    // Only the deliverer reads the secret, and only it.
    for (const entry of functionEntries()) {
      const reads = statementsOfRole(template, logicalId(stack.broker.functions[entry].role)).filter((s) => s.Action.some((a) => a.startsWith("secretsmanager:")));
      expect(reads, entry).toEqual(entry === "deliver-webhook" ? [{ Action: ["secretsmanager:GetSecretValue"], Effect: "Allow", Resource: { Ref: secret } }] : []);
    }
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/SQS",
      MetricName: "ApproximateNumberOfMessagesVisible",
      Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [logicalId(events.webhookDeadLetterQueue!), "QueueName"] } }],
    });
  });

  it("without -c webhookUrl, the deliver-webhook function has no webhook, no grant and no trigger", () => {
    const { template, stack } = plain;
    const deliverer = stack.broker.functions["deliver-webhook"];
    const fn = template.findResources("AWS::Lambda::Function")[logicalId(deliverer.function)];
    expect(Object.keys(fn?.Properties.Environment.Variables ?? {}).filter((v) => v.startsWith("WEBHOOK_"))).toEqual([]);
    expect(statementsOfRole(template, logicalId(deliverer.role)).flatMap((s) => s.Action).filter((a) => !a.startsWith("logs:"))).toEqual([]);
    expect(Object.keys(template.findResources("AWS::Lambda::EventInvokeConfig", { Properties: { FunctionName: { Ref: logicalId(deliverer.function) } } }))).toEqual([]);
  });

  it("refuses a -c webhookUrl that is not https before any stack is built, naming the key", () => {
    expect(() => stackPropsFromContext(new App({ context: { webhookUrl: "http://hooks.example.com/uploads" } }).node)).toThrow(ConfigError);
    expect(() => stackPropsFromContext(new App({ context: { webhookUrl: "http://hooks.example.com/uploads" } }).node)).toThrow(/ {2}webhookUrl: must be an https URL/);
  });
});
