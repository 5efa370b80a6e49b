import { Duration, Validations, type RemovalPolicy } from "aws-cdk-lib";
import type { ThrottleSettings } from "aws-cdk-lib/aws-apigatewayv2";
import type { IUserPool, IUserPoolClient, UserPoolClientProps, UserPoolProps } from "aws-cdk-lib/aws-cognito";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import type { IEventBus } from "aws-cdk-lib/aws-events";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { IKey } from "aws-cdk-lib/aws-kms";
import type { PriceClass } from "aws-cdk-lib/aws-cloudfront";
import type { ISecret } from "aws-cdk-lib/aws-secretsmanager";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { IBucket } from "aws-cdk-lib/aws-s3";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import type { Queue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { z } from "zod";
import { TICKET_TABLE } from "../functions/adapters/ticket-table.js";
import { UPLOADS_PREFIX } from "../functions/domain/limits.js";
import { parseProfiles } from "../functions/domain/profiles.js";
import { DEMO_PROFILES } from "../functions/domain/demo-profiles.js";
import { ConfigError } from "../functions/errors.js";
import { profilesEnvironment } from "../functions/config.js";
import type { Profile, ProfileSchema } from "../functions/schemas.js";
import { publicProfileNames } from "../functions/domain/public-files.js";
import { grantObjectKey, objectKeyUses } from "./bucket-key.js";
import { CompletionEvents } from "./completion-events.js";
import type { CustomDomain } from "./custom-domain.js";
import { PublicFiles } from "./public-files.js";
import { MalwareScan } from "./malware-scan.js";
import { BrokerDashboard } from "./dashboard.js";
import { RecordEvents } from "./record-events.js";
import { Sweeper } from "./sweeper.js";
import { resourceFinding } from "./nag-findings.js";
import { MAX_PROFILES_ENV_BYTES } from "./secure-defaults.js";
import { TicketTable, type TicketTableOverrides } from "./ticket-table.js";
import { UploadApi } from "./upload-api.js";
import { UploadAuth } from "./upload-auth.js";
import { UploadBucket, type UploadBucketOverrides } from "./upload-bucket.js";
import { checkFunctionSettings, UploadFunction, type FunctionEntry, type FunctionSettings } from "./upload-function.js";
import type { Access } from "../functions/route.js";
import { httpEntries, routeKey, routes, type HttpEntry, type Route } from "../functions/routes.js";

/** A profile as an operator writes it (defaults may be left out); see docs/profiles.md. */
export type ProfileInput = z.input<typeof ProfileSchema>;

export interface UploadBrokerProps {
  /** The upload profiles, validated at synth with the functions' own schema. @default DEMO_PROFILES */
  readonly profiles?: readonly ProfileInput[];
  /** Browser origins allowed to call the API and upload to the bucket. @default [] (no browser access) */
  readonly corsOrigins?: readonly string[];
  /** External OIDC issuer; with `jwtAudience`, replaces the Cognito user pool. @default - a Cognito user pool */
  readonly jwtIssuer?: string;
  /** Accepted audiences of `jwtIssuer` tokens. @default - the created app client */
  readonly jwtAudience?: readonly string[];
  /**
   * Your Cognito user pool instead of a new one (with `existingUserPoolClients`): the authorizer
   * trusts its issuer, `https://cognito-idp.<region>.amazonaws.com/<poolId>`. @default - a new user pool
   */
  readonly existingUserPool?: IUserPool;
  /** The app clients of `existingUserPool` whose tokens are accepted (the JWT audience). */
  readonly existingUserPoolClients?: readonly IUserPoolClient[];
  /** Overrides for the created user pool. @default - secure defaults */
  readonly userPoolProps?: Partial<UserPoolProps>;
  /** Overrides for the created app client. @default - public client, SRP and password auth, no OAuth */
  readonly userPoolClientProps?: Partial<Omit<UserPoolClientProps, "userPool">>;
  /** Use this bucket as is. @default - a new secure bucket */
  readonly existingBucket?: IBucket;
  /** Overrides for the new bucket. @default - secure defaults */
  readonly bucketProps?: UploadBucketOverrides;
  /** S3 server access logs for the upload bucket. @default true */
  readonly serverAccessLogs?: boolean;
  /** Use this ticket table as is (it must have the ticket schema). @default - a new table */
  readonly existingTable?: ITable;
  /** Overrides for the new table. @default - secure defaults */
  readonly tableProps?: TicketTableOverrides;
  /** Applies to the bucket, table, user pool and log groups. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** Retention of function logs, API access logs and S3 access logs. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** API stage throttling. @default { rateLimit: 50, burstLimit: 100 } */
  readonly throttle?: ThrottleSettings;
  /** Log level of every function (Lambda's application log level, which Powertools follows too). @default "INFO" */
  readonly logLevel?: "DEBUG" | "INFO" | "WARN" | "ERROR";
  /** Every alarm notifies this topic. @default - alarms without actions */
  readonly alarmTopic?: ITopic;
  /** Where completion events are published. @default - the account's default event bus */
  readonly eventBus?: IEventBus;
  /** An HTTPS endpoint that receives every completion event too, signed (Standard Webhooks; docs/api.md, "Webhooks"). @default - none */
  readonly webhookUrl?: string;
  /** The webhook's signing secret (`whsec_…`, or its base64 alone). @default - with webhookUrl, a generated secret (`completionEvents.webhookSecret`) */
  readonly webhookSecret?: ISecret;
  /**
   * Scan every upload with Amazon GuardDuty Malware Protection for S3 (billed per GB scanned and
   * per object): a ticket that passes the checks waits in `scanning` and completes only when the
   * scan found no threat. @default false
   */
  readonly malwareScan?: boolean;
  /**
   * Encrypt the new upload bucket with this customer-managed KMS key (SSE-KMS with S3 Bucket
   * Keys); each function that reads or writes objects is granted exactly the key use it needs.
   * Presigned uploads are unchanged for clients. @default - S3-managed encryption (SSE-S3)
   */
  readonly encryptionKey?: IKey;
  /**
   * Memory and timeout per function, by entry name (`functionEntries()`), e.g.
   * `{ "record-upload": { memorySize: 1024, timeout: Duration.minutes(1) } }`; checked at synth.
   * @default - 512 MB for multipart, uppy and list-uploads (DEFAULT_MEMORY_MB), 256 MB for the others; 10 s for HTTP functions, 30 s for event functions
   */
  readonly functionProps?: { readonly [E in FunctionEntry]?: FunctionSettings };
  /** Serve the API under a domain of yours. @default - the execute-api URL */
  readonly apiDomain?: CustomDomain;
  /** Serve public files under a domain of yours (certificate in us-east-1). @default - the distribution's cloudfront.net name */
  readonly filesDomain?: CustomDomain;
  /** Edge locations of the file CDN. @default PriceClass.PRICE_CLASS_100 */
  readonly filesPriceClass?: PriceClass;
}

/**
 * The whole upload broker: bucket, ticket table, one function per use case, the HTTP API
 * behind a JWT authorizer, S3 notifications into the record function with a dead-letter
 * queue, and alarms. Each function is granted exactly what it does.
 */
export class UploadBroker extends Construct {
  readonly bucket: IBucket;
  readonly table: ITable;
  readonly api: UploadApi;
  readonly auth: UploadAuth;
  readonly functions: Readonly<Record<FunctionEntry, UploadFunction>>;
  /** GuardDuty's plan, its role and the scan-result rule, with `malwareScan`. */
  readonly malwareScan?: MalwareScan;
  readonly deadLetterQueue: Queue;
  readonly completionEvents: CompletionEvents;
  /** The sweeper's schedule and rescue alarm. */
  readonly sweeper: Sweeper;
  /** The operator's CloudWatch dashboard. */
  readonly dashboard: BrokerDashboard;
  readonly profiles: readonly Profile[];
  /** The file CDN, when any profile is public. */
  readonly publicFiles?: PublicFiles;

  constructor(scope: Construct, id: string, props: UploadBrokerProps = {}) {
    super(scope, id);
    this.profiles = props.profiles ? parseProfiles(props.profiles, "UploadBroker profiles") : DEMO_PROFILES;
    const profilesEnv = profilesEnvironment(this.profiles);
    // What Lambda counts: each variable's name and value (the list and its checksum).
    const profilesBytes = Object.entries(profilesEnv).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + Buffer.byteLength(value), 0);
    if (profilesBytes > MAX_PROFILES_ENV_BYTES) {
      throw new ConfigError(
        `UploadBroker: the profiles take ${profilesBytes} bytes of environment (as JSON, with their checksum), more than ${MAX_PROFILES_ENV_BYTES}; ` +
          "Lambda allows 4 KB of environment per function. Use fewer or shorter profiles.",
      );
    }
    const { removalPolicy, logRetention, alarmTopic } = props;

    this.auth = new UploadAuth(this, "Auth", {
      jwtIssuer: props.jwtIssuer,
      jwtAudience: props.jwtAudience,
      existingUserPool: props.existingUserPool,
      existingUserPoolClients: props.existingUserPoolClients,
      userPoolProps: props.userPoolProps,
      userPoolClientProps: props.userPoolClientProps,
      removalPolicy,
    });
    this.bucket = new UploadBucket(this, "Uploads", {
      existingBucket: props.existingBucket,
      bucketProps: props.bucketProps,
      serverAccessLogs: props.serverAccessLogs,
      corsOrigins: props.corsOrigins,
      removalPolicy,
      logRetention,
      ...(props.encryptionKey ? { encryptionKey: props.encryptionKey } : {}),
    }).bucket;
    this.table = new TicketTable(this, "Tickets", {
      existingTable: props.existingTable,
      tableProps: props.tableProps,
      removalPolicy,
    }).table;

    const environment = {
      BUCKET_NAME: this.bucket.bucketName,
      TABLE_NAME: this.table.tableName,
      ...profilesEnv,
      POWERTOOLS_SERVICE_NAME: "upload-broker",
    };
    checkFunctionSettings(props.functionProps ?? {}, "UploadBroker functionProps");
    const fn = (entry: FunctionEntry, description: string, timeout = Duration.seconds(10)) => {
      const own = props.functionProps?.[entry];
      return new UploadFunction(this, toPascal(entry), {
        entry, description, environment, timeout: own?.timeout ?? timeout, memorySize: own?.memorySize, removalPolicy, logRetention, alarmTopic, logLevel: props.logLevel,
      });
    };
    // One function per entry the route table names, described by its routes.
    const functions = Object.fromEntries(
      httpEntries().map((entry) => [entry, fn(entry, describeRoutes(routes.filter((r) => r.entry === entry)))]),
    ) as Record<HttpEntry, UploadFunction>;
    this.functions = {
      ...functions,
      "record-upload": fn("record-upload", "Records uploads from S3 ObjectCreated events", Duration.seconds(30)),
      "publish-events": fn("publish-events", "Publishes completion events from the ticket table's stream", Duration.seconds(30)),
      sweep: fn("sweep", "Sweeps pending tickets past their expiry: records lost uploads, expires the rest", Duration.seconds(30)),
      // Built in every stack (it costs nothing idle) so the set of functions does not depend on a flag; only `malwareScan` routes results to it.
      "scan-result": fn("scan-result", "Completes or rejects uploads by GuardDuty's malware scan results", Duration.seconds(30)),
      // Built in every stack, as scan-result; only `webhookUrl` configures it and routes events to it.
      "deliver-webhook": fn("deliver-webhook", "Signs and delivers completion events to the webhook", Duration.seconds(30)),
    };
    if (props.malwareScan) {
      // Only the functions that record: the others never decide whether an upload counts.
      for (const entry of ["record-upload", "multipart", "uppy", "sweep"] as const) this.functions[entry].function.addEnvironment("MALWARE_SCAN", "true");
    }
    this.grantLeastPrivilege();
    for (const [entry, uses] of Object.entries(objectKeyUses())) grantObjectKey(this.bucket, this.functions[entry as FunctionEntry].function, uses);
    const publicProfiles = publicProfileNames(this.profiles);
    if (publicProfiles.length > 0) {
      this.publicFiles = new PublicFiles(this, "PublicFiles", {
        bucket: this.bucket,
        publicProfiles,
        serverFunction: this.functions["publish-events"].function,
        ...(props.filesDomain ? { domain: props.filesDomain } : {}),
        ...(props.filesPriceClass ? { priceClass: props.filesPriceClass } : {}),
        removalPolicy,
        logRetention,
      });
      // The functions that show a ticket view (or publish an event) name its fileUrl.
      for (const entry of ["get-upload", "list-uploads", "upload-object", "multipart", "admin", "publish-events"] as const) {
        this.functions[entry].function.addEnvironment("PUBLIC_FILES_URL", this.publicFiles.url);
      }
    } else if (props.filesDomain) {
      throw new ConfigError("UploadBroker: filesDomain serves public files, but no profile is public.");
    }

    this.api = new UploadApi(this, "Api", {
      authorizer: this.auth.authorizer,
      functions: Object.fromEntries(Object.entries(functions).map(([entry, f]) => [entry, f.function])) as unknown as Record<HttpEntry, IFunction>,
      corsOrigins: props.corsOrigins,
      throttle: props.throttle,
      removalPolicy,
      logRetention,
      alarmTopic,
      ...(props.apiDomain ? { domain: props.apiDomain } : {}),
    });
    this.deadLetterQueue = new RecordEvents(this, "RecordEvents", {
      bucket: this.bucket,
      recordFunction: this.functions["record-upload"].function,
      alarmTopic,
    }).deadLetterQueue;
    // The table's change stream is the source: a change is published even if the function
    // that made it crashed right after.
    this.completionEvents = new CompletionEvents(this, "CompletionEvents", {
      table: this.table,
      publishFunction: this.functions["publish-events"].function,
      eventBus: props.eventBus,
      webhookUrl: props.webhookUrl,
      webhookSecret: props.webhookSecret,
      webhookFunction: this.functions["deliver-webhook"].function,
      alarmTopic,
      servesFiles: this.publicFiles !== undefined,
    });
    if (props.malwareScan) {
      this.malwareScan = new MalwareScan(this, "MalwareScan", {
        bucket: this.bucket, prefix: UPLOADS_PREFIX, scanResultFunction: this.functions["scan-result"].function, deadLetterQueue: this.deadLetterQueue,
      });
    }
    if (props.eventBus) this.functions["publish-events"].function.addEnvironment("EVENT_BUS_NAME", props.eventBus.eventBusArn);
    this.sweeper = new Sweeper(this, "Sweeper", { sweepFunction: this.functions.sweep.function, alarmTopic });
    this.dashboard = new BrokerDashboard(this, "Dashboard", { api: this.api.api, accessLogs: this.api.accessLogs, deadLetterQueue: this.deadLetterQueue });
  }

  /** The IAM statements of each function: nothing beyond the calls its code makes. */
  private grantLeastPrivilege(): void {
    const uploads = this.bucket.arnForObjects(`${UPLOADS_PREFIX}*`);
    const table = this.table.tableArn;
    const allow = (entry: FunctionEntry, actions: readonly string[], resources: readonly string[]) =>
      this.functions[entry].function.addToRolePolicy(new PolicyStatement({ actions: [...actions], resources: [...resources] }));

    // Functions with a grant under the uploads/ prefix.
    const objectUsers: FunctionEntry[] = ["record-upload", "scan-result", "sweep"];
    // The HTTP functions: what their routes declare they call (functions/route.ts `Access`).
    for (const entry of httpEntries()) {
      const access = routes.filter((route) => route.entry === entry).map((route) => route.access ?? {});
      const union = (pick: (a: Access) => readonly string[] | undefined) => [...new Set(access.flatMap((a) => pick(a) ?? []))].sort();
      for (const [actions, resources] of [
        [union((a) => a.objects), [uploads]],
        [union((a) => a.table), [table]],
        [union((a) => a.ownerIndex), [`${table}/index/${TICKET_TABLE.ownerIndex}`]],
      ] as const) {
        if (actions.length > 0) allow(entry, actions, resources);
      }
      if (union((a) => a.objects).length > 0) objectUsers.push(entry);
    }
    // The event functions.
    // HeadObject is authorized by s3:GetObject.
    allow("record-upload", ["s3:GetObject", "s3:DeleteObject"], [uploads]);
    // UpdateItem also moves a quota's bytes; DeleteItem frees a pending slot.
    allow("record-upload", ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"], [table]);
    // Scan results: the ticket moves on; a refused object is deleted (HeadObject first, by s3:GetObject).
    allow("scan-result", ["s3:GetObject", "s3:DeleteObject"], [uploads]);
    // UpdateItem also moves a quota's bytes; DeleteItem frees a pending slot.
    allow("scan-result", ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"], [table]);
    // The sweeper: the sparse index, then what recording needs (HeadObject is s3:GetObject), an
    // abort for an expired multipart upload, and one ListObjectsV2 page under a POST ticket's prefix.
    allow("sweep", ["dynamodb:Query"], [`${table}/index/${TICKET_TABLE.sweepIndex}`]);
    allow("sweep", ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"], [table]);
    allow("sweep", ["s3:GetObject", "s3:DeleteObject", "s3:AbortMultipartUpload"], [uploads]);
    this.functions.sweep.function.addToRolePolicy(
      new PolicyStatement({ actions: ["s3:ListBucket"], resources: [this.bucket.bucketArn], conditions: { StringLike: { "s3:prefix": [`${UPLOADS_PREFIX}*`] } } }),
    );

    const finding = resourceFinding(this, uploads);
    for (const entry of objectUsers) {
      Validations.of(this.functions[entry].role).acknowledge({
        id: finding,
        reason: `Objects live only under the ${UPLOADS_PREFIX} prefix; the wildcard after it is the per-user, per-ticket key space the broker hands out, not a broader grant.`,
      });
    }
  }
}

/**
 * A function's description: its routes, `GET /a, POST /b`; past Lambda's 256 characters (the
 * six Uppy routes) the paths' common prefix is named once: `under /uppy/{profile}/s3: GET params, …`.
 */
function describeRoutes(table: ReadonlyArray<Pick<Route, "method" | "path">>): string {
  const full = table.map(routeKey).join(", ");
  if (full.length <= 256) return full;
  let prefix = table[0]!.path.slice(0, table[0]!.path.lastIndexOf("/") + 1);
  while (!table.every((r) => r.path.startsWith(prefix))) prefix = prefix.slice(0, prefix.slice(0, -1).lastIndexOf("/") + 1);
  const short = `under ${prefix.replace(/\/$/, "")}: ${table.map((r) => `${r.method} ${r.path.slice(prefix.length)}`).join(", ")}`;
  return short.length <= 256 ? short : `${short.slice(0, 255)}…`;
}
const toPascal = (entry: string) => entry.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());
