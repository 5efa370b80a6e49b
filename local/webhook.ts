/**
 * Local mode's completion events: no stream and no EventBridge, so the ticket store itself
 * reports each change, and a webhook publisher POSTs the event JSON to `WEBHOOK_URL`.
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { transitionEvent, type EventPublisher } from "../functions/domain/events.js";
import type { FileUrls } from "../functions/domain/public-files.js";
import { deliveryOutcome, toWebhookBody, type WebhookBody } from "../functions/domain/webhook-delivery.js";
import { webhookHeaders } from "../functions/domain/webhook-signature.js";
import type { TicketStore } from "../functions/ports.js";
import type { Ticket } from "../functions/schemas.js";

/** Where events are logged: Powertools' logger and `console` both fit. */
export interface EventLog {
  info(message: string, fields: Record<string, unknown>): void;
  warn(message: string, fields: Record<string, unknown>): void;
}

export interface WebhookOptions {
  /** Attempts after the first, for a network error, a timeout, a 408, a 429 or a 5xx. @default 3 */
  retries?: number;
  /** The first retry's delay; each next one doubles it. @default 250 (ms) */
  backoffMs?: number;
  /** One attempt's time limit. @default 5000 (ms) */
  timeoutMs?: number;
  /** Signs every delivery (Standard Webhooks headers); see functions/domain/webhook-signature.ts. */
  secret?: string;
}


/** A publisher that logs every event and delivers it in the background; `idle()` waits for deliveries (tests, shutdown). */
export type WebhookPublisher = EventPublisher & { idle(): Promise<void> };

/**
 * Logs each event and, when `url` is set, POSTs it there, in order, with a few retries and
 * exponential backoff. `publish` resolves at once: a sink that is down, slow or failing never
 * slows or breaks an upload; a delivery that finally fails is logged as a warning.
 */
export function webhookPublisher(url: string | undefined, log: EventLog, options: WebhookOptions = {}): WebhookPublisher {
  const { retries = 3, backoffMs = 250, timeoutMs = 5000, secret } = options;
  let queue: Promise<void> = Promise.resolve();

  const deliver = async (body: WebhookBody): Promise<void> => {
    const text = JSON.stringify(body);
    // Each attempt is signed at a later second than the one before: receivers tell a retry
    // (same id, new timestamp) from a replay (same id and timestamp) by it.
    let signedAt = 0;
    for (let attempt = 0; ; attempt++) {
      signedAt = Math.max(Date.now(), signedAt + 1000);
      let problem: string;
      try {
        const response = await fetch(url!, {
          method: "POST",
          // Signed again per attempt: the timestamp is the attempt's, the id the event's.
          headers: { "content-type": "application/json", ...(secret ? webhookHeaders(secret, body.id, text, new Date(signedAt)) : {}) },
          body: text,
          signal: AbortSignal.timeout(timeoutMs),
        });
        await response.body?.cancel();
        const outcome = deliveryOutcome(response.status);
        if (outcome === "delivered") return;
        problem = `HTTP ${response.status}`;
        if (outcome === "refused") attempt = retries; // the receiver refuses it: no retry
      } catch (error) {
        problem = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      }
      if (attempt >= retries) {
        log.warn("completion event not delivered to WEBHOOK_URL", { url, id: body.id, "detail-type": body["detail-type"], uploadId: body.detail.uploadId, problem });
        return;
      }
      await sleep(backoffMs * 2 ** attempt, undefined, { ref: false });
    }
  };

  return {
    async publish(events) {
      for (const event of events) {
        const body = toWebhookBody(event, randomUUID());
        log.info("completion event", { ...body });
        if (url) queue = queue.then(() => deliver(body));
      }
    },
    idle: () => queue,
  };
}

/** The ticket `changes` make of `before`, as `TicketStore.update` applies them. */
function applyChanges(before: Ticket, changes: Partial<Ticket>): Ticket {
  const next: Record<string, unknown> = { ...before, version: before.version + 1 };
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete next[name];
    else next[name] = value;
  }
  return next as Ticket;
}

/**
 * A ticket store that reports every successful update's transition to `publisher`, as the
 * table's stream does in AWS. It reads the ticket before updating: when that read has the
 * version it was read at, the new ticket is derived from it exactly. The publisher is
 * not awaited beyond handing the events over, and its failures never fail the update.
 */
export function publishingTicketStore(
  store: TicketStore,
  bucket: string,
  publisher: EventPublisher,
  onError: (error: unknown) => void = () => {},
  fileUrl?: FileUrls,
): TicketStore {
  return {
    get: (uploadId) => store.get(uploadId),
    listByOwner: (owner, query) => store.listByOwner(owner, query),
    async update(before, changes) {
      if (!(await store.update(before, changes))) return false;
      try {
        // The update applied exactly to `before` (it was conditional on its version).
        const event = transitionEvent(before, applyChanges(before, changes), bucket, undefined, fileUrl);
        if (event) publisher.publish([event]).catch(onError);
      } catch (error) {
        onError(error);
      }
      return true;
    },
  };
}
