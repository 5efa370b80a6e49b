import * as z from "zod/mini";
import { SecretReader } from "../adapters/secret-reader.js";
import { fetchSender } from "../adapters/webhook-sender.js";
import { parseEnv } from "../config.js";
import { ConfigError } from "../errors.js";
import { makeDeliverHandler, type DeliverResult } from "../handlers/deliver-webhook.js";

const Env = z.object({
  /** Set together, by the stack, when it has a webhook. */
  WEBHOOK_URL: z.optional(z.url()),
  WEBHOOK_SECRET_ARN: z.optional(z.string().check(z.minLength(1))),
  AWS_REGION: z._default(z.string().check(z.minLength(1)), "us-east-1"),
});

const env = parseEnv(Env, process.env);
/** One POST's time limit (the function's own is 30 s: a secret read and this, with room). */
const POST_TIMEOUT_MS = 10_000;
const secret = env.WEBHOOK_SECRET_ARN ? new SecretReader({ region: env.AWS_REGION, secretId: env.WEBHOOK_SECRET_ARN }) : undefined;

/**
 * Lambda entry for the webhook rule (EventBridge): signs and POSTs each completion event to
 * WEBHOOK_URL. Built in every stack; one without `webhookUrl` routes nothing here, and an
 * invocation there says so.
 */
export const handler: (event: unknown) => Promise<DeliverResult> =
  env.WEBHOOK_URL && secret
    ? makeDeliverHandler({ url: env.WEBHOOK_URL, secret: () => secret.value(), send: fetchSender(POST_TIMEOUT_MS) })
    : () => Promise.reject(new ConfigError("This stack has no webhook (webhookUrl is not set): WEBHOOK_URL and WEBHOOK_SECRET_ARN are unset, so nothing is delivered."));
