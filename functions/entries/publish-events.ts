import * as z from "zod/mini";
import { EventBridgePublisher } from "../adapters/eventbridge-publisher.js";
import { PowertoolsMetricSink } from "../adapters/powertools-metrics.js";
import { publicFileDeps } from "../adapters/public-file-deps.js";
import { parseEnv } from "../config.js";
import { makePublishHandler, type PublicFileDeps } from "../handlers/publish-events.js";

const Env = z.object({
  BUCKET_NAME: z.string().check(z.minLength(3)),
  /** The bus's name or ARN; unset or empty: the account's default bus. */
  EVENT_BUS_NAME: z.optional(z.string()),
  AWS_REGION: z._default(z.string().check(z.minLength(1)), "us-east-1"),
  /** The profiles (which of them are public); needed with PUBLIC_FILES_URL. */
  PROFILES: z.optional(z.string()),
  PROFILES_SHA256: z.optional(z.string()),
  /** Set when any profile is public: where the CDN serves files, and which distribution to invalidate. */
  PUBLIC_FILES_URL: z.optional(z.url()),
  PUBLIC_FILES_DISTRIBUTION_ID: z.optional(z.string().check(z.minLength(1))),
});

const env = parseEnv(Env, process.env);

// The S3 and CloudFront clients, only when some profile is public.
const files: PublicFileDeps | undefined = env.PUBLIC_FILES_URL
  ? publicFileDeps({
      region: env.AWS_REGION, bucket: env.BUCKET_NAME, profiles: env.PROFILES ?? "", url: env.PUBLIC_FILES_URL,
      ...(env.PROFILES_SHA256 ? { profilesChecksum: env.PROFILES_SHA256 } : {}),
      ...(env.PUBLIC_FILES_DISTRIBUTION_ID ? { distributionId: env.PUBLIC_FILES_DISTRIBUTION_ID } : {}),
    })
  : undefined;

/** Lambda entry for the ticket table's stream: serves public files, publishes completion events to EventBridge. */
export const handler = makePublishHandler({
  bucket: env.BUCKET_NAME,
  metrics: new PowertoolsMetricSink(),
  publisher: new EventBridgePublisher({ region: env.AWS_REGION, ...(env.EVENT_BUS_NAME ? { eventBus: env.EVENT_BUS_NAME } : {}) }),
  ...(files ? { files } : {}),
});
