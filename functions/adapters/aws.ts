/** What every adapter shares about AWS, without importing an SDK client. */

/** Static credentials; without them the Lambda's role credentials are read from the environment. */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** The HTTP status of an AWS SDK error (`$metadata.httpStatusCode`), if it has one. */
export const httpStatus = (error: unknown): number | undefined => (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;

/** The DNS suffix of AWS endpoints in a region's partition. */
export const awsDomain = (region: string) => (region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com");

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
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}
