/** Makes sure the endpoints answer, and the bucket (with CORS for the demo page) and the ticket table exist. */
import { Socket } from "node:net";
import { CreateTableCommand, ResourceInUseException, waitUntilTableExists, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, HeadBucketCommand, PutBucketCorsCommand, type S3Client } from "@aws-sdk/client-s3";
import { ticketTableDefinition } from "../functions/adapters/ticket-table.js";
import { ConfigError } from "../functions/errors.js";

/** How long start-up waits for an endpoint: a few seconds, not the SDK's retries. */
const CONNECT_TIMEOUT_MS = 3000;
const SETUP_TIMEOUT_MS = 15_000;

/**
 * Fails with one line naming `variable` when nothing accepts a TCP connection at `endpoint`
 * within a few seconds (`S3_ENDPOINT http://127.0.0.1:9 is unreachable: connection refused`).
 */
export async function assertReachable(variable: string, endpoint: string, timeoutMs = CONNECT_TIMEOUT_MS): Promise<void> {
  const url = new URL(endpoint);
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const problem = await new Promise<string | undefined>((resolve) => {
    const socket = new Socket();
    const done = (result: string | undefined) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(`no connection within ${timeoutMs / 1000} s`));
    socket.once("connect", () => done(undefined));
    socket.once("error", (error: NodeJS.ErrnoException) => done(REASONS[error.code ?? ""] ?? error.message));
    socket.connect(port, host);
  });
  if (problem) throw new ConfigError(`${variable} ${endpoint} is unreachable: ${problem}`);
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ECONNRESET: "connection reset",
};

/** `variable` names the setting in errors (`S3_ENDPOINT`, or `S3_BUCKET` on the embedded server). */
export async function ensureBucket(s3: S3Client, bucket: string, origins: string[], variable = "S3_BUCKET"): Promise<void> {
  const opts = () => ({ abortSignal: AbortSignal.timeout(SETUP_TIMEOUT_MS) });
  try {
    const exists = await s3.send(new HeadBucketCommand({ Bucket: bucket }), opts()).then(() => true, () => false);
    if (!exists) await s3.send(new CreateBucketCommand({ Bucket: bucket }), opts());
    await s3.send(
      new PutBucketCorsCommand({
        Bucket: bucket,
        CORSConfiguration: {
          CORSRules: [
            {
              AllowedOrigins: origins,
              AllowedMethods: ["PUT", "POST", "GET", "HEAD"],
              AllowedHeaders: ["*"],
              // Browsers must read ETag (and Location after a POST) or uploaders hang.
              ExposeHeaders: ["ETag", "Location"],
              MaxAgeSeconds: 600,
            },
          ],
        },
      }),
      opts(),
    );
  } catch (error) {
    throw new ConfigError(`${variable}: bucket ${bucket} could not be created or given its CORS rule: ${describe(error)}`);
  }
}

export async function ensureTable(dynamo: DynamoDBClient, table: string, variable = "DYNAMODB_ENDPOINT"): Promise<void> {
  try {
    try {
      await dynamo.send(new CreateTableCommand(ticketTableDefinition(table)), { abortSignal: AbortSignal.timeout(SETUP_TIMEOUT_MS) });
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    // A new table is CREATING for a moment; the first tickets must not race it.
    await waitUntilTableExists({ client: dynamo, minDelay: 0.05, maxWaitTime: 60 }, { TableName: table });
  } catch (error) {
    throw new ConfigError(`${variable}: table ${table} could not be created: ${describe(error)}`);
  }
}

function describe(error: unknown): string {
  const e = error as { name?: string; message?: string };
  const text = e.name === "AbortError" || e.name === "TimeoutError" ? `no answer within ${SETUP_TIMEOUT_MS / 1000} s` : `${e.name && e.name !== "Error" ? `${e.name}: ` : ""}${e.message ?? String(error)}`;
  return text.replace(/\s*\n\s*/g, "; ");
}
