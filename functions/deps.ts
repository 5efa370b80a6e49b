import { ulid } from "ulid";
import { documentClient, s3Client } from "./adapters/clients.js";
import { DynamoTicketStore } from "./adapters/dynamo-ticket-store.js";
import { S3Signer } from "./adapters/s3-signer.js";
import { loadConfig, type Config } from "./config.js";
import type { Clock, Ids, SignDeps } from "./ports.js";

export const systemClock: Clock = { now: () => new Date() };
export const ulidIds: Ids = { next: () => ulid() };

/** The sign functions' dependencies, built once per container from the environment. */
export function signDeps(config: Config = loadConfig()): SignDeps {
  const s3 = s3Client({ region: config.region, ...(config.s3Endpoint ? { endpoint: config.s3Endpoint } : {}) });
  const dynamo = documentClient({ region: config.region, ...(config.dynamoEndpoint ? { endpoint: config.dynamoEndpoint } : {}) });
  return {
    profiles: config.profiles,
    signer: new S3Signer(s3, config.bucket),
    tickets: new DynamoTicketStore(dynamo, config.table),
    clock: systemClock,
    ids: ulidIds,
  };
}
