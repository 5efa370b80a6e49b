/**
 * The deployed stack, rehearsed on this machine: every Lambda of a synthesized template runs from
 * its asset on Node.js 22 with the template's environment, behind its own recording endpoint that
 * checks each AWS call against its role; API Gateway, S3 notifications, the table's stream, the
 * EventBridge rules, GuardDuty and the schedule are played from the template's own resources
 * (routes, integrations, permissions, event source mappings, notification configuration, rules,
 * invoke configs). Whatever would fail on AWS for a reason the template decides (a missing grant,
 * variable, module or invoke permission, an AWS call nobody mapped) is collected in `failures`.
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import aws4 from "aws4";
import { CreateTableCommand, DescribeTableCommand, type CreateTableCommandInput } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { dynamoClient, s3Client } from "../../functions/adapters/clients.js";
import { toHttpEvent } from "../../local/http-event.js";
import { apiGatewayClaims, tokenFor } from "../support/fixtures.js";
import { matches } from "./event-pattern.js";
import type { BucketKeys, IamRequest } from "./iam-actions.js";
import { IamEvaluator, type Principal } from "./iam-check.js";
import { lambdaEnvironment, LambdaHost, type InvokeResult } from "./lambda-host.js";
import { RecordingEndpoint, type ObjectCreated, type RecordedCall } from "./recording-endpoint.js";
import { StubServices, type BusEvent } from "./stub-services.js";
import { WebhookReceiver } from "./webhook-receiver.js";
import {
  ACCOUNT, asyncConfig, bucketPolicies, DeployedTemplate, httpRoutes, keyPolicies, lambdaFunctions, REGION, rolePolicies,
  type Json, type PolicyDocument, type TemplateFunction, type TemplateJson, type TemplateRoute,
} from "./template.js";

export interface LocalServers {
  s3: { endpoint: string; accessKeyId: string; secretAccessKey: string };
  dynamodb: string;
}

export interface RehearsalOptions {
  /** Start only the functions whose logical ids start with one of these (a mutation check needs one or two). */
  only?: string[];
  /** A function whose asset is run from a copy changed by `change` (the module mutation). */
  asset?: { functionLogicalId: string; change: (dir: string) => void };
}

/** A backend that signs its requests (SigV4) with a role: its identity policy decides what it may invoke. */
export interface IamCaller {
  roleName: string;
  policy: PolicyDocument;
}

export interface User {
  sub: string;
  groups?: string[];
}

export interface ApiAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The parsed JSON body (the flows read it as a client would, untyped). */
  json: any;
}

interface Deployed {
  fn: TemplateFunction;
  host?: LambdaHost;
  endpoint?: RecordingEndpoint;
  principal: Principal;
  calls: number;
}

