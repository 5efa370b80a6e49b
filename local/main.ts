/**
 * `npm start`: the whole upload flow on a laptop. Run as `node --import tsx local/main.ts`
 * (one process: SIGINT or SIGTERM to it stops everything it started).
 */
import { ConfigError } from "../functions/errors.js";
import { LOCAL_ADMIN_CREDENTIALS } from "./admin-auth.js";
import { loadLocalConfig, oneLine } from "./config.js";
import { startLocalServer, type LocalServer } from "./server.js";

/** A start-up mistake is one line naming the variable; anything else keeps its stack. */
function fail(error: unknown): never {
  console.error(error instanceof ConfigError ? oneLine(error.message) : error);
  process.exit(1);
}

let server: LocalServer | undefined;
let stopping = false;
// A signal during start-up or shutdown must stop the process too.
const stop = () => {
  if (stopping) process.exit(0);
  stopping = true;
  // Whatever hangs (a client holding a connection open), the process is gone within seconds.
  setTimeout(() => process.exit(0), 3000).unref();
  (server ? server.close() : Promise.resolve()).then(
    () => process.exit(0),
    () => process.exit(0),
  );
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);

try {
  const config = loadLocalConfig();
  server = await startLocalServer(config);
  const where = config.host === "127.0.0.1" ? "" : `\n  listening on ${config.host.includes(":") ? `[${config.host}]` : config.host}:${new URL(server.url).port}`;
  const hosts = config.allowedHosts.length ? `; also answers to ${config.allowedHosts.join(", ")}` : "";
  const cors = config.corsOrigins.length ? `\n  CORS      ${config.corsOrigins.join(", ")}` : "";
  const webhook = config.webhookUrl
    ? `\n  webhook   ${config.webhookUrl}, signed with ${config.webhookSecretGenerated ? `${config.webhookSecret} (made up for this run: set WEBHOOK_SECRET to keep one)` : "WEBHOOK_SECRET"}`
    : "";
  console.log(`upload-broker local API: ${server.url}  (demo page: ${server.url}/)${where}${where ? hosts : hosts ? `\n  ${hosts.slice(2)}` : ""}
  S3        ${config.s3Endpoint ? server.s3Endpoint : `${server.s3Endpoint} (embedded s3rver behind a door that checks signatures and policies, data in ${config.dataDir}/s3)`}  bucket ${server.bucket}, region ${config.region}
  DynamoDB  ${config.dynamoEndpoint ? server.dynamoEndpoint : `${server.dynamoEndpoint} (embedded dynalite with transactions, data in ${config.dataDir}/dynamodb)`}
  profiles  ${config.profiles.map((p) => p.name).join(", ")} (${config.profilesSource})${cors}${webhook}
  admin     /admin/* routes: SigV4 (execute-api, ${config.region}) with ${LOCAL_ADMIN_CREDENTIALS.accessKeyId} / ${LOCAL_ADMIN_CREDENTIALS.secretAccessKey}
Get a token:  curl -s -X POST ${server.url}/dev/token -d '{"sub":"alice"}'
Ctrl-C stops everything.`);
} catch (error) {
  fail(error);
}
