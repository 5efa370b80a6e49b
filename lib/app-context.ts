import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { RemovalPolicy } from "aws-cdk-lib";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Node } from "constructs";
import * as z from "zod";
import { parseProfiles } from "../functions/domain/profiles.js";
import { ConfigError } from "../functions/errors.js";
import type { UploadBrokerStackProps } from "./upload-broker-stack.js";

/** A list from cdk.json (an array) or the command line (`a,b` or a JSON array). */
const List = z.union([z.array(z.string()), z.string()]).transform((value, ctx) => {
  if (Array.isArray(value)) return value;
  const text = value.trim();
  let items: unknown = text.split(",");
  if (text.startsWith("[")) {
    try {
      items = JSON.parse(text);
    } catch {
      items = undefined;
    }
  }
  const list = z.array(z.string()).safeParse(items);
  if (!list.success) {
    ctx.addIssue({ code: "custom", message: "must be a comma-separated list or a JSON array of strings" });
    return z.NEVER;
  }
  return list.data.map((s) => s.trim()).filter(Boolean);
});
const Flag = z.union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")]);
const HostName = z.string().regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/, "must be a lowercase host name");
const CertificateArn = z.string().regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[\w-]+$/, "must be an ACM certificate ARN");
const RETENTION_DAYS = Object.values(RetentionDays).filter((v): v is number => typeof v === "number");

/** Every context key the app reads (`cdk deploy -c key=value` or cdk.json "context"). */
export const AppContext = z.object({
  stackName: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, "must be a CloudFormation stack name").default("UploadBroker"),
  profiles: z.union([z.array(z.unknown()), z.string()]).optional(),
  profilesFile: z.string().min(1).optional(),
  corsOrigins: List.optional(),
  jwtIssuer: z.string().min(1).optional(),
  jwtAudience: List.optional(),
  logRetentionDays: z.coerce
    .number()
    .refine((d) => RETENTION_DAYS.includes(d), `must be one of ${RETENTION_DAYS.join(", ")} (9999 = never expire)`)
    .optional(),
  removalPolicy: z.enum(["retain", "destroy"]).optional(),
  throttlingRateLimit: z.coerce.number().positive().optional(),
  throttlingBurstLimit: z.coerce.number().int().positive().optional(),
  logLevel: z.enum(["DEBUG", "INFO", "WARN", "ERROR"]).optional(),
  alarmTopicArn: z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/, "must be an SNS topic ARN").optional(),
  eventBusName: z.string().regex(/^[A-Za-z0-9._\-/]{1,256}$/, "must be an EventBridge event bus name").optional(),
  webhookUrl: z.url({ protocol: /^https$/, error: "must be an https URL" }).optional(),
  /** GuardDuty Malware Protection for S3 on uploads (`-c malwareScan=true`, or a boolean in cdk.json). */
  malwareScan: Flag.optional(),
  /** SSE-KMS with a new customer-managed key (`-c kmsEncryption=true`), or with an existing one (`kmsKeyArn`). */
  kmsEncryption: Flag.optional(),
  kmsKeyArn: z.string().regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[\w-]+$/, "must be a KMS key ARN").optional(),
  /** Custom domains: each name with its ACM certificate (the files one in us-east-1). */
  apiDomainName: HostName.optional(),
  apiCertificateArn: CertificateArn.optional(),
  filesDomainName: HostName.optional(),
  filesCertificateArn: CertificateArn.optional(),
  /** The Route 53 zone for the custom domains' alias records, created only with `createDnsRecords=true`. */
  hostedZoneId: z.string().regex(/^Z[A-Z0-9]{1,31}$/, "must be a Route 53 hosted zone id").optional(),
  hostedZoneName: HostName.optional(),
  createDnsRecords: Flag.optional(),
});
export type AppContext = z.infer<typeof AppContext>;

/** Reads and validates the app's context keys; throws a `ConfigError` naming each bad key. */
export function readAppContext(node: Node): AppContext {
  const raw = Object.fromEntries(
    Object.keys(AppContext.shape)
      .map((key) => [key, node.tryGetContext(key)] as const)
      .filter(([, value]) => value !== undefined),
  );
  const parsed = AppContext.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".") || "(context)"}: ${i.message}`);
    throw new ConfigError(`Invalid CDK context:\n${lines.join("\n")}`);
  }
  return parsed.data;
}

/** Turns the context into the stack's id and props. `cwd` resolves a relative `profilesFile`. */
export function stackPropsFromContext(node: Node, cwd = process.cwd()): { stackName: string; props: UploadBrokerStackProps } {
  const c = readAppContext(node);
  if (c.profiles !== undefined && c.profilesFile !== undefined) {
    throw new ConfigError("Invalid CDK context: pass either profiles or profilesFile, not both.");
  }
  const profiles = c.profilesFile !== undefined ? profilesFromFile(c.profilesFile, cwd) : profilesFromContext(c.profiles);
  const throttle = { rateLimit: c.throttlingRateLimit, burstLimit: c.throttlingBurstLimit };
  const props: UploadBrokerStackProps = {
    description: "upload-broker: presigned S3 uploads behind a JWT-protected HTTP API",
    profiles,
    corsOrigins: c.corsOrigins,
    jwtIssuer: c.jwtIssuer,
    jwtAudience: c.jwtAudience,
    logRetention: c.logRetentionDays as RetentionDays | undefined,
    removalPolicy: c.removalPolicy && (c.removalPolicy === "destroy" ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN),
    throttle: throttle.rateLimit !== undefined || throttle.burstLimit !== undefined ? throttle : undefined,
    logLevel: c.logLevel,
    alarmTopicArn: c.alarmTopicArn,
    eventBusName: c.eventBusName,
    webhookUrl: c.webhookUrl,
    malwareScan: c.malwareScan,
    kmsEncryption: c.kmsEncryption,
    kmsKeyArn: c.kmsKeyArn,
    apiDomainName: c.apiDomainName,
    apiCertificateArn: c.apiCertificateArn,
    filesDomainName: c.filesDomainName,
    filesCertificateArn: c.filesCertificateArn,
    hostedZoneId: c.hostedZoneId,
    hostedZoneName: c.hostedZoneName,
    createDnsRecords: c.createDnsRecords,
  };
  // Unset keys stay absent, so every construct applies its own documented default.
  return { stackName: c.stackName, props: Object.fromEntries(Object.entries(props).filter(([, v]) => v !== undefined)) };
}

function profilesFromContext(raw: AppContext["profiles"]) {
  if (raw === undefined) return undefined;
  return parseProfiles(typeof raw === "string" ? parseJson(raw, "context 'profiles'") : raw, "context 'profiles'");
}

/** Reads a profile list; messages name the file as the operator wrote it. */
function profilesFromFile(file: string, cwd: string) {
  let text: string;
  try {
    text = readFileSync(resolve(cwd, file), "utf8");
  } catch (error) {
    throw new ConfigError(`profilesFile ${file} cannot be read: ${(error as Error).message}`);
  }
  return parseProfiles(parseJson(text, file), file);
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${source} is not valid JSON: ${(error as Error).message}`);
  }
}
