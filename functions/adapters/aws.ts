/** What every adapter shares about AWS, without importing an SDK client. */

/** Static credentials; without them the Lambda's role credentials are read from the environment. */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** When temporary credentials stop working (the SDK's `AwsCredentialIdentity.expiration`), if known. */
  expiration?: Date;
}

/**
 * What a presigner signs with: static credentials, or a provider of them (the SDK's
 * `AwsCredentialIdentityProvider` shape, e.g. `fromNodeProviderChain()`), asked before each
 * signature so it can refresh what is about to expire.
 */
export type CredentialSource = Credentials | (() => Promise<Credentials>);

/** A URL is never promised closer than this to the end of its credentials (clock skew, transfer time). */
export const CREDENTIALS_MARGIN_SECONDS = 30;

/** The HTTP status of an AWS SDK error (`$metadata.httpStatusCode`), if it has one. */
export const httpStatus = (error: unknown): number | undefined => (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;

/** The DNS suffix of AWS endpoints in a region's partition. */
export const awsDomain = (region: string) => (region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com");

/**
 * The endpoint the environment names for a service, as the SDK reads it
 * (`AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`); `undefined` for AWS's own.
 */
export const endpointFromEnv = (service: "S3" | "DYNAMODB" | "EVENTBRIDGE" | "CLOUDFRONT" | "SECRETS_MANAGER"): string | undefined =>
  process.env[`AWS_ENDPOINT_URL_${service}`] || process.env.AWS_ENDPOINT_URL || undefined;

/**
 * The credentials to sign with: the static ones given, else the Lambda role's, read from
 * the environment on every call (as the SDK's `fromEnv` does), so nothing stale is kept.
 */
export function resolveCredentials(given: Credentials | undefined, env = process.env): Credentials {
  if (given) return given;
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = env;
  if (!accessKeyId || !secretAccessKey) {
    throw new Error("No AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set");
  }
  // AWS_CREDENTIAL_EXPIRATION: read as the SDK's fromEnv reads it (Lambda sets none).
  const expiration = env.AWS_CREDENTIAL_EXPIRATION ? new Date(env.AWS_CREDENTIAL_EXPIRATION) : undefined;
  return {
    accessKeyId,
    secretAccessKey,
    ...(sessionToken ? { sessionToken } : {}),
    ...(expiration && !Number.isNaN(expiration.getTime()) ? { expiration } : {}),
  };
}

/** The credentials to sign with now: a provider's current identity, or as `resolveCredentials`. */
export async function signingCredentials(source: CredentialSource | undefined): Promise<Credentials> {
  return typeof source === "function" ? source() : resolveCredentials(source);
}

/**
 * How long a URL signed at `signedAt` may live: `wanted` seconds, but never past its credentials'
 * `expiration` (less `CREDENTIALS_MARGIN_SECONDS`), since S3 refuses a URL whose signing session
 * has ended, whatever its `X-Amz-Expires`. Credentials that end sooner than that cannot sign.
 */
export function signingSeconds(wanted: number, signedAt: Date, credentials: Credentials): number {
  if (!credentials.expiration) return wanted;
  const left = Math.floor((credentials.expiration.getTime() - signedAt.getTime()) / 1000) - CREDENTIALS_MARGIN_SECONDS;
  if (left < 1) throw new Error(`The signing credentials expire at ${credentials.expiration.toISOString()}: too soon to sign a URL`);
  return Math.min(wanted, left);
}
