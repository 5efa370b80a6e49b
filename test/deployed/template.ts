/**
 * A synthesized CloudFormation template read as CloudFormation would deploy it into one fake
 * account and region: intrinsics resolved to physical names and ARNs, and what the rehearsal
 * needs from it (each Lambda's asset, environment and role policies; the API's routes; the event
 * sources) taken from the template itself, never from the code that wrote it.
 */
import { join } from "node:path";

export const ACCOUNT = "123456789012";
export const REGION = "us-east-1";
export const PARTITION = "aws";
export const STACK_NAME = "Test";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export interface Resource {
  Type: string;
  Properties?: Record<string, Json>;
  Metadata?: Record<string, Json>;
}
export interface TemplateJson {
  Resources: Record<string, Resource>;
  Parameters?: Record<string, { Default?: Json }>;
}

/** Physical names the rehearsal gives the resources it backs with a real local server. */
export interface PhysicalNames {
  bucket: Record<string, string>;
  table: Record<string, string>;
}

const arn = (service: string, resource: string, region = REGION, account: string = ACCOUNT) => `arn:${PARTITION}:${service}:${region}:${account}:${resource}`;
/** A deterministic, lowercase physical name for a resource CloudFormation would name itself. */
const generatedName = (logicalId: string) => `${STACK_NAME}-${logicalId}`.toLowerCase().slice(0, 63);

export class DeployedTemplate {
  constructor(
    readonly json: TemplateJson,
    private readonly names: PhysicalNames,
  ) {}

  resource(logicalId: string): Resource {
    const r = this.json.Resources[logicalId];
    if (!r) throw new Error(`template: no resource ${logicalId}`);
    return r;
  }

  ofType(type: string): Array<[string, Resource]> {
    return Object.entries(this.json.Resources).filter(([, r]) => r.Type === type);
  }

  /** What `Ref` gives for a resource (CloudFormation's documented return value per type). */
  ref(logicalId: string): string {
    if (logicalId === "AWS::Region") return REGION;
    if (logicalId === "AWS::AccountId") return ACCOUNT;
    if (logicalId === "AWS::Partition") return PARTITION;
    if (logicalId === "AWS::URLSuffix") return "amazonaws.com";
    if (logicalId === "AWS::StackName") return STACK_NAME;
    if (logicalId === "AWS::NoValue") return "";
    const param = this.json.Parameters?.[logicalId];
    if (param) return String(param.Default ?? "");
    const { Type: type, Properties: props = {} } = this.resource(logicalId);
    const named = (key: string) => (typeof props[key] === "string" ? (props[key] as string) : generatedName(logicalId));
    switch (type) {
      case "AWS::S3::Bucket":
        return this.names.bucket[logicalId] ?? named("BucketName");
      case "AWS::DynamoDB::Table":
        return this.names.table[logicalId] ?? named("TableName");
      case "AWS::SQS::Queue":
        return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${named("QueueName")}`;
      case "AWS::SecretsManager::Secret":
        return arn("secretsmanager", `secret:${named("Name")}-AbCdEf`);
      case "AWS::KMS::Key":
      case "AWS::CloudFront::Distribution":
      case "AWS::Cognito::UserPoolClient":
      case "AWS::ApiGatewayV2::Api":
      case "AWS::ApiGatewayV2::Integration":
      case "AWS::ApiGatewayV2::Authorizer":
        return logicalId.replace(/[^A-Za-z0-9]/g, "").slice(-14).toUpperCase();
      case "AWS::Cognito::UserPool":
        return `${REGION}_${logicalId.slice(-9)}`;
      default:
        return named(type === "AWS::Lambda::Function" ? "FunctionName" : "Name");
    }
  }

  /** What `Fn::GetAtt` gives (the attributes this stack uses; anything else is an error, not a guess). */
  getAtt(logicalId: string, attribute: string): string {
    const { Type: type } = this.resource(logicalId);
    const name = this.ref(logicalId);
    const key = `${type}.${attribute}`;
    switch (key) {
      case "AWS::S3::Bucket.Arn":
        return `arn:${PARTITION}:s3:::${name}`;
      case "AWS::S3::Bucket.RegionalDomainName":
        return `${name}.s3.${REGION}.amazonaws.com`;
      case "AWS::DynamoDB::Table.Arn":
        return arn("dynamodb", `table/${name}`);
      case "AWS::DynamoDB::Table.StreamArn":
        return arn("dynamodb", `table/${name}/stream/2026-01-01T00:00:00.000`);
      case "AWS::SQS::Queue.Arn":
        return arn("sqs", name.split("/").at(-1)!);
      case "AWS::Lambda::Function.Arn":
        return arn("lambda", `function:${name}`);
      case "AWS::IAM::Role.Arn":
        return `arn:${PARTITION}:iam::${ACCOUNT}:role/${name}`;
      case "AWS::Logs::LogGroup.Arn":
        return arn("logs", `log-group:${name}:*`);
      case "AWS::KMS::Key.Arn":
        return arn("kms", `key/${name}`);
      case "AWS::CloudFront::Distribution.DomainName":
        return `${name.toLowerCase()}.cloudfront.net`;
      case "AWS::Events::EventBus.Arn":
        return arn("events", `event-bus/${name}`);
      case "AWS::Cognito::UserPool.ProviderURL":
        return `https://cognito-idp.${REGION}.amazonaws.com/${name}`;
      case "AWS::Cognito::UserPool.Arn":
        return arn("cognito-idp", `userpool/${name}`);
      case "AWS::GuardDuty::MalwareProtectionPlan.Arn":
        return arn("guardduty", `malware-protection-plan/${name}`);
      case "AWS::Events::Rule.Arn": {
        const bus = this.resource(logicalId).Properties?.EventBusName;
        const busName = bus === undefined ? "default" : String(this.resolve(bus)).split("/").at(-1)!;
        return arn("events", `rule/${busName === "default" ? "" : `${busName}/`}${name}`);
      }
      case "AWS::SNS::Topic.TopicArn":
        return arn("sns", name);
      default:
        throw new Error(`template: no rehearsal value for Fn::GetAtt ${logicalId}.${attribute} (${type}); add it to DeployedTemplate.getAtt`);
    }
  }

