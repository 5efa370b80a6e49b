import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { parseProfilesJson } from "../functions/config.js";
import { DEMO_PROFILES } from "../functions/domain/demo-profiles.js";
import { newWebhookSecret, webhookSecretProblem } from "../functions/domain/webhook-signature.js";
import { ConfigError } from "../functions/errors.js";
import type { Profile } from "../functions/schemas.js";
import { validateCorsOrigins } from "../lib/cors-origins.js";

/** Local mode's settings (docs/local-mode.md); unset endpoints mean embedded servers. */
export interface LocalConfig {
  port: number;
  /** The interface to bind: an IP address (`127.0.0.1`, `0.0.0.0`, `::`, a LAN address). */
  host: string;
  /** Extra host names (no port) the server answers to, lowercase; IPv6 addresses bracketed. */
  allowedHosts: string[];
  /** Extra exact browser origins allowed to call the API and upload to the embedded bucket. */
  corsOrigins: string[];
  /** Where completion events are POSTed (they are always logged). */
  webhookUrl?: string;
  /** Signs each POST to `webhookUrl`: WEBHOOK_SECRET, or one made up at start-up. */
  webhookSecret?: string;
  /** `WEBHOOK_SECRET` was not set, so `webhookSecret` was generated for this run. */
  webhookSecretGenerated?: boolean;
  s3Endpoint?: string;
  bucket: string;
  region: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  dynamoEndpoint?: string;
  profiles: Profile[];
  profilesSource: string;
  dataDir: string;
}

/**
 * Reads local mode's environment once. A bad value fails fast with a `ConfigError` whose
 * message is one line naming the variable (main.ts prints nothing else).
 */
export function loadLocalConfig(env: NodeJS.ProcessEnv = process.env): LocalConfig {
  const value = (name: string) => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  const accessKeyId = value("S3_ACCESS_KEY_ID");
  const secretAccessKey = value("S3_SECRET_ACCESS_KEY");
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) {
    throw new ConfigError("S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY: set both, or neither.");
  }
  const bucket = value("S3_BUCKET") ?? "uploads";
  if (bucket.length < 3) throw new ConfigError(`S3_BUCKET ${JSON.stringify(bucket)} is too short for a bucket name.`);
  const s3Endpoint = endpoint("S3_ENDPOINT", value("S3_ENDPOINT"));
  const dynamoEndpoint = endpoint("DYNAMODB_ENDPOINT", value("DYNAMODB_ENDPOINT"));
  const profilesFile = value("PROFILES_FILE");
  const webhookUrl = value("WEBHOOK_URL");
  if (webhookUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(webhookUrl)) {
    throw new ConfigError(`WEBHOOK_URL ${JSON.stringify(webhookUrl)} is not an http(s) URL.`);
  }
  const webhookSecret = value("WEBHOOK_SECRET");
  const secretProblem = webhookSecret === undefined ? undefined : webhookSecretProblem(webhookSecret);
  if (secretProblem) throw new ConfigError(`WEBHOOK_SECRET ${secretProblem} (e.g. whsec_ and 32 random bytes in base64).`);
  return {
    port: port(value("PORT")),
    host: host(value("HOST")),
    allowedHosts: allowedHosts(value("ALLOWED_HOSTS")),
    corsOrigins: corsOrigins(value("CORS_ORIGINS")),
    bucket,
    region: value("S3_REGION") ?? "us-east-1",
    dataDir: value("LOCAL_DATA_DIR") ?? ".local-data",
    ...(s3Endpoint ? { s3Endpoint } : {}),
    ...(webhookUrl ? { webhookUrl, webhookSecret: webhookSecret ?? newWebhookSecret(), webhookSecretGenerated: !webhookSecret } : {}),
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
    ...(dynamoEndpoint ? { dynamoEndpoint } : {}),
    profiles: profilesFile ? readProfiles(profilesFile) : DEMO_PROFILES,
    profilesSource: profilesFile ?? "built-in demo profiles",
  };
}

function port(raw: string | undefined): number {
  if (raw === undefined) return 3000;
  const n = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 0 && n <= 65535)) throw new ConfigError(`PORT ${JSON.stringify(raw)} is not a port number (0-65535; 0 picks a free one).`);
  return n;
}

function host(raw: string | undefined): string {
  if (raw === undefined) return "127.0.0.1";
  if (raw.toLowerCase() === "localhost") return "127.0.0.1";
  const bare = raw.replace(/^\[(.*)\]$/, "$1");
  if (!isIP(bare)) throw new ConfigError(`HOST ${JSON.stringify(raw)} is not an IP address (e.g. 127.0.0.1, or 0.0.0.0 for every interface).`);
  return bare;
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Host names as they appear in a Host header without the port: `name`, `1.2.3.4`, `[::1]`. */
function allowedHosts(raw: string | undefined): string[] {
  const hosts = list(raw).map((h) => {
    const name = h.toLowerCase();
    const bare = name.replace(/^\[(.*)\]$/, "$1");
    if (isIP(bare) === 6) return `[${bare}]`;
    if (HOST_NAME.test(name)) return name;
    throw new ConfigError(`ALLOWED_HOSTS: ${JSON.stringify(h)} is not a host name or IP address (comma-separated, no port, e.g. 10.0.2.2,192.168.1.20).`);
  });
  return [...new Set(hosts)];
}

function corsOrigins(raw: string | undefined): string[] {
  try {
    return validateCorsOrigins(list(raw));
  } catch (error) {
    throw new ConfigError(`CORS_ORIGINS: ${(error as Error).message}`);
  }
}

const list = (raw: string | undefined) => (raw ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");

/** An S3 or DynamoDB endpoint: an http(s) URL with a host, no query, no credentials. */
function endpoint(name: string, raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const hint = "use http(s)://host[:port], e.g. http://127.0.0.1:9000";
  let url: URL | undefined;
  try {
    url = /^https?:\/\//i.test(raw) ? new URL(raw) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || !url.hostname) throw new ConfigError(`${name} ${raw} is not a URL: ${hint}.`);
  if (url.search || url.hash || url.username || url.password) {
    throw new ConfigError(`${name} ${raw} must not carry a query, fragment or credentials: ${hint}.`);
  }
  if (!/^[A-Za-z0-9._~/-]*$/.test(url.pathname)) {
    throw new ConfigError(`${name} ${raw}: its path may only hold letters, digits, '-', '.', '_', '~' and '/'.`);
  }
  return raw;
}

function readProfiles(file: string): Profile[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError(`PROFILES_FILE ${file} could not be read: ${oneLine((error as Error).message)}`);
  }
  try {
    return parseProfilesJson(text, file);
  } catch (error) {
    const message = (error as Error).message;
    if (!(error instanceof ConfigError)) throw error;
    // parseProfiles names the source on every line; one line, named by the variable, instead.
    const [head, ...lines] = message.split("\n");
    const detail = lines.length
      ? `${head!.replace(/:$/, "")}: ${lines.map((l) => (l.startsWith(`${file}: `) ? l.slice(file.length + 2) : l)).join("; ")}`
      : head!.startsWith(file) ? head!.slice(file.length).replace(/^[:\s]+/, "") : head!;
    throw new ConfigError(`PROFILES_FILE ${file}: ${oneLine(detail)}`);
  }
}

export const oneLine = (text: string) => text.replace(/\s*\n\s*/g, "; ").trim();
