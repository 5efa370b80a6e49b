import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import * as z from "zod/mini";
import { EventBridgePublisher } from "./adapters/eventbridge-publisher.js";
import { PowertoolsMetricSink } from "./adapters/powertools-metrics.js";
import { parseEnv } from "./config.js";
import { makePublishHandler } from "./handlers/publish.js";

const Env = z.object({
  BUCKET_NAME: z.string().check(z.minLength(3)),
  /** The bus's name or ARN; unset or empty: the account's default bus. */
  EVENT_BUS_NAME: z.optional(z.string()),
  AWS_REGION: z._default(z.string().check(z.minLength(1)), "us-east-1"),
});

const env = parseEnv(Env, process.env);
// Built once per container, at cold start.
const client = new EventBridgeClient({ region: env.AWS_REGION });

/** Lambda entry for the ticket table's stream: publishes completion events to EventBridge. */
export const handler = makePublishHandler({
  bucket: env.BUCKET_NAME,
  metrics: new PowertoolsMetricSink(),
  publisher: new EventBridgePublisher(client, env.EVENT_BUS_NAME ? { eventBus: env.EVENT_BUS_NAME } : {}),
});