  /** Resolves every intrinsic in `value` (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split). */
  resolve(value: Json | undefined): Json {
    if (value === null || value === undefined || typeof value !== "object") return value ?? null;
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const [fn] = keys as [string];
      const arg = value[fn]!;
      switch (fn) {
        case "Ref":
          return this.ref(arg as string);
        case "Fn::GetAtt": {
          const [id, attr] = Array.isArray(arg) ? (arg as string[]) : (arg as string).split(".");
          return this.getAtt(id!, attr!);
        }
        case "Fn::Join": {
          const [sep, list] = arg as [string, Json[]];
          return (this.resolve(list) as Json[]).map(String).join(sep);
        }
        case "Fn::Select": {
          const [index, list] = arg as [number, Json];
          return (this.resolve(list) as Json[])[Number(index)]!;
        }
        case "Fn::Split": {
          const [sep, text] = arg as [string, Json];
          return String(this.resolve(text)).split(sep);
        }
        case "Fn::Sub": {
          const [text, vars = {}] = typeof arg === "string" ? [arg, {}] : (arg as [string, Record<string, Json>]);
          return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
            if (name in vars) return String(this.resolve(vars[name]));
            const [id, attr] = name.split(".");
            return attr ? this.getAtt(id!, attr) : this.ref(id!);
          });
        }
      }
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.resolve(v)]));
  }

  /** The logical id a `Ref`/`Fn::GetAtt` value points at. */
  static target(value: Json | undefined): string | undefined {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      if (typeof value.Ref === "string") return value.Ref;
      const att = value["Fn::GetAtt"];
      if (Array.isArray(att)) return att[0] as string;
    }
    return undefined;
  }
}

/** One Lambda function as the template defines it. */
export interface TemplateFunction {
  logicalId: string;
  name: string;
  arn: string;
  /** The `asset.<hash>` directory of the cloud assembly the Code points at; undefined for inline code. */
  assetDir?: string;
  handler: string;
  runtime: string;
  architectures: string[];
  timeoutSeconds: number;
  memoryMb: number;
  /** Environment.Variables with intrinsics resolved. */
  environment: Record<string, string>;
  logGroupName: string;
  logFormat?: string;
  applicationLogLevel?: string;
  roleLogicalId: string;
  roleArn: string;
}

export function lambdaFunctions(t: DeployedTemplate, outdir: string): TemplateFunction[] {
  return t.ofType("AWS::Lambda::Function").map(([logicalId, r]) => {
    const p = r.Properties ?? {};
    const code = p.Code as Record<string, Json>;
    const s3Key = typeof code.S3Key === "string" ? code.S3Key : undefined;
    const roleLogicalId = DeployedTemplate.target(p.Role)!;
    const logging = (p.LoggingConfig ?? {}) as Record<string, Json>;
    const logGroupName = logging.LogGroup ? String(t.resolve(logging.LogGroup)) : `/aws/lambda/${t.ref(logicalId)}`;
    return {
      logicalId,
      name: t.ref(logicalId),
      arn: t.getAtt(logicalId, "Arn"),
      ...(s3Key ? { assetDir: join(outdir, `asset.${s3Key.replace(/\.zip$/, "")}`) } : {}),
      handler: String(p.Handler),
      runtime: String(p.Runtime),
      architectures: (p.Architectures as string[] | undefined) ?? ["x86_64"],
      timeoutSeconds: Number(p.Timeout ?? 3),
      memoryMb: Number(p.MemorySize ?? 128),
      environment: Object.fromEntries(
        Object.entries(((p.Environment as Record<string, Json> | undefined)?.Variables ?? {}) as Record<string, Json>).map(([k, v]) => [k, String(t.resolve(v))]),
      ),
      logGroupName,
      ...(logging.LogFormat ? { logFormat: String(logging.LogFormat) } : {}),
      ...(logging.ApplicationLogLevel ? { applicationLogLevel: String(logging.ApplicationLogLevel) } : {}),
      roleLogicalId,
      roleArn: t.getAtt(roleLogicalId, "Arn"),
    };
  });
}

