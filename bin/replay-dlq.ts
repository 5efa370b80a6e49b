/**
 * Replays the record function's dead-letter queue:
 *   npm run replay-dlq -- --queue-url <url> [--function <name or ARN>]
 * Each message is a Lambda on-failure destination record; its `requestPayload` (the original S3
 * event) is invoked synchronously (RequestResponse) on the record function (by default the one
 * the record names), and the message is deleted only after that invoke succeeded (no
 * FunctionError). Recording is idempotent, so replaying an event twice changes nothing twice.
 */
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";

/** The clients the replay sends through (`send` of the SDK clients; tests pass fakes). */
export interface ReplayClients {
  sqs: { send(command: ReceiveMessageCommand | DeleteMessageCommand): Promise<{ Messages?: Array<{ MessageId?: string; ReceiptHandle?: string; Body?: string }> }> };
  lambda: { send(command: InvokeCommand): Promise<{ StatusCode?: number; FunctionError?: string; Payload?: Uint8Array }> };
}

export interface ReplayOptions {
  queueUrl: string;
  /** The function to invoke; default: the one each record names (`requestContext.functionArn`). */
  functionName?: string;
  /** While a failed message stays invisible, so one run does not see it again. @default 300 */
  visibilityTimeoutSeconds?: number;
  /** Messages one run handles at most. @default 10000 */
  max?: number;
  log?: (line: string) => void;
}

export interface ReplaySummary {
  received: number;
  replayed: number;
  failed: number;
  skipped: number;
}

/** Receives until the queue answers empty; replays each message; deletes only what succeeded. */
export async function replayDeadLetters(clients: ReplayClients, options: ReplayOptions): Promise<ReplaySummary> {
  const log = options.log ?? (() => undefined);
  const summary: ReplaySummary = { received: 0, replayed: 0, failed: 0, skipped: 0 };
  const seen = new Set<string>();
  while (summary.received < (options.max ?? 10_000)) {
    const { Messages = [] } = await clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: options.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: options.visibilityTimeoutSeconds ?? 300 }),
    );
    const fresh = Messages.filter((m) => !seen.has(m.MessageId ?? m.ReceiptHandle ?? ""));
    if (fresh.length === 0) break;
    for (const message of fresh) {
      seen.add(message.MessageId ?? message.ReceiptHandle ?? "");
      summary.received++;
      const record = parse(message.Body);
      const functionName = options.functionName ?? record?.requestContext?.functionArn;
      if (!record?.requestPayload || !functionName) {
        summary.skipped++;
        log(`skipped ${message.MessageId}: not an on-failure record with requestPayload${functionName ? "" : " (and no --function)"}; kept`);
        continue;
      }
      const answer = await clients.lambda
        .send(new InvokeCommand({ FunctionName: functionName, InvocationType: "RequestResponse", Payload: new TextEncoder().encode(JSON.stringify(record.requestPayload)) }))
        .catch((error: unknown) => ({ FunctionError: error instanceof Error ? error.message : String(error), StatusCode: undefined, Payload: undefined }));
      if (answer.FunctionError || (answer.StatusCode !== undefined && answer.StatusCode >= 300)) {
        summary.failed++;
        log(`failed ${message.MessageId}: ${answer.FunctionError ?? answer.StatusCode} ${answer.Payload ? new TextDecoder().decode(answer.Payload).slice(0, 300) : ""}; kept`);
        continue;
      }
      await clients.sqs.send(new DeleteMessageCommand({ QueueUrl: options.queueUrl, ReceiptHandle: message.ReceiptHandle }));
      summary.replayed++;
      log(`replayed ${message.MessageId}`);
    }
  }
  return summary;
}

type OnFailureRecord = { requestPayload?: unknown; requestContext?: { functionArn?: string } };

function parse(body: string | undefined): OnFailureRecord | undefined {
  try {
    return JSON.parse(body ?? "") as OnFailureRecord;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { "queue-url": { type: "string" }, function: { type: "string" }, region: { type: "string" } } });
  const queueUrl = values["queue-url"];
  if (!queueUrl) {
    console.error("usage: npm run replay-dlq -- --queue-url <url> [--function <name>] [--region <region>]");
    process.exit(2);
  }
  // The queue URL names its region (https://sqs.<region>.amazonaws.com/…).
  const region = values.region ?? /sqs\.([a-z0-9-]+)\./.exec(queueUrl)?.[1];
  const config = region ? { region } : {};
  const summary = await replayDeadLetters(
    { sqs: new SQSClient(config), lambda: new LambdaClient(config) },
    { queueUrl, ...(values.function ? { functionName: values.function } : {}), log: (line) => console.log(line) },
  );
  console.log(`received ${summary.received}, replayed ${summary.replayed}, failed ${summary.failed} (kept), skipped ${summary.skipped} (kept)`);
  if (summary.failed + summary.skipped > 0) process.exitCode = 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
