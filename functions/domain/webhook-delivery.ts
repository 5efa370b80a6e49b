/**
 * What a webhook receives and how each answer is taken, the same in local mode
 * (local/webhook.ts) and in the stack (the deliver-webhook function): the body is the
 * EventBridge event's shape with five fields, and a delivery is done on a 2xx, tried again on a
 * network error, a timeout, a 408, a 429 or a 5xx, and given up at once on any other answer (the
 * receiver refuses this event; another attempt would be refused too). docs/api.md, "Webhooks".
 */
import { WebhookEvent, type CompletionEvent } from "./events.js";

/** The JSON a webhook receives. */
export type WebhookBody = Pick<WebhookEvent, "id" | "source" | "detail-type" | "time" | "detail">;

/** The body of `event`, delivered as event `id` (the same id on every retry of it). */
export const toWebhookBody = (event: CompletionEvent, id: string): WebhookBody => ({
  id,
  source: event.source,
  "detail-type": event.detailType,
  time: event.detail.at,
  detail: event.detail,
});

/**
 * The body of one EventBridge event the stack's rule hands over: its id and its completion
 * event (EventBridge's own fields, `account`, `region`, `resources`, `version`, are not sent,
 * so a receiver sees the same body in both modes). `undefined` when it is no completion event.
 */
export function webhookBodyOf(busEvent: unknown): WebhookBody | undefined {
  const parsed = WebhookEvent.safeParse(busEvent);
  if (!parsed.success) return undefined;
  const { id, source, "detail-type": detailType, detail } = parsed.data;
  return toWebhookBody({ source, detailType, detail }, id);
}

export type DeliveryOutcome = "delivered" | "retry" | "refused";

/** What one answer of the receiver means; `undefined` for no answer at all (network error, timeout). */
export function deliveryOutcome(status: number | undefined): DeliveryOutcome {
  if (status === undefined) return "retry";
  if (status >= 200 && status < 300) return "delivered";
  if (status >= 500 || status === 408 || status === 429) return "retry";
  return "refused";
}
