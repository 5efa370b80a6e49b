// The Lambda runtime's part, run by the Node.js 22 the rehearsal installs (test/deployed/node22):
// loads the handler `_HANDLER` names from `LAMBDA_TASK_ROOT` once (the cold start), then runs one
// invocation per IPC message, as the Node.js runtime interface client does over the Runtime API.
// Plain JavaScript, no dependency: this file is all that runs beside the bundle.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const { _HANDLER, LAMBDA_TASK_ROOT, AWS_LAMBDA_FUNCTION_NAME, AWS_LAMBDA_FUNCTION_MEMORY_SIZE, AWS_LAMBDA_FUNCTION_VERSION, AWS_LAMBDA_LOG_GROUP_NAME, AWS_LAMBDA_LOG_STREAM_NAME } = process.env;
const errorOf = (error, type) => ({ errorType: type ?? error?.name ?? "Error", errorMessage: String(error?.message ?? error), stack: String(error?.stack ?? "").split("\n") });

let handler;
let initError;
try {
  const dot = _HANDLER.lastIndexOf(".");
  const [file, name] = [_HANDLER.slice(0, dot), _HANDLER.slice(dot + 1)];
  const path = [".mjs", ".js", ".cjs"].map((ext) => join(LAMBDA_TASK_ROOT, file + ext)).find((p) => existsSync(p));
  if (!path) throw Object.assign(new Error(`Cannot find module '${file}'`), { name: "Runtime.ImportModuleError" });
  const mod = await import(pathToFileURL(path).href);
  handler = mod[name];
  if (typeof handler !== "function") throw Object.assign(new Error(`${_HANDLER} is undefined or not exported`), { name: "Runtime.HandlerNotFound" });
} catch (error) {
  initError = errorOf(error, error?.name?.startsWith("Runtime.") ? error.name : "Runtime.InitError");
}
process.send({ ready: true, initError });

process.on("message", async ({ id, event, deadline, requestId, arn }) => {
  if (initError) return process.send({ id, error: initError });
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: arn,
    memoryLimitInMB: AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: requestId,
    logGroupName: AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: AWS_LAMBDA_LOG_STREAM_NAME,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    const result = await handler(event, context);
    process.send({ id, result: result === undefined ? null : result });
  } catch (error) {
    process.send({ id, error: errorOf(error) });
  }
});
