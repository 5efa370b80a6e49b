/** `npm start`: the whole upload flow on a laptop. */
import { ConfigError } from "../functions/errors.js";
import { loadLocalConfig } from "./config.js";
import { startLocalServer } from "./server.js";

try {
  const config = loadLocalConfig();
  const server = await startLocalServer(config);
  console.log(`upload-broker local API: ${server.url}  (demo page: ${server.url}/)
  S3        ${config.s3Endpoint ? server.s3Endpoint : `${server.s3Endpoint} (embedded s3rver, data in ${config.dataDir}/s3)`}  bucket ${server.bucket}, region ${config.region}
  DynamoDB  ${config.dynamoEndpoint ? server.dynamoEndpoint : `${server.dynamoEndpoint} (embedded dynalite, data in ${config.dataDir}/dynamodb)`}
  profiles  ${config.profiles.map((p) => p.name).join(", ")} (${config.profilesSource})
Get a token:  curl -s -X POST ${server.url}/dev/token -d '{"sub":"alice"}'
Ctrl-C stops everything.`);
  const stop = async () => {
    await server.close();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
