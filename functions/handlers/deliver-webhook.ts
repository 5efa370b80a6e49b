import { deliveryOutcome, webhookBodyOf } from "../domain/webhook-delivery.js";
import { webhookHeaders, webhookSecretOf, webhookSecretProblem } from "../domain/webhook-signature.js";
import { ConfigError } from "../errors.js";
import { logger } from "../log.js";

export interface DeliverDeps {
  /** Where every event goes (the stack's `webhookUrl`). */
  url: string;
  /** The webhook secret's current value (`whsec_…`, or its base64 alone). */
  secret: () => Promise<string>;
  /** One POST: the receiver's status; throws when there is no answer (network error, timeout). */
  send: (url: string, headers: Record<string, string>, body: string) => Promise<number>;
  now?: () => Date;
}

/** What one invocation did with its event; a delivery to try again throws instead. */
export type DeliverResult = { delivered: true; status: number } | { delivered: false; reason: string };

/**
 * The webhook rule's target: one completion event (the whole EventBridge event) POSTed to the
 * webhook as JSON, signed by the Standard Webhooks scheme with the event's id (the same on every
 * retry) and this attempt's time. A 2xx delivers it. No answer, a timeout, a 408, a 429 or a 5xx
 * fails the invocation, so Lambda tries it again and finally parks it on the webhook's
 * dead-letter queue. Any other answer is the receiver refusing this event: logged, not retried.
 */
export const makeDeliverHandler = (deps: DeliverDeps) => async (event: unknown): Promise<DeliverResult> => {
  const body = webhookBodyOf(event);
  if (!body) {
    logger.error("not an upload-broker completion event; not delivered", { id: (event as { id?: unknown } | null)?.id });
    return { delivered: false, reason: "not a completion event" };
  }
  const secret = webhookSecretOf((await deps.secret()).trim());
  const problem = webhookSecretProblem(secret);
  if (problem) throw new ConfigError(`The webhook secret cannot sign: it ${problem} (docs/api.md, "Webhooks").`);
  const text = JSON.stringify(body);
  const headers = { "content-type": "application/json", "user-agent": "upload-broker-webhook", ...webhookHeaders(secret, body.id, text, deps.now?.() ?? new Date()) };
  const fields = { id: body.id, "detail-type": body["detail-type"], uploadId: body.detail.uploadId };
  let status: number | undefined;
  try {
    status = await deps.send(deps.url, headers, text);
  } catch (error) {
    throw new Error(`The webhook did not answer (${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}); tried again`, { cause: error });
  }
  const outcome = deliveryOutcome(status);
  if (outcome === "retry") throw new Error(`The webhook answered HTTP ${status}; tried again`);
  if (outcome === "refused") {
    logger.error("the webhook refused the event; not retried", { ...fields, status });
    return { delivered: false, reason: `HTTP ${status}` };
  }
  logger.info("completion event delivered to the webhook", { ...fields, status });
  return { delivered: true, status };
};
