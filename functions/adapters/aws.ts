/** What every adapter shares about AWS, without importing an SDK client. */

/** Static credentials; without them the Lambda's role credentials are read from the environment. */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** The DNS suffix of AWS endpoints in a region's partition. */
export const awsDomain = (region: string) => (region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com");
