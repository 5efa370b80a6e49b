import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Duration, Validations, type RemovalPolicy } from "aws-cdk-lib";
import type { Alarm } from "aws-cdk-lib/aws-cloudwatch";
import { Effect, PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { ApplicationLogLevel, Architecture, Code, Function as LambdaFunction, LoggingFormat, Runtime, type FunctionProps } from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, OutputFormat, SourceMapMode } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";
import { httpEntries, type HttpEntry } from "../functions/routes.js";
import { ConfigError } from "../functions/errors.js";
import { alarmOnAny } from "./alarms.js";
import { DEFAULT_LOG_RETENTION, DEFAULT_REMOVAL_POLICY } from "./secure-defaults.js";

/** The Lambda entries under `functions/entries/`: those of the HTTP routes, and the event handlers. */
export type FunctionEntry = HttpEntry | EventEntry;
/** Entries that no route names: they handle events, not requests. */
export type EventEntry = "record-upload" | "publish-events" | "sweep" | "scan-result" | "deliver-webhook";
export const EVENT_ENTRIES = ["record-upload", "publish-events", "sweep", "scan-result", "deliver-webhook"] as const satisfies readonly EventEntry[];

/** Every Lambda entry: the stack builds one function each, the bench and tests measure each. */
export const functionEntries = (): FunctionEntry[] => [...httpEntries(), ...EVENT_ENTRIES];


const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * Where the pre-built bundles lie, `<dir>/<entry>/index.mjs`: beside the module that runs this
 * code. In the published package this file is bundled into `dist/index.js` and `npm pack` (its
 * `prepack`, bin/build-package.ts) has built every entry into `dist/functions/`; a function is then
 * `Code.fromAsset` of its folder, and synth needs neither esbuild nor our sources. In this
 * repository the module is `lib/upload-function.ts` and `lib/functions/` never exists, so every
 * function is bundled from `functions/entries/` at synth (tests, `cdk deploy` from a clone).
 */
export const PREBUILT_DIR = fileURLToPath(new URL("functions", import.meta.url));

/** The bundle folder of an entry in the package, or undefined when functions are bundled from source. */
export function prebuiltBundle(entry: FunctionEntry, dir = PREBUILT_DIR): string | undefined {
  const bundle = join(dir, entry);
  if (existsSync(join(bundle, "index.mjs"))) return bundle;
  if (existsSync(dir)) throw new Error(`upload-broker: the package has no pre-built bundle for ${entry} in ${dir}; reinstall it.`);
  return undefined;
}

/** The runtime every function is built and tested for. */
export const FUNCTION_RUNTIME = Runtime.NODEJS_22_X;

// ESM bundles have no `require`; a few CommonJS dependencies still call it.
const ESM_REQUIRE_BANNER = "import { createRequire } from 'node:module';const require = createRequire(import.meta.url);";

/**
 * Packages loaded lazily (`require` or `import()`) on the requests that need them, shipped as
 * they are beside the bundle instead of inside it, so that no cold start parses them:
 * any-ascii's transliteration tables (half a megabyte) on the first non-ASCII name, file-type
 * and its tokenizers (~60 KB minified) on the first content check.
 */
export const LAZY_PACKAGES = ["any-ascii", "file-type"] as const;

/** A lazy package and every package it depends on, as installed here (hoisted, flat). */
export function packageClosure(names: readonly string[], root = PROJECT_ROOT): string[] {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const manifest = JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
    for (const dependency of Object.keys(manifest.dependencies ?? {})) visit(dependency);
  };
  names.forEach(visit);
  return [...seen].sort();
}

/** The esbuild settings of every function bundle; `npm run bench` builds with the same. */
export const BUNDLE_SETTINGS = {
  target: "node22",
  mainFields: ["module", "main"],
  banner: ESM_REQUIRE_BANNER,
  minify: true,
  external: LAZY_PACKAGES,
} as const;

