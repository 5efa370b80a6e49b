import { ulid } from "ulid";
import { dynamoClient, s3Client } from "./adapters/clients.js";
import { DynamoTicketStore } from "./adapters/dynamo-ticket-store.js";
import { DynamoTicketWriter } from "./adapters/dynamo-ticket-writer.js";
import { S3ObjectStore } from "./adapters/s3-object-store.js";
import { S3Signer } from "./adapters/s3-signer.js";
import { loadConfig, type Config } from "./config.js";
import type { Clock, Ids, RecordDeps, SignDeps, StatusDeps } from "./ports.js";

export const systemClock: Clock = { now: () => new Date() };
export const ulidIds: Ids = { next: () => ulid() };

const s3 = (config: Config) => s3Client({ region: config.region, ...(config.s3Endpoint ? { endpoint: config.s3Endpoint } : {}) });
const dynamo = (config: Config) => dynamoClient({ region: config.region, ...(config.dynamoEndpoint ? { endpoint: config.dynamoEndpoint } : {}) });
const tickets = (config: Config) => new DynamoTicketStore(dynamo(config), config.table);

/** The sign functions' dependencies, built once per container from the environment. */
export function signDeps(config: Config = loadConfig()): SignDeps {
  return { profiles: config.profiles, signer: new S3Signer(s3(config), config.bucket), tickets: new DynamoTicketWriter(dynamo(config), config.table), clock: systemClock, ids: ulidIds };
}

/** The record function's dependencies. */
export function recordDeps(config: Config = loadConfig()): RecordDeps & { bucket: string } {
  return { bucket: config.bucket, objects: new S3ObjectStore(s3(config), config.bucket), tickets: tickets(config), clock: systemClock };
}

/** The status functions' dependencies. */
export function statusDeps(config: Config = loadConfig()): StatusDeps {
  return { tickets: tickets(config), clock: systemClock };
}
