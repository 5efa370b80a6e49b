/**
 * `upload-broker-client/server`, for the app's own backend (Node.js 20 or newer, Deno, Bun, edge
 * runtimes; no AWS SDK): `verifyWebhook()` for the broker's completion webhooks and their types,
 * and `createAdminClient()` for the IAM-authorized admin routes.
 * Deliveries are signed by the Standard Webhooks scheme (docs/api.md, "Webhooks"), checked here
 * by that scheme's reference library, bundled in.
 */
import { Webhook, WebhookVerificationError as LibraryError } from "standardwebhooks";
import type { CompletionEventDetail, WebhookEvent } from "./api-types.js";

export type { CompletionEventDetail, WebhookEvent };
export { createAdminClient, type AdminClient, type AdminClientOptions, type AdminCredentials } from "./admin.js";
export { UploadError } from "./errors.js";

/** How far a delivery's timestamp may be from now (the scheme's value; not adjustable). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

export type WebhookFailure = "missing_headers" | "bad_signature" | "too_old" | "too_new" | "replayed" | "bad_body";

/** A delivery that must not be trusted: answer it with a 4xx and do nothing else. */
export class WebhookVerificationError extends Error {
  override readonly name = "WebhookVerificationError";
  constructor(
    readonly reason: WebhookFailure,
    message: string,
  ) {
    super(message);
  }
}

/** A request as Node's `http` gives it: the raw body exactly as received, not re-serialized JSON. */
export interface WebhookRequest {
  headers: Headers | Record<string, string | string[] | undefined>;
  body: string | Uint8Array;
}

/**
 * Remembers which signed deliveries were seen. `seen` records `key` and answers whether it was
 * already there; a key need not be kept after `until`. Share one (e.g. Redis `SET key 1 NX
 * PXAT until`) between the instances of a backend that runs on several machines.
 */
export interface ReplayGuard {
  seen(key: string, until: Date): boolean | Promise<boolean>;
}

/** This process's memory of recent deliveries: the default guard. */
export function memoryReplayGuard(limit = 10_000): ReplayGuard {
  const keys = new Map<string, number>();
  return {
    seen(key, until) {
      const now = Date.now();
      for (const [k, expiry] of keys) if (expiry <= now || keys.size >= limit) keys.delete(k);
      else break;
      if (keys.has(key)) return true;
      keys.set(key, until.getTime());
      return false;
    },
  };
}

const defaultGuard = memoryReplayGuard();

export interface VerifyWebhookOptions {
  /** Where seen deliveries are remembered; `false` turns the check off. @default this process's memory */
  replay?: ReplayGuard | false;
}

function header(headers: WebhookRequest["headers"], name: string): string | undefined {
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const value = record[name] ?? Object.entries(record).find(([k]) => k.toLowerCase() === name)?.[1];
  return Array.isArray(value) ? value.join(" ") : value;
}

const FAILURES: Array<[RegExp, WebhookFailure]> = [
  [/missing required headers/i, "missing_headers"],
  [/too old/i, "too_old"],
  [/too new/i, "too_new"],
];

/**
 * Checks one webhook delivery and returns its event: the signature over the exact body with
 * `secret` (several during a rotation: any may match), a timestamp within five minutes, and
 * that this very delivery (its id at its timestamp) was not seen before (a retry is signed at a later second and passes; use
 * `event.id` to process each event once). Throws `WebhookVerificationError` otherwise.
 */
export async function verifyWebhook(request: Request | WebhookRequest, secret: string | readonly string[], options: VerifyWebhookOptions = {}): Promise<WebhookEvent> {
  const body = request instanceof Request ? await request.text() : request.body;
  const names = ["webhook-id", "webhook-timestamp", "webhook-signature"] as const;
  const [id, timestamp, signature] = names.map((name) => header(request.headers, name));
  const signed = { "webhook-id": id ?? "", "webhook-timestamp": timestamp ?? "", "webhook-signature": signature ?? "" };
  let event: unknown;
  let failure: WebhookVerificationError | undefined;
  for (const candidate of [secret].flat()) {
    try {
      event = new Webhook(candidate).verify(body, signed);
      failure = undefined;
      break;
    } catch (error) {
      if (!(error instanceof LibraryError)) {
        failure = error instanceof SyntaxError ? new WebhookVerificationError("bad_body", "The signed body is not JSON.") : undefined;
        if (failure) break;
        throw error;
      }
      const reason = FAILURES.find(([pattern]) => pattern.test(error.message))?.[1] ?? "bad_signature";
      failure = new WebhookVerificationError(reason, `Webhook refused: ${error.message}.`);
      if (reason !== "bad_signature") break;
    }
  }
  if (failure) throw failure;
  const shaped = event as Partial<WebhookEvent> | undefined;
  if (!shaped || typeof shaped !== "object" || typeof shaped.id !== "string" || !shaped.detail || typeof shaped.detail.uploadId !== "string") {
    throw new WebhookVerificationError("bad_body", "The signed body is not an upload-broker event.");
  }
  const guard = options.replay === undefined ? defaultGuard : options.replay;
  // Keyed on id and timestamp, not the signature header, which may carry extra tokens: a
  // replay is the same id at the same second; a retry is signed at a later one.
  if (guard && (await guard.seen(`${id}.${timestamp}`, new Date((Number(timestamp) + WEBHOOK_TOLERANCE_SECONDS) * 1000)))) {
    throw new WebhookVerificationError("replayed", "Webhook refused: this delivery was already received.");
  }
  return shaped as WebhookEvent;
}
