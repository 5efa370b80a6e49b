/**
 * How the broker signs what it POSTs to a webhook: the Standard Webhooks scheme
 * (standardwebhooks.com), through its maintained reference library. Three headers:
 * `webhook-id` (the event's id, the same on every retry, so receivers can drop duplicates),
 * `webhook-timestamp` (Unix seconds of this attempt) and `webhook-signature`
 * (`v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, keyed by the secret's bytes).
 * Secrets are `whsec_` + base64 of at least 24 random bytes; the prefix may be left out (the
 * stack's generated secret has none: Secrets Manager generates characters, not a prefix).
 * docs/api.md, "Webhooks".
 */
import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";

export const WEBHOOK_SECRET_PREFIX = "whsec_";
const MIN_SECRET_BYTES = 24;

/** A fresh secret in the scheme's format. */
export const newWebhookSecret = () => `${WEBHOOK_SECRET_PREFIX}${randomBytes(32).toString("base64")}`;

/** `value` as a Standard Webhooks secret: with its `whsec_` prefix, added when it has none. */
export const webhookSecretOf = (value: string) => (value.startsWith(WEBHOOK_SECRET_PREFIX) ? value : `${WEBHOOK_SECRET_PREFIX}${value}`);

/** Why `secret` cannot sign, or `undefined` when it can. */
export function webhookSecretProblem(secret: string): string | undefined {
  if (!secret.startsWith(WEBHOOK_SECRET_PREFIX)) return `must start with ${WEBHOOK_SECRET_PREFIX}`;
  const encoded = secret.slice(WEBHOOK_SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return `must be ${WEBHOOK_SECRET_PREFIX} followed by base64`;
  if (Buffer.from(encoded, "base64").length < MIN_SECRET_BYTES) return `must hold at least ${MIN_SECRET_BYTES} bytes`;
  return undefined;
}

/** The headers that sign `body` (the exact bytes sent) as event `id`, at `now`. */
export function webhookHeaders(secret: string, id: string, body: string, now = new Date()): Record<string, string> {
  return {
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
    "webhook-signature": new Webhook(secret).sign(id, now, body),
  };
}