const glob = (pattern: string, value: string) => new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`).test(value);
const encodeS3EventKey = (key: string) => encodeURIComponent(key).replace(/%2F/g, "/").replace(/%20/g, "+");

/**
 * DynamoDB Local's stream records write an empty map attribute as `{}`; DynamoDB's as
 * `{"M":{}}`. Restored here, so the function gets what Lambda would hand it.
 */
function withEmptyMaps(record: Record<string, unknown>): Record<string, unknown> {
  const value = (v: unknown): unknown => {
    if (v === null || typeof v !== "object") return v;
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 0) return { M: {} };
    const [[type, inner]] = entries as [[string, unknown]];
    if (type === "M") return { M: image(inner as Record<string, unknown>) };
    if (type === "L") return { L: (inner as unknown[]).map(value) };
    return v;
  };
  const image = (i: Record<string, unknown>) => Object.fromEntries(Object.entries(i).map(([k, v]) => [k, value(v)]));
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, ["NewImage", "OldImage", "Keys"].includes(k) ? image(v as Record<string, unknown>) : v]));
}

/** A value as Secrets Manager's GetRandomPassword makes it: letters and digits, and punctuation unless excluded. */
function generatedSecret(length: number, excludePunctuation: boolean): string {
  const alphabet = `ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789${excludePunctuation ? "" : "!\"#$%&'()*+,-./:;<=>?@[\\]^_\`{|}~"}`;
  return Array.from(randomBytes(length), (b) => alphabet[b % alphabet.length]).join("");
}

export class Rehearsal {
  readonly template: DeployedTemplate;
  readonly functions = new Map<string, Deployed>();
  readonly calls: RecordedCall[] = [];
  readonly failures: string[] = [];
  readonly stubs = new StubServices();
  /** Where the deliver-webhook function POSTs (instead of the template's WEBHOOK_URL); `fail(deliverer, "webhook", 503)` takes it down. */
  readonly webhook = new WebhookReceiver(() => [...this.faults.values()].find((f) => f.service === "webhook")?.status);
  /** GuardDuty's verdict for a key (default NO_THREATS_FOUND). */
  readonly verdicts = new Map<string, "NO_THREATS_FOUND" | "THREATS_FOUND">();
  private readonly faults = new Map<string, { service: string; status: number; body: string }>();
  private readonly asyncQueue: Array<{ logicalId: string; event: unknown; source: string }> = [];
  private readonly scanQueue: ObjectCreated[] = [];
  private readonly streams = new Map<string, { realArn: string; iterators: Map<string, string | null> }>();
  private readonly routes: TemplateRoute[];
  private readonly owner: S3Client;
  private readonly evaluator: IamEvaluator;
  private readonly bucketKeys: BucketKeys;
  private readonly tempDirs: string[] = [];
  private sequencer = 0;
  /** S3 notifications to lose (S3 delivers at least once, but an outage or a misconfiguration loses them: what the sweeper is for). */
  losing = 0;

  private constructor(
    json: TemplateJson,
    private readonly outdir: string,
    private readonly servers: LocalServers,
    private readonly options: RehearsalOptions,
  ) {
    const run = randomUUID().slice(0, 8);
    const names = { bucket: {} as Record<string, string>, table: {} as Record<string, string> };
    for (const [id, r] of Object.entries(json.Resources)) {
      if (r.Type === "AWS::S3::Bucket") names.bucket[id] = `rehearsal-${run}-${id.toLowerCase()}`.slice(0, 63);
      if (r.Type === "AWS::DynamoDB::Table") names.table[id] = `rehearsal-${run}-${id}`;
    }
    this.template = new DeployedTemplate(json, names);
    this.routes = httpRoutes(this.template).sort((a, b) => (a.routeKey === "$default" ? 1 : b.routeKey === "$default" ? -1 : a.params.length - b.params.length));
    const bucketPolicy = bucketPolicies(this.template);
    const keyPolicy = keyPolicies(this.template);
    this.evaluator = new IamEvaluator((resource) => {
      if (resource.startsWith("arn:aws:s3:::")) return bucketPolicy.get(resource.slice("arn:aws:s3:::".length).split("/")[0]!);
      return keyPolicy.get(resource);
    });
    this.bucketKeys = new Map(
      this.template.ofType("AWS::S3::Bucket").flatMap(([id, r]) => {
        const rule = ((r.Properties?.BucketEncryption as Record<string, Json> | undefined)?.ServerSideEncryptionConfiguration as Array<Record<string, Json>> | undefined)?.[0];
        const byDefault = rule?.ServerSideEncryptionByDefault as Record<string, Json> | undefined;
        if (byDefault?.SSEAlgorithm !== "aws:kms" || !byDefault.KMSMasterKeyID) return [];
        return [[this.template.ref(id), { keyArn: String(this.template.resolve(byDefault.KMSMasterKeyID)), bucketKey: rule!.BucketKeyEnabled === true }]];
      }),
    );
    this.owner = s3Client({ region: REGION, endpoint: servers.s3.endpoint, credentials: servers.s3 });
    this.stubs.onEvent = (event) => this.route(event);
  }

  /** Creates the template's buckets and tables on the local servers and starts every function. */
  static async start(json: TemplateJson, outdir: string, servers: LocalServers, options: RehearsalOptions = {}): Promise<Rehearsal> {
    const r = new Rehearsal(json, outdir, servers, options);
    await r.webhook.start();
    await r.createResources();
    await r.startFunctions();
    return r;
  }

  private async createResources(): Promise<void> {
    for (const [id] of this.template.ofType("AWS::S3::Bucket")) await this.owner.send(new CreateBucketCommand({ Bucket: this.template.ref(id) }));
    const dynamo = dynamoClient({ region: REGION, endpoint: this.servers.dynamodb, credentials: this.servers.s3 });
    for (const [id, r] of this.template.ofType("AWS::DynamoDB::Table")) {
      const p = r.Properties!;
      const input = {
        TableName: this.template.ref(id),
        AttributeDefinitions: p.AttributeDefinitions,
        KeySchema: p.KeySchema,
        ...(p.GlobalSecondaryIndexes ? { GlobalSecondaryIndexes: p.GlobalSecondaryIndexes } : {}),
        BillingMode: p.BillingMode ?? "PROVISIONED",
        ...(p.BillingMode === "PAY_PER_REQUEST" ? {} : { ProvisionedThroughput: p.ProvisionedThroughput }),
        ...(p.StreamSpecification ? { StreamSpecification: { StreamEnabled: true, ...(p.StreamSpecification as object) } } : {}),
      } as unknown as CreateTableCommandInput;
      await dynamo.send(new CreateTableCommand(input));
      if (p.StreamSpecification) {
        const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: input.TableName }));
        this.streams.set(this.template.getAtt(id, "StreamArn"), { realArn: Table!.LatestStreamArn!, iterators: new Map() });
      }
    }
    dynamo.destroy();
    // Secrets Manager generates a secret's value when CloudFormation creates it.
    for (const [id, r] of this.template.ofType("AWS::SecretsManager::Secret")) {
      const spec = r.Properties?.GenerateSecretString as { PasswordLength?: number; ExcludePunctuation?: boolean } | undefined;
      if (spec) this.stubs.secrets.set(this.template.ref(id), generatedSecret(spec.PasswordLength ?? 32, spec.ExcludePunctuation === true));
    }
  }

  private async startFunctions(): Promise<void> {
    for (const fn of lambdaFunctions(this.template, this.outdir)) {
      const principal: Principal = { functionName: fn.name, roleName: this.template.ref(fn.roleLogicalId), policies: rolePolicies(this.template, fn.roleLogicalId) };
      const deployed: Deployed = { fn, principal, calls: 0 };
      this.functions.set(fn.logicalId, deployed);
      // Inline (ZipFile) code is aws-cdk-lib's own deploy-time custom resource, not ours: its calls are checked by `checkDeployTimeCalls`.
      if (!fn.assetDir) continue;
      if (this.options.only && !this.options.only.some((prefix) => fn.logicalId.startsWith(prefix))) continue;
      if (!fn.runtime.startsWith("nodejs22")) this.failures.push(`${fn.logicalId}: runtime ${fn.runtime}, but the rehearsal runs Node.js 22 only`);
      let taskRoot = fn.assetDir;
      if (this.options.asset?.functionLogicalId === fn.logicalId) {
        taskRoot = mkdtempSync(join(tmpdir(), "rehearsal-asset-"));
        this.tempDirs.push(taskRoot);
        cpSync(fn.assetDir, taskRoot, { recursive: true });
        this.options.asset.change(taskRoot);
      }
      const endpoint = new RecordingEndpoint(principal, { s3: this.servers.s3.endpoint, dynamodb: this.servers.dynamodb }, this.evaluator, this.stubs, this.bucketKeys, {
        onCall: (call) => this.record(call),
        onObjectCreated: (event) => void this.objectCreated(event),
        fault: (name, service) => {
          const f = this.faults.get(name);
          return f && f.service === service ? f : undefined;
        },
      });
      const url = await endpoint.start();
      deployed.endpoint = endpoint;
      deployed.host = new LambdaHost(fn, taskRoot, this.webhook.redirect(lambdaEnvironment(fn, taskRoot, this.servers.s3, url).all));
    }
    // Cold starts in parallel, as a first deploy's first requests would.
    const starts = await Promise.all([...this.functions.values()].map(async (d) => [d, await d.host?.start()] as const));
    for (const [d, initError] of starts) if (initError) this.failures.push(`${this.label(d)}: fails at cold start (${initError.errorType}): ${initError.errorMessage}`);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.functions.values()].flatMap((d) => [d.host?.stop(), d.endpoint?.stop()]));
    await this.webhook.stop();
    this.owner.destroy();
    for (const dir of this.tempDirs) rmSync(dir, { recursive: true, force: true });
  }

  /** The function a logical id prefix (`UploadBrokerSignPut`) or name names. */
  fn(match: string): Deployed {
    const found = [...this.functions.values()].filter((d) => d.fn.logicalId.startsWith(match));
    if (found.length !== 1) throw new Error(`rehearsal: ${found.length} functions match ${match}`);
    return found[0]!;
  }

  label(d: Deployed): string {
    return d.fn.logicalId.replace(/^UploadBroker/, "").replace(/Function[0-9A-F]{8}$/, "").replace(/^(BucketNotificationsHandler)[0-9a-f]{32}[0-9A-F]{8}$/, "$1 (aws-cdk-lib)");
  }

  /** Makes every call of a function to a service answer `status` (an outage) until `heal`; the service `webhook` is the webhook receiver. */
  fail(functionMatch: string, service: string, status = 500, body = '{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}') {
    this.faults.set(this.fn(functionMatch).fn.name, { service, status, body });
  }

  heal(functionMatch: string) {
    this.faults.delete(this.fn(functionMatch).fn.name);
  }

  private record(call: RecordedCall): void {
    this.calls.push(call);
    const d = [...this.functions.values()].find((f) => f.fn.name === call.function);
    if (d) d.calls++;
    const who = d ? this.label(d) : call.function;
    if (call.error) this.failures.push(`${who}: ${call.error}`);
    for (const c of call.checks) {
      if (!c.decision.allowed) this.failures.push(`${who} (role ${d?.principal.roleName}): ${call.operation}${call.presigned ? " (presigned)" : ""} needs ${c.action} on ${c.resource}: ${c.decision.reason}`);
    }
  }

  /** Checks one authorization the Lambda service makes with a function's role (logs, stream reads, destinations). */
  private async serviceCall(d: Deployed, operation: string, request: IamRequest): Promise<boolean> {
    const decision = await this.evaluator.decide(d.principal, request);
    this.record({ function: d.fn.name, operation, presigned: false, status: decision.allowed ? 200 : 403, checks: [{ ...request, decision }] });
    return decision.allowed;
  }

  /** Whether the template lets `principal` invoke the function for `sourceArn` (AWS::Lambda::Permission). */
  private permitted(d: Deployed, principal: string, sourceArn: string): boolean {
    const ok = this.template.ofType("AWS::Lambda::Permission").some(([, r]) => {
      const p = this.template.resolve(r.Properties as Json) as Record<string, string>;
      const target = DeployedTemplate.target((r.Properties as Record<string, Json>).FunctionName);
      return target === d.fn.logicalId && p.Action === "lambda:InvokeFunction" && p.Principal === principal && (!p.SourceArn || glob(p.SourceArn, sourceArn)) && (!p.SourceAccount || p.SourceAccount === ACCOUNT);
    });
    if (!ok) this.failures.push(`${this.label(d)}: no AWS::Lambda::Permission lets ${principal} invoke it for ${sourceArn}`);
    return ok;
  }

  private invocationLogsChecked = new Set<string>();
  /** One invocation, as Lambda runs it: the runtime's log writes are made with the role too. */
  async invoke(d: Deployed, event: unknown): Promise<InvokeResult> {
    if (!d.host) throw new Error(`${this.label(d)} has no asset to run`);
    if (!this.invocationLogsChecked.has(d.fn.logicalId)) {
      this.invocationLogsChecked.add(d.fn.logicalId);
      const stream = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${d.fn.logGroupName}:log-stream:2026/01/01/[$LATEST]0`;
      await this.serviceCall(d, "CloudWatch Logs CreateLogStream (runtime)", { action: "logs:CreateLogStream", resource: stream, context: { "aws:SecureTransport": "true" } });
      await this.serviceCall(d, "CloudWatch Logs PutLogEvents (runtime)", { action: "logs:PutLogEvents", resource: stream, context: { "aws:SecureTransport": "true" } });
    }
    return d.host.invoke(event);
  }

  // ------------------------------------------------------------------ API Gateway (HTTP API, payload 2.0)

  async api(method: string, pathAndQuery: string, options: { user?: User; caller?: IamCaller; body?: unknown; headers?: Record<string, string> } = {}): Promise<ApiAnswer> {
    const url = new URL(pathAndQuery, "https://api.example.com");
    let route: TemplateRoute | undefined;
    let match: RegExpExecArray | null = null;
    for (const r of this.routes) {
      if (r.routeKey === "$default" || (r.method === method && (match = r.pattern!.exec(url.pathname)))) {
        route = r;
        break;
      }
    }
    if (!route) return { status: 404, headers: {}, body: '{"message":"Not Found"}', json: { message: "Not Found" } };
    if (route.jwt && !options.user) return { status: 401, headers: {}, body: '{"message":"Unauthorized"}', json: { message: "Unauthorized" } };
    const d = this.functions.get(route.functionLogicalId)!;
    const apiId = this.apiId();
    // The IAM authorizer: a SigV4 caller whose policies allow execute-api:Invoke on this request, else 403.
    const caller = route.iam ? await this.iamCaller(options.caller, `arn:aws:execute-api:${REGION}:${ACCOUNT}:${apiId}/$default/${method}${url.pathname}`) : undefined;
    if (route.iam && !caller) return { status: 403, headers: {}, body: '{"message":"Forbidden"}', json: { message: "Forbidden" } };
    // API Gateway names the route's own path (with its {parameters}) in the source ARN.
    const sourceArn = `arn:aws:execute-api:${REGION}:${ACCOUNT}:${apiId}/$default/${route.routeKey === "$default" ? "$default" : route.routeKey.replace(" ", "")}`;
    if (!this.permitted(d, "apigateway.amazonaws.com", sourceArn)) return { status: 500, headers: {}, body: '{"message":"Internal Server Error"}', json: { message: "Internal Server Error" } };
    const body = options.body === undefined ? Buffer.alloc(0) : Buffer.from(typeof options.body === "string" ? options.body : JSON.stringify(options.body));
    const headers: Record<string, string> = { host: "api.example.com", "user-agent": "rehearsal", ...(options.body !== undefined ? { "content-type": "application/json" } : {}), ...options.headers };
    const claims = options.user && { sub: options.user.sub, iss: "https://issuer.example.com", aud: "rehearsal", token_use: "id", iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 3600, ...(options.user.groups ? { "cognito:groups": options.user.groups } : {}) };
    if (claims) headers.authorization = `Bearer ${tokenFor(claims)}`;
    const req = { url: `${url.pathname}${url.search}`, method, headers, httpVersion: "1.1", socket: { remoteAddress: "203.0.113.7" } } as unknown as IncomingMessage;
    const pathParameters = route.params.length ? Object.fromEntries(route.params.map((p, i) => [p, decodeURIComponent(match![i + 1]!)])) : undefined;
    const event = toHttpEvent(req, body, { routeKey: route.routeKey, ...(pathParameters ? { pathParameters } : {}) }, claims ? apiGatewayClaims(claims) : undefined);
    if (caller) (event.requestContext as { authorizer?: unknown }).authorizer = { iam: caller };
    (event.requestContext as { accountId: string; apiId: string }).accountId = ACCOUNT;
    (event.requestContext as { accountId: string; apiId: string }).apiId = apiId;
    const answer = await this.invoke(d, event);
    if (answer.error) {
      this.failures.push(`${this.label(d)}: ${route.routeKey} failed (${answer.error.errorType}: ${answer.error.errorMessage}); API Gateway answers 500`);
      return { status: 500, headers: {}, body: '{"message":"Internal Server Error"}', json: { message: "Internal Server Error" } };
    }
    const result = answer.result as { statusCode?: number; headers?: Record<string, string>; body?: string; isBase64Encoded?: boolean } | string;
    const structured = typeof result === "object" && result !== null && "statusCode" in result;
    const status = structured ? result.statusCode! : 200;
    const text = structured ? (result.isBase64Encoded ? Buffer.from(result.body ?? "", "base64").toString("utf8") : (result.body ?? "")) : JSON.stringify(result);
    if (status >= 500) this.failures.push(`${this.label(d)}: ${route.routeKey} answered ${status}: ${text}\n  its log:\n${answer.logs.trim().split("\n").map((l) => `    ${l}`).join("\n")}`);
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status, headers: structured ? (result.headers ?? {}) : { "content-type": "application/json" }, body: text, json };
  }

  /** The HTTP API's id, as `Ref` resolves it here. */
  apiId(): string {
    return this.template.ref(this.template.ofType("AWS::ApiGatewayV2::Api")[0]![0]);
  }

  /** What API Gateway's IAM authorizer hands the function, when the caller's policies allow the invoke. */
  private async iamCaller(caller: IamCaller | undefined, resource: string) {
    if (!caller) return undefined;
    const decision = await this.evaluator.decide(
      { functionName: "backend", roleName: caller.roleName, policies: [{ name: "caller", policy: caller.policy }] },
      { action: "execute-api:Invoke", resource, context: { "aws:SecureTransport": "true" } },
    );
    if (!decision.allowed) return undefined;
    const userArn = `arn:aws:sts::${ACCOUNT}:assumed-role/${caller.roleName}/backend`;
    return { accessKey: "ASIAREHEARSAL", accountId: ACCOUNT, callerId: "AROAREHEARSAL:backend", userArn, userId: "AROAREHEARSAL:backend", principalOrgId: null, cognitoIdentity: null };
  }

  // ------------------------------------------------------------------ S3 notifications, GuardDuty, async invocations

  private async objectCreated(event: ObjectCreated): Promise<void> {
    const lost = this.losing > 0 && event.key.startsWith("uploads/");
    if (lost) this.losing--;
    for (const [, r] of lost ? [] : this.template.ofType("Custom::S3BucketNotifications")) {
      if (String(this.template.resolve(r.Properties!.BucketName)) !== event.bucket) continue;
      const config = (r.Properties!.NotificationConfiguration as Record<string, Json>).LambdaFunctionConfigurations as Array<Record<string, Json>> | undefined;
      for (const c of config ?? []) {
        const events = c.Events as string[];
        const rules = (((c.Filter as Record<string, Record<string, Json>> | undefined)?.Key?.FilterRules ?? []) as Array<{ Name: string; Value: string }>);
        const ok = events.some((e) => glob(e.replace(/^s3:/, ""), event.eventName)) && rules.every((f) => (f.Name.toLowerCase() === "prefix" ? event.key.startsWith(f.Value) : event.key.endsWith(f.Value)));
        if (!ok) continue;
        const head = await this.owner.send(new HeadObjectCommand({ Bucket: event.bucket, Key: event.key }));
        const target = DeployedTemplate.target(c.LambdaFunctionArn)!;
        this.asyncQueue.push({
          logicalId: target,
          source: `s3:${event.bucket}`,
          event: {
            Records: [
              {
                eventVersion: "2.1", eventSource: "aws:s3", awsRegion: REGION, eventTime: new Date().toISOString(), eventName: event.eventName,
                userIdentity: { principalId: `AWS:AROA${ACCOUNT}:${event.principal.functionName}` },
                requestParameters: { sourceIPAddress: "203.0.113.7" },
                responseElements: { "x-amz-request-id": randomUUID().slice(0, 16).toUpperCase(), "x-amz-id-2": randomUUID() },
                s3: {
                  s3SchemaVersion: "1.0", configurationId: String(c.Id ?? "rehearsal"),
                  bucket: { name: event.bucket, ownerIdentity: { principalId: "A3NL1KOZZKExample" }, arn: `arn:aws:s3:::${event.bucket}` },
                  object: { key: encodeS3EventKey(event.key), size: head.ContentLength, eTag: head.ETag?.replace(/"/g, ""), sequencer: (++this.sequencer).toString(16).toUpperCase().padStart(18, "0") },
                },
              },
            ],
          },
        });
      }
    }
    // GuardDuty Malware Protection scans new objects under its plan's prefixes.
    for (const [, plan] of this.template.ofType("AWS::GuardDuty::MalwareProtectionPlan")) {
      const bucket = (this.template.resolve(plan.Properties!.ProtectedResource) as { S3Bucket: { BucketName: string; ObjectPrefixes?: string[] } }).S3Bucket;
      if (bucket.BucketName === event.bucket && (bucket.ObjectPrefixes ?? [""]).some((p) => event.key.startsWith(p))) this.scanQueue.push(event);
    }
  }

  private async scan(event: ObjectCreated): Promise<void> {
    const head = await this.owner.send(new HeadObjectCommand({ Bucket: event.bucket, Key: event.key })).catch(() => undefined);
    if (!head) return; // deleted before GuardDuty got to it
    const status = this.verdicts.get(event.key) ?? "NO_THREATS_FOUND";
    const plan = this.template.ofType("AWS::GuardDuty::MalwareProtectionPlan")[0]![0];
    this.route({
      bus: "default", source: "aws.guardduty", "detail-type": "GuardDuty Malware Protection Object Scan Result", time: new Date().toISOString(),
      detail: {
        schemaVersion: "1.0", scanStatus: "COMPLETED", resourceType: "S3_OBJECT",
        s3ObjectDetails: { bucketName: event.bucket, objectKey: event.key, eTag: head.ETag?.replace(/"/g, ""), versionId: null, s3Throttled: false },
        scanResultDetails: { scanResultStatus: status, threats: status === "THREATS_FOUND" ? [{ name: "EICAR-Test-File (not a virus)" }] : null },
        resources: [this.template.getAtt(plan, "Arn")],
      },
    });
  }

  /** The rules of the template, for one event put on a bus. */
  private route(event: BusEvent): void {
    const envelope = { version: "0", id: randomUUID(), "detail-type": event["detail-type"], source: event.source, account: ACCOUNT, time: event.time, region: REGION, resources: [], detail: event.detail };
    const busName = (bus: string) => bus.split("/").at(-1)!;
    for (const [id, r] of this.template.ofType("AWS::Events::Rule")) {
      const p = this.template.resolve(r.Properties as Json) as { EventBusName?: string; EventPattern?: Record<string, never>; State?: string; Targets?: Array<{ Arn: string }> };
      if (p.State === "DISABLED" || !p.EventPattern || busName(p.EventBusName ?? "default") !== busName(event.bus)) continue;
      if (!matches(p.EventPattern, envelope)) continue;
      const ruleArn = this.template.getAtt(id, "Arn");
      for (const target of p.Targets ?? []) {
        const fn = [...this.functions.values()].find((d) => d.fn.arn === target.Arn);
        if (fn) {
          if (this.permitted(fn, "events.amazonaws.com", ruleArn)) this.asyncQueue.push({ logicalId: fn.fn.logicalId, event: envelope, source: `rule ${id}` });
        } else {
          this.failures.push(`rule ${id}: target ${target.Arn} is no function of the stack`);
        }
      }
    }
  }

  private async runAsync(item: { logicalId: string; event: unknown; source: string }): Promise<void> {
    const d = this.functions.get(item.logicalId)!;
    if (item.source.startsWith("s3:") && !this.permitted(d, "s3.amazonaws.com", `arn:aws:s3:::${item.source.slice(3)}`)) return;
    const { retries, onFailure } = asyncConfig(this.template, item.logicalId);
    let last: InvokeResult | undefined;
    for (let attempt = 0; attempt <= retries; attempt++) {
      last = await this.invoke(d, item.event);
      if (!last.error) return;
    }
    const faulted = [...this.faults.keys()].includes(d.fn.name);
    if (!faulted) this.failures.push(`${this.label(d)}: the ${item.source} event failed ${retries + 1} times (${last!.error!.errorType}: ${last!.error!.errorMessage})\n  its log:\n${last!.logs.trim()}`);
    if (!onFailure) return;
    // Lambda sends the on-failure record with the function's own role.
    const allowed = await this.serviceCall(d, "SQS SendMessage (on-failure destination)", { action: "sqs:SendMessage", resource: onFailure, context: { "aws:SecureTransport": "true" } });
    if (!allowed) return;
    this.stubs.send(onFailure, JSON.stringify({
      version: "1.0", timestamp: new Date().toISOString(),
      requestContext: { requestId: randomUUID(), functionArn: `${d.fn.arn}:$LATEST`, condition: "RetriesExhausted", approximateInvokeCount: retries + 1 },
      requestPayload: item.event,
      responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
      responsePayload: { errorType: last!.error!.errorType, errorMessage: last!.error!.errorMessage },
    }));
  }

  // ------------------------------------------------------------------ DynamoDB streams (event source mappings)

  private async streamCall(target: string, body: Record<string, unknown>): Promise<Record<string, any>> {
    const url = new URL(this.servers.dynamodb);
    const signed = aws4.sign(
      { host: url.host, path: "/", method: "POST", service: "dynamodb", region: REGION, headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": `DynamoDBStreams_20120810.${target}` }, body: JSON.stringify(body) },
      this.servers.s3,
    );
    const res = await fetch(`${this.servers.dynamodb}/`, { method: "POST", headers: signed.headers as Record<string, string>, body: signed.body as string });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`DynamoDB Local streams ${target}: ${JSON.stringify(json)}`);
    return json;
  }

  /** Polls each mapping's stream once, as Lambda does: its role's reads, its filters, its batches. */
  private async pollStreams(): Promise<boolean> {
    let delivered = false;
    for (const [id, r] of this.template.ofType("AWS::Lambda::EventSourceMapping")) {
      const p = this.template.resolve(r.Properties as Json) as {
        EventSourceArn: string; BatchSize?: number; FilterCriteria?: { Filters: Array<{ Pattern: string }> }; MaximumRetryAttempts?: number;
        FunctionResponseTypes?: string[]; DestinationConfig?: { OnFailure?: { Destination: string } }; StartingPosition?: string; Enabled?: boolean;
      };
      if (p.Enabled === false) continue;
      const stream = this.streams.get(p.EventSourceArn);
      const d = this.functions.get(DeployedTemplate.target((r.Properties as Record<string, Json>).FunctionName)!)!;
      if (!stream) {
        this.failures.push(`event source mapping ${id}: ${p.EventSourceArn} is no stream the rehearsal knows`);
        continue;
      }
      const context = { "aws:SecureTransport": "true" };
      if (stream.iterators.size === 0) {
        await this.serviceCall(d, "DynamoDB ListStreams (event source mapping)", { action: "dynamodb:ListStreams", resource: "*", context });
        await this.serviceCall(d, "DynamoDB DescribeStream (event source mapping)", { action: "dynamodb:DescribeStream", resource: p.EventSourceArn, context });
        await this.serviceCall(d, "DynamoDB GetShardIterator (event source mapping)", { action: "dynamodb:GetShardIterator", resource: p.EventSourceArn, context });
      }
      const { StreamDescription } = await this.streamCall("DescribeStream", { StreamArn: stream.realArn });
      for (const shard of StreamDescription.Shards as Array<{ ShardId: string }>) {
        if (!stream.iterators.has(shard.ShardId)) {
          const { ShardIterator } = await this.streamCall("GetShardIterator", { StreamArn: stream.realArn, ShardId: shard.ShardId, ShardIteratorType: p.StartingPosition ?? "TRIM_HORIZON" });
          stream.iterators.set(shard.ShardId, ShardIterator as string);
        }
      }
      const records: Array<Record<string, unknown>> = [];
      for (const [shard, iterator] of stream.iterators) {
        if (!iterator) continue;
        const page = await this.streamCall("GetRecords", { ShardIterator: iterator });
        stream.iterators.set(shard, (page.NextShardIterator as string | undefined) ?? null);
        records.push(...(page.Records as Array<Record<string, unknown>>));
      }
      if (records.length === 0) continue;
      await this.serviceCall(d, "DynamoDB GetRecords (event source mapping)", { action: "dynamodb:GetRecords", resource: p.EventSourceArn, context });
      const shaped = records.map((rec) => ({ ...rec, dynamodb: withEmptyMaps(rec.dynamodb as Record<string, unknown>), awsRegion: REGION, eventSourceARN: p.EventSourceArn }));
      const filters = (p.FilterCriteria?.Filters ?? []).map((f) => JSON.parse(f.Pattern) as Record<string, never>);
      const passing = filters.length ? shaped.filter((rec) => filters.some((f) => matches(f, rec))) : shaped;
      for (let start = 0; start < passing.length; start += p.BatchSize ?? 100) {
        delivered = true;
        await this.deliverBatch(d, id, passing.slice(start, start + (p.BatchSize ?? 100)), p);
      }
    }
    return delivered;
  }

  private async deliverBatch(d: Deployed, mapping: string, batch: Array<Record<string, unknown>>, p: { MaximumRetryAttempts?: number; FunctionResponseTypes?: string[]; DestinationConfig?: { OnFailure?: { Destination: string } } }) {
    let remaining = batch;
    const retries = p.MaximumRetryAttempts ?? -1;
    for (let attempt = 0; attempt <= Math.max(retries, 0); attempt++) {
      const answer = await this.invoke(d, { Records: remaining });
      if (!answer.error) {
        const failed = p.FunctionResponseTypes?.includes("ReportBatchItemFailures") ? ((answer.result as { batchItemFailures?: Array<{ itemIdentifier: string }> } | null)?.batchItemFailures ?? []) : [];
        if (failed.length === 0) return;
        const from = remaining.findIndex((rec) => (rec.dynamodb as { SequenceNumber: string }).SequenceNumber === failed[0]!.itemIdentifier);
        remaining = remaining.slice(Math.max(from, 0));
      }
      if (attempt === Math.max(retries, 0)) {
        if (![...this.faults.keys()].includes(d.fn.name)) this.failures.push(`${this.label(d)}: stream batch of ${mapping} failed after ${retries + 1} attempts: ${answer.error?.errorMessage ?? "batch item failures"}\n  its log:\n${answer.logs.trim()}`);
        const destination = p.DestinationConfig?.OnFailure?.Destination;
        if (destination && (await this.serviceCall(d, "SQS SendMessage (on-failure destination)", { action: "sqs:SendMessage", resource: destination, context: { "aws:SecureTransport": "true" } }))) {
          this.stubs.send(destination, JSON.stringify({ requestContext: { condition: "RetryAttemptsExhausted", functionArn: d.fn.arn }, DDBStreamBatchInfo: { batchSize: remaining.length } }));
        }
      }
    }
  }

  /** Runs what the event sources would run next until nothing is left: S3 events, scans, stream batches, rule targets. */
  async settle(): Promise<void> {
    for (let round = 0; round < 100; round++) {
      // Let notifications of responses just sent arrive.
      await new Promise((r) => setTimeout(r, 5));
      let progressed = false;
      while (this.asyncQueue.length) {
        progressed = true;
        await this.runAsync(this.asyncQueue.shift()!);
      }
      if (await this.pollStreams()) progressed = true;
      while (this.scanQueue.length) {
        progressed = true;
        await this.scan(this.scanQueue.shift()!);
      }
      if (!progressed && this.asyncQueue.length === 0) return;
    }
    throw new Error("rehearsal: the event sources did not settle after 100 rounds");
  }

  /** The EventBridge Scheduler schedules of the template whose target is a function: invoked as the schedule's role. */
  async runSchedules(): Promise<void> {
    for (const [id, r] of this.template.ofType("AWS::Scheduler::Schedule")) {
      const target = this.template.resolve((r.Properties as Record<string, Json>).Target) as { Arn: string; RoleArn: string; Input?: string };
      const d = [...this.functions.values()].find((f) => f.fn.arn === target.Arn);
      if (!d) {
        this.failures.push(`schedule ${id}: target ${target.Arn} is no function of the stack`);
        continue;
      }
      const roleId = this.template.ofType("AWS::IAM::Role").find(([rid]) => this.template.getAtt(rid, "Arn") === target.RoleArn)![0];
      const role: Principal = { functionName: "scheduler", roleName: this.template.ref(roleId), policies: rolePolicies(this.template, roleId) };
      const decision = await this.evaluator.decide(role, { action: "lambda:InvokeFunction", resource: d.fn.arn, context: { "aws:SecureTransport": "true" } });
      this.record({ function: `scheduler (${id})`, operation: "Lambda Invoke (schedule)", presigned: false, status: decision.allowed ? 200 : 403, checks: [{ action: "lambda:InvokeFunction", resource: d.fn.arn, context: {}, decision }] });
      if (!decision.allowed) continue;
      // Scheduler sends the target's Input, or an empty object.
      const answer = await this.invoke(d, target.Input ? JSON.parse(target.Input) : {});
      if (answer.error) this.failures.push(`${this.label(d)}: the schedule's invocation failed (${answer.error.errorType}: ${answer.error.errorMessage})\n  its log:\n${answer.logs.trim()}`);
    }
  }

  /** Deploy-time custom resources with inline code (aws-cdk-lib's): the calls their code makes, checked against their roles. */
  async checkDeployTimeCalls(): Promise<void> {
    for (const d of this.functions.values()) {
      if (d.fn.assetDir) continue;
      for (const [, r] of this.template.ofType("Custom::S3BucketNotifications")) {
        if (this.template.resolve(r.Properties!.ServiceToken) !== d.fn.arn) continue;
        const bucket = String(this.template.resolve(r.Properties!.BucketName));
        await this.serviceCall(d, "S3 PutBucketNotificationConfiguration (deploy time)", { action: "s3:PutBucketNotification", resource: `arn:aws:s3:::${bucket}`, context: { "aws:SecureTransport": "true" } });
      }
    }
  }

  /** Each function's granted actions (Allow statements of its role) and the ones its calls used. */
  grantUse(): Array<{ function: string; action: string; used: boolean }> {
    return [...this.functions.values()].filter((d) => d.host).flatMap((d) => {
      const used = new Set(this.calls.filter((c) => c.function === d.fn.name).flatMap((c) => c.checks.filter((x) => x.decision.allowed).map((x) => x.action)));
      const granted = new Set(d.principal.policies.flatMap((p) => p.policy.Statement.filter((st) => st.Effect === "Allow").flatMap((st) => [st.Action as string | string[]].flat())));
      return [...granted].sort().map((action) => ({ function: this.label(d), action, used: used.has(action) }));
    });
  }

  /** function, invocations, AWS calls (by the function or with its role), allowed. */
  table(): string {
    const rows = [...this.functions.values()].map((d) => {
      const calls = this.calls.filter((c) => c.function === d.fn.name);
      const denied = calls.filter((c) => c.error || c.checks.some((x) => !x.decision.allowed)).length;
      const actions = [...new Set(calls.flatMap((c) => c.checks.map((x) => x.action)))].sort();
      return [this.label(d), d.host ? String(d.host.invocations) : "deploy-time", String(calls.length), denied ? `NO (${denied} refused)` : "yes", actions.join(" ")];
    });
    const header = ["function", "invocations", "AWS calls", "all allowed", "IAM actions"];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (i === 4 ? 0 : r[i]!.length))));
    const line = (cells: string[]) => cells.map((c, i) => (i === 4 ? c : c.padEnd(widths[i]!))).join("  ");
    return [line(header), ...rows.map(line)].join("\n");
  }
}