/** Memory and timeout of one function; what is left out keeps the broker's default. */
export interface FunctionSettings {
  /** In MB, 128 to 10240 (more memory is also more CPU). @default 512 for multipart, uppy and list-uploads, else 256 */
  readonly memorySize?: number;
  /**
   * At most 30 seconds for the functions behind the HTTP API (API Gateway ends a request after
   * 30 s), at most 15 minutes for the event functions.
   * @default - 10 seconds for HTTP functions, 30 seconds for event functions
   */
  readonly timeout?: Duration;
}

/**
 * Memory by function where `npm run bench`'s table recommends more than 256 MB in every run
 * (docs/performance.md, "Lambda memory"): the 100-part batch and the completion of multipart
 * and Uppy, and the list's page of views, whose warm answers are CPU-bound. The others answer
 * as fast at 256 MB, where a cold start already stays within 300 ms.
 */
export const DEFAULT_MEMORY_MB: Readonly<Partial<Record<FunctionEntry, number>>> = { multipart: 512, uppy: 512, "list-uploads": 512 };

/** The longest an HTTP API integration may take, hence the longest useful HTTP function timeout. */
const HTTP_TIMEOUT_LIMIT = Duration.seconds(30);

/**
 * Checks per-function settings at synth (a plain-JS app may misspell an entry or pass a string);
 * `what` names the prop in errors.
 */
export function checkFunctionSettings(settings: Readonly<Record<string, FunctionSettings | undefined>>, what: string): void {
  const entries = functionEntries();
  const http: readonly string[] = httpEntries();
  for (const [entry, s] of Object.entries(settings)) {
    if (!(entries as string[]).includes(entry)) throw new ConfigError(`${what}: no function is named ${JSON.stringify(entry)}; the functions are ${entries.join(", ")}.`);
    if (s === undefined) continue;
    const { memorySize, timeout } = s;
    if (memorySize !== undefined && !(Number.isInteger(memorySize) && memorySize >= 128 && memorySize <= 10240)) {
      throw new ConfigError(`${what}.${entry}.memorySize must be a whole number of MB from 128 to 10240, got ${JSON.stringify(memorySize)}.`);
    }
    if (timeout === undefined) continue;
    // Not `instanceof`: an app may hold another copy of aws-cdk-lib.
    if (typeof (timeout as Partial<Duration>)?.toSeconds !== "function") throw new ConfigError(`${what}.${entry}.timeout must be a Duration (e.g. Duration.seconds(20)), got ${JSON.stringify(timeout)}.`);
    const limit = http.includes(entry) ? HTTP_TIMEOUT_LIMIT : Duration.minutes(15);
    const seconds = timeout.toSeconds({ integral: false });
    if (seconds < 1 || seconds > limit.toSeconds()) {
      const why = http.includes(entry) ? "API Gateway ends an HTTP API request after 30 seconds" : "Lambda's limit is 15 minutes";
      throw new ConfigError(`${what}.${entry}.timeout must be from 1 second to ${limit.toHumanString()} (${why}), got ${timeout.toHumanString()}.`);
    }
  }
}

export interface UploadFunctionProps {
  /** Which file under `functions/entries/` this function runs (its `handler` export). */
  readonly entry: FunctionEntry;
  /** Shown in the console. @default - none */
  readonly description?: string;
  /** Environment, e.g. `BUCKET_NAME`, `TABLE_NAME`, `PROFILES`. */
  readonly environment: Readonly<Record<string, string>>;
  /** @default DEFAULT_MEMORY_MB's, else 256 (MB; more memory is also more CPU, which shortens cold starts) */
  readonly memorySize?: number;
  /** @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** What happens to the log group when the stack is deleted. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** Where the errors alarm notifies. @default - no action; the alarm shows in the console */
  readonly alarmTopic?: ITopic;
  /** The lowest level of the function's own logs. @default "INFO" */
  readonly logLevel?: "DEBUG" | "INFO" | "WARN" | "ERROR";
}