export interface PolicyDocument {
  Version?: string;
  Statement: Array<Record<string, Json>>;
}

/** The AWS managed policies this stack's roles use (aws-cdk-lib's custom resources), as AWS publishes them. */
const MANAGED_POLICIES: Record<string, PolicyDocument> = {
  "service-role/AWSLambdaBasicExecutionRole": {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"], Resource: "*" }],
  },
};

/** Every identity policy of a role: its inline `Policies` and each `AWS::IAM::Policy` attached to it. */
export function rolePolicies(t: DeployedTemplate, roleLogicalId: string): Array<{ name: string; policy: PolicyDocument }> {
  const role = t.resource(roleLogicalId).Properties ?? {};
  const managed = ((role.ManagedPolicyArns ?? []) as Json[]).map((arn) => {
    const name = String(t.resolve(arn)).replace(/^arn:aws:iam::aws:policy\//, "");
    const policy = MANAGED_POLICIES[name];
    if (!policy) throw new Error(`template: role ${roleLogicalId} has the managed policy ${name}, whose document the rehearsal does not hold`);
    return { name, policy };
  });
  const inline = ((role.Policies ?? []) as Array<Record<string, Json>>).map((p) => ({ name: String(p.PolicyName), policy: t.resolve(p.PolicyDocument) as unknown as PolicyDocument }));
  const attached = t
    .ofType("AWS::IAM::Policy")
    .filter(([, r]) => ((r.Properties?.Roles ?? []) as Json[]).some((role) => DeployedTemplate.target(role) === roleLogicalId))
    .map(([id, r]) => ({ name: id, policy: t.resolve(r.Properties!.PolicyDocument) as unknown as PolicyDocument }));
  return [...managed, ...inline, ...attached];
}

/** The bucket policy of each bucket, by bucket name. */
export function bucketPolicies(t: DeployedTemplate): Map<string, PolicyDocument> {
  return new Map(t.ofType("AWS::S3::BucketPolicy").map(([, r]) => [String(t.resolve(r.Properties!.Bucket)), t.resolve(r.Properties!.PolicyDocument) as unknown as PolicyDocument]));
}

/** The key policy of each KMS key, by key ARN. */
export function keyPolicies(t: DeployedTemplate): Map<string, PolicyDocument> {
  return new Map(t.ofType("AWS::KMS::Key").map(([id, r]) => [t.getAtt(id, "Arn"), t.resolve(r.Properties!.KeyPolicy) as unknown as PolicyDocument]));
}

/** An HTTP API route: its key, whether the JWT authorizer guards it, and the function its integration invokes. */
export interface TemplateRoute {
  routeKey: string;
  method?: string;
  pattern?: RegExp;
  params: string[];
  jwt: boolean;
  /** Behind the IAM authorizer: SigV4 by a caller allowed `execute-api:Invoke`. */
  iam: boolean;
  functionLogicalId: string;
}

export function httpRoutes(t: DeployedTemplate): TemplateRoute[] {
  return t.ofType("AWS::ApiGatewayV2::Route").map(([id, r]) => {
    const p = r.Properties!;
    const target = String(t.resolve(p.Target));
    const integrationId = t.ofType("AWS::ApiGatewayV2::Integration").find(([iid]) => `integrations/${t.ref(iid)}` === target)?.[0];
    if (!integrationId) throw new Error(`template: route ${id} targets ${target}, no integration`);
    const integration = t.resource(integrationId).Properties!;
    if (integration.IntegrationType !== "AWS_PROXY" || integration.PayloadFormatVersion !== "2.0") {
      throw new Error(`template: route ${id} is not a Lambda proxy integration of payload 2.0`);
    }
    const functionLogicalId = DeployedTemplate.target(integration.IntegrationUri)!;
    const routeKey = String(p.RouteKey);
    const jwt = p.AuthorizationType === "JWT";
    const iam = p.AuthorizationType === "AWS_IAM";
    if (routeKey === "$default") return { routeKey, params: [], jwt, iam, functionLogicalId };
    const [method, path] = routeKey.split(" ") as [string, string];
    const params: string[] = [];
    const source = path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{([^}+]+)(\+?)\}/g, (_, name: string, greedy: string) => {
      params.push(name);
      return greedy ? "(.+)" : "([^/]+)";
    });
    return { routeKey, method, pattern: new RegExp(`^${source}$`), params, jwt, iam, functionLogicalId };
  });
}

/** Where Lambda sends an asynchronous invocation's failure, and how often it retries (EventInvokeConfig). */
export function asyncConfig(t: DeployedTemplate, functionLogicalId: string): { retries: number; onFailure?: string } {
  const config = t.ofType("AWS::Lambda::EventInvokeConfig").find(([, r]) => DeployedTemplate.target(r.Properties!.FunctionName) === functionLogicalId)?.[1].Properties;
  const destination = (config?.DestinationConfig as Record<string, Record<string, Json>> | undefined)?.OnFailure?.Destination;
  return { retries: Number(config?.MaximumRetryAttempts ?? 2), ...(destination ? { onFailure: String(t.resolve(destination)) } : {}) };
}
