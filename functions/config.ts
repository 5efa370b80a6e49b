import { createHash } from "node:crypto";
import * as z from "zod/mini";
import type { $ZodType, output } from "zod/v4/core";
import { parseProfiles } from "./domain/profiles.js";
import { ConfigError } from "./errors.js";
import type { Profile } from "./schemas.js";

const Env = z.object({
  BUCKET_NAME: z.string().check(z.minLength(3)),
  TABLE_NAME: z.string().check(z.minLength(3)),
  PROFILES: z.string().check(z.minLength(2)),
  /** The stack's checksum of PROFILES (see `environmentProfiles`); unset when they are set by hand. */
  PROFILES_SHA256: z.optional(z.string()),
  AWS_REGION: z._default(z.string().check(z.minLength(1)), "us-east-1"),
  /** Only for S3-compatible servers (local mode, tests); AWS needs none. */
  S3_ENDPOINT: z.optional(z.url()),
  DYNAMODB_ENDPOINT: z.optional(z.url()),
  /** `true` when the stack scans uploads for malware (GuardDuty); set on the functions that record. */
  MALWARE_SCAN: z._default(z.enum(["true", "false"]), "false"),
  /** Where the CDN serves public profiles' files (`https://cdn.example.com/`); set when any profile is public. */
  PUBLIC_FILES_URL: z.optional(z.url()),
});

export interface Config {
  bucket: string;
  table: string;
  region: string;
  profiles: Profile[];
  s3Endpoint?: string;
  dynamoEndpoint?: string;
  /** Uploads wait in `scanning` until GuardDuty's scan result. */
  malwareScan: boolean;
  /** The base URL of public files, when any profile is public. */
  publicFilesUrl?: string;
}

/**
 * Reads and validates the broker's environment once (publish-events reads its own variables
 * with `parseEnv`; the AWS adapters read the runtime's credentials and endpoint overrides). Throws a
 * `ConfigError` naming every missing variable or bad profile, so a misconfigured function
 * fails at cold start instead of on a user's request.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const e = parseEnv(Env, env);
  return {
    bucket: e.BUCKET_NAME,
    table: e.TABLE_NAME,
    region: e.AWS_REGION,
    profiles: environmentProfiles(e.PROFILES, e.PROFILES_SHA256),
    malwareScan: e.MALWARE_SCAN === "true",
    ...(e.S3_ENDPOINT ? { s3Endpoint: e.S3_ENDPOINT } : {}),
    ...(e.DYNAMODB_ENDPOINT ? { dynamoEndpoint: e.DYNAMODB_ENDPOINT } : {}),
    ...(e.PUBLIC_FILES_URL ? { publicFilesUrl: e.PUBLIC_FILES_URL } : {}),
  };
}

/** Validates environment variables against `schema`; every bad one is named in the error. */
export function parseEnv<S extends $ZodType>(schema: S, env: NodeJS.ProcessEnv): output<S> {
  const parsed = z.safeParse(schema, env);
  if (parsed.success) return parsed.data;
  throw new ConfigError(`Invalid environment:\n${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("\n")}`);
}

/** What the stack writes into each function's environment: the validated profiles, and their checksum. */
export function profilesEnvironment(profiles: readonly Profile[]): { PROFILES: string; PROFILES_SHA256: string } {
  const json = JSON.stringify(profiles);
  return { PROFILES: json, PROFILES_SHA256: sha256(json) };
}
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * The profiles of a function's environment. The stack validates them at synth, with this same
 * schema, and writes the parsed list with its SHA-256 (`profilesEnvironment`): a list that
 * matches its checksum is taken as is, since validating it again cost each cold start some 3 ms
 * (a twentieth of the naive bundle's whole import). A list without one (set by hand), or one
 * that no longer matches it (edited in the console since the deploy), is validated here: a valid
 * edit works, with a warning in the log; an invalid one stops the function at start. The
 * checksum guards against mistakes, not against someone who may change the function anyway.
 */
export function environmentProfiles(text: string, checksum: string | undefined): Profile[] {
  if (checksum && sha256(text) === checksum) return JSON.parse(text) as Profile[];
  if (checksum) console.warn("PROFILES was changed since the stack wrote it (PROFILES_SHA256 does not match): validating it. Change profiles in the stack's props and deploy.");
  return parseProfilesJson(text, "PROFILES");
}

/** Parses a profile list given as JSON text; `source` names it in errors. */
export function parseProfilesJson(text: string, source: string): Profile[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${source} is not valid JSON: ${(error as Error).message}`);
  }
  return parseProfiles(raw, source);
}
