import { awsDomain, endpointFromEnv, type Credentials } from "./aws.js";
import { jsonTargetCall } from "./json-target.js";
import { SignedHttp } from "./signed-http.js";

export interface SecretReaderOptions {
  region: string;
  /** The secret's ARN (or name). */
  secretId: string;
  /** How long a value read is used before it is read again, so a rotated secret is picked up. @default 300_000 (5 min) */
  refreshMs?: number;
  /** A Secrets Manager-compatible endpoint (tests); else the environment's (as the SDK reads it), else AWS's regional one. */
  endpoint?: string;
  /** Static credentials; the Lambda role's from the environment when omitted. */
  credentials?: Credentials;
  now?: () => number;
}

/**
 * One secret's current value (`SecretString`, the `AWSCURRENT` version), read with Secrets
 * Manager's `GetSecretValue` (json-target.ts) and kept per container for `refreshMs`: a warm function
 * reads it once in five minutes, and signs with a rotated value at most that long after the
 * rotation. A failed read is not kept: the next call reads again.
 */
export class SecretReader {
  private readonly http: SignedHttp;
  private cached?: { value: Promise<string>; until: number };

  constructor(private readonly options: SecretReaderOptions) {
    const endpoint = options.endpoint ?? endpointFromEnv("SECRETS_MANAGER") ?? `https://secretsmanager.${options.region}.${awsDomain(options.region)}`;
    this.http = new SignedHttp("secretsmanager", options.region, endpoint, options.credentials);
  }

  value(): Promise<string> {
    const now = (this.options.now ?? Date.now)();
    if (this.cached && now < this.cached.until) return this.cached.value;
    const value = this.read();
    this.cached = { value, until: now + (this.options.refreshMs ?? 300_000) };
    value.catch(() => {
      if (this.cached?.value === value) this.cached = undefined;
    });
    return value;
  }

  private async read(): Promise<string> {
    const { SecretString } = await jsonTargetCall<{ SecretString?: string }>(this.http, "secretsmanager.GetSecretValue", { SecretId: this.options.secretId });
    if (typeof SecretString !== "string") throw new Error(`The secret ${this.options.secretId} holds no SecretString (a binary secret cannot sign webhooks)`);
    return SecretString;
  }
}