/**
 * One Lambda function with the shared defaults: Node.js 22 on ARM64, bundled by the local
 * esbuild into minified ESM (AWS SDK included, so each function carries the SDK version we test
 * and only the commands it uses; from the installed package, its pre-built bundles: see `PREBUILT_DIR`), JSON logs in its own log group with retention, a role that
 * may write to that log group and nothing else until granted, and an alarm on errors.
 *
 * The source map ships beside the bundle but Node is not told to apply it: with
 * `NODE_OPTIONS=--enable-source-maps` every cold start parses it first (`npm run bench`
 * measures the cost, ~20% of sign-put's import). Set that variable on a function to read
 * its stack traces mapped, or map them offline with the shipped `index.mjs.map`.
 */
export class UploadFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  readonly errorsAlarm: Alarm;

  constructor(scope: Construct, id: string, props: UploadFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, "Logs", {
      retention: props.logRetention ?? DEFAULT_LOG_RETENTION,
      removalPolicy: props.removalPolicy ?? DEFAULT_REMOVAL_POLICY,
    });
    // A role of our own instead of AWSLambdaBasicExecutionRole, whose logs:* on every log
    // group in the account is more than a function needs.
    this.role = new Role(this, "Role", {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      description: `Runs the upload-broker ${props.entry} function`,
    });
    this.role.addToPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    const common: Omit<FunctionProps, "code"> = {
      handler: "index.handler",
      runtime: FUNCTION_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? DEFAULT_MEMORY_MB[props.entry] ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      role: this.role,
      logGroup: this.logGroup,
      // Lambda adds timestamp, level and request id to console output, as JSON.
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel[props.logLevel ?? "INFO"],
      ...(props.description ? { description: props.description } : {}),
      environment: props.environment,
    };
    const prebuilt = prebuiltBundle(props.entry);
    this.function = prebuilt ? new LambdaFunction(this, "Function", { ...common, code: Code.fromAsset(prebuilt) }) : bundledFromSource(this, props.entry, common);

    this.errorsAlarm = alarmOnAny(this, "ErrorsAlarm", {
      description: `upload-broker ${props.entry}: the function failed (crash, timeout or thrown error).`,
      metric: this.function.metricErrors({ period: Duration.minutes(5), statistic: "Sum" }),
      ...(props.alarmTopic ? { topic: props.alarmTopic } : {}),
    });

    Validations.of(this.function).acknowledge({
      id: "AwsSolutions-L1",
      reason:
        "Pinned to Node.js 22 on purpose: it is the runtime the bundles are built (target node22) and tested for; moving to a newer runtime is a deliberate, tested change.",
    });
  }
}

/** The function bundled by esbuild from `functions/entries/<entry>.ts` at synth (this repository). */
function bundledFromSource(scope: Construct, entry: FunctionEntry, common: Omit<FunctionProps, "code">): NodejsFunction {
  return new NodejsFunction(scope, "Function", {
    ...common,
    entry: join(PROJECT_ROOT, "functions", "entries", `${entry}.ts`),
    handler: "handler",
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: join(PROJECT_ROOT, "package-lock.json"),
    bundling: {
      forceDockerBundling: false,
      format: OutputFormat.ESM,
      target: BUNDLE_SETTINGS.target,
      banner: BUNDLE_SETTINGS.banner,
      minify: BUNDLE_SETTINGS.minify,
      mainFields: [...BUNDLE_SETTINGS.mainFields],
      sourceMap: true,
      sourceMapMode: SourceMapMode.DEFAULT,
      sourcesContent: false,
      bundleAwsSDK: true,
      externalModules: [...LAZY_PACKAGES],
      // The lazy packages go beside the bundle as installed here (no network, no npm install).
      commandHooks: {
        beforeBundling: () => [],
        beforeInstall: () => [],
        afterBundling: (inputDir: string, outputDir: string) =>
          packageClosure(LAZY_PACKAGES).map((pkg) => `mkdir -p "$(dirname "${outputDir}/node_modules/${pkg}")" && cp -R "${inputDir}/node_modules/${pkg}" "${outputDir}/node_modules/${pkg}"`),
      },
    },
  });
}
