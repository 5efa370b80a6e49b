import { readFileSync } from "node:fs";
import * as z from "zod";
import { parseEnv, parseProfilesJson } from "../functions/config.js";
import { DEMO_PROFILES } from "../functions/domain/demo-profiles.js";
import { ConfigError } from "../functions/errors.js";
import type { Profile } from "../functions/schemas.js";

const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  S3_ENDPOINT: z.url().optional(),
  S3_BUCKET: z.string().min(3).default("uploads"),
  S3_REGION: z.string().min(1).default("us-east-1"),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  DYNAMODB_ENDPOINT: z.url().optional(),
  PROFILES_FILE: z.string().min(1).optional(),
  /** Where the embedded servers keep their data. */
  LOCAL_DATA_DIR: z.string().min(1).default(".local-data"),
});

/** Local mode's settings (CONTRACT.md § Local mode); unset endpoints mean embedded servers. */
export interface LocalConfig {
  port: number;
  s3Endpoint?: string;
  bucket: string;
  region: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  dynamoEndpoint?: string;
  profiles: Profile[];
  profilesSource: string;
  dataDir: string;
}

/** Reads local mode's environment once; bad values fail fast with the variable's name. */
export function loadLocalConfig(env: NodeJS.ProcessEnv = process.env): LocalConfig {
  const e = parseEnv(Env, env);
  if (Boolean(e.S3_ACCESS_KEY_ID) !== Boolean(e.S3_SECRET_ACCESS_KEY)) {
    throw new ConfigError("Set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither.");
  }
  return {
    port: e.PORT,
    bucket: e.S3_BUCKET,
    region: e.S3_REGION,
    dataDir: e.LOCAL_DATA_DIR,
    ...(e.S3_ENDPOINT ? { s3Endpoint: e.S3_ENDPOINT } : {}),
    ...(e.S3_ACCESS_KEY_ID && e.S3_SECRET_ACCESS_KEY
      ? { credentials: { accessKeyId: e.S3_ACCESS_KEY_ID, secretAccessKey: e.S3_SECRET_ACCESS_KEY } }
      : {}),
    ...(e.DYNAMODB_ENDPOINT ? { dynamoEndpoint: e.DYNAMODB_ENDPOINT } : {}),
    profiles: e.PROFILES_FILE ? readProfiles(e.PROFILES_FILE) : DEMO_PROFILES,
    profilesSource: e.PROFILES_FILE ?? "built-in demo profiles",
  };
}

function readProfiles(file: string): Profile[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError(`PROFILES_FILE ${file} could not be read: ${(error as Error).message}`);
  }
  return parseProfilesJson(text, file);
}
