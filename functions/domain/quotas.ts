/**
 * Per-user, per-profile quotas, as pure rules: what a new ticket reserves, what each later change
 * of a ticket gives back, and the counter items' keys. The stores apply them with atomic
 * conditional writes (the reservation in the same transaction as the ticket), so no number of
 * concurrent requests ever grants more than a limit, and nothing reads before it writes.
 */
import { QuotaExceededError } from "../errors.js";
import type { Profile, Ticket } from "../schemas.js";
import { ownerSegment } from "./keys.js";
import { EXPIRED_GRACE_SECONDS, PENDING_RETRY_AFTER_SECONDS } from "./limits.js";

export type Quota = NonNullable<Profile["quota"]>;

/** What signing a ticket reserves, for the store to write with the ticket. */
export interface QuotaReservation {
  quota: Quota;
  /** When it is reserved: the day it counts in, and the moment leases are compared with. */
  now: Date;
  /** The day counter's key: uploads and bytes of this owner, profile and UTC day. */
  dayKey: string;
  /** Bytes this ticket counts until it changes. */
  bytes: number;
  /** With a `pending` quota: the slot keys (one per allowed pending ticket) and until when a slot is held. */
  pending?: { slotKeys: string[]; leaseUntil: string };
  /** When the day ends (epoch seconds): the counter expires by TTL a day later. */
  dayEndsAt: number;
}

/** A UTC day, `2026-11-30`. */
export const utcDay = (now: Date) => now.toISOString().slice(0, 10);

const prefix = (owner: string, profile: string) => `quota#${ownerSegment(owner)}#${profile}`;
export const dayCounterKey = (owner: string, profile: string, day: string) => `${prefix(owner, profile)}#day#${day}`;
export const slotKey = (owner: string, profile: string, slot: number) => `${prefix(owner, profile)}#slot#${slot}`;

/**
 * The bytes a ticket reserves: its declared size, or a POST's `maxBytes` (its size is not known
 * yet). A multipart upload of unknown size (Uppy's) reserves nothing: its real size is added when
 * it completes, and only if it still fits the day's bytes.
 */
export const reservedBytes = (ticket: Pick<Ticket, "method" | "declaredSize" | "maxBytes">) =>
  ticket.declaredSize ?? (ticket.method === "MULTIPART" ? 0 : ticket.maxBytes);

/** The reservation of a new ticket under `profile`, or `undefined` when the profile has no quota. */
export function reservationFor(profile: Profile, ticket: Ticket, now: Date): QuotaReservation | undefined {
  const quota = profile.quota;
  if (!quota || (quota.uploadsPerDay === undefined && quota.bytesPerDay === undefined && quota.pending === undefined)) return undefined;
  const day = utcDay(now);
  const bytes = reservedBytes(ticket);
  if (quota.bytesPerDay !== undefined && bytes > quota.bytesPerDay) throw quotaError("bytesPerDay", quota, now);
  const leaseUntil = new Date(Date.parse(ticket.expiresAt) + EXPIRED_GRACE_SECONDS * 1000).toISOString();
  return {
    quota,
    now,
    dayKey: dayCounterKey(ticket.owner, profile.name, day),
    bytes,
    ...(quota.pending !== undefined
      ? { pending: { slotKeys: Array.from({ length: quota.pending }, (_, i) => slotKey(ticket.owner, profile.name, i)), leaseUntil } }
      : {}),
    dayEndsAt: Math.floor(Date.parse(`${day}T00:00:00.000Z`) / 1000) + 24 * 3600,
  };
}

/** Seconds until the next UTC day, when the day's quotas allow again. */
export const secondsToNextDay = (now: Date) => Math.max(1, Math.ceil((Date.parse(`${utcDay(now)}T00:00:00.000Z`) + 86_400_000 - now.getTime()) / 1000));

/** 429 naming the quota that refused, with `Retry-After`. */
export function quotaError(name: keyof Quota, quota: Quota, now: Date): QuotaExceededError {
  const limit = quota[name];
  const message =
    name === "pending"
      ? `You have ${limit} pending uploads for this profile; finish or delete one first.`
      : name === "uploadsPerDay"
        ? `You have used all ${limit} uploads of today for this profile.`
        : `This upload would exceed today's ${limit} bytes for this profile.`;
  return new QuotaExceededError(message, [{ path: `quota.${name}`, message: `limit ${limit}` }], name === "pending" ? PENDING_RETRY_AFTER_SECONDS : secondsToNextDay(now));
}

/** How a change of a ticket moves its quota counters: the day's bytes, and its pending slot. */
export interface QuotaRelease {
  dayKey: string;
  /** Added to the day's bytes (negative: given back). */
  bytesDelta: number;
  /** The ticket's `quotaBytes` after the change. */
  quotaBytes: number;
  /** The slot to free, when the ticket leaves `pending`. */
  slotKey?: string;
  /**
   * With bytes to add (an upload that counted less, e.g. after a rejection, now completes): the
   * day's limit they must still fit, or the change is refused (`QuotaExceededError`).
   */
  limit?: number;
}

/**
 * What applying `changes` to `ticket` does to its quotas: a rejected or aborted ticket gives its
 * bytes back, a completed one counts its real size (a POST's reservation was its `maxBytes`), a
 * deleted one keeps what it used; leaving `pending` frees the slot. `undefined`: nothing moves.
 */
export function releaseFor(ticket: Ticket, changes: Partial<Ticket>): QuotaRelease | undefined {
  if (ticket.quotaDay === undefined) return undefined;
  const status = changes.status ?? ticket.status;
  const counted = ticket.quotaBytes ?? 0;
  const size = changes.size ?? ticket.size;
  const quotaBytes =
    status === "rejected" || status === "aborted" ? 0 : status === "completed" ? (size ?? reservedBytes(ticket)) : status === "deleted" ? counted : reservedBytes(ticket);
  const freesSlot = ticket.status === "pending" && status !== "pending" && ticket.quotaSlot !== undefined;
  if (quotaBytes === counted && !freesSlot) return undefined;
  return {
    dayKey: dayCounterKey(ticket.owner, ticket.profile, ticket.quotaDay),
    bytesDelta: quotaBytes - counted,
    quotaBytes,
    ...(freesSlot ? { slotKey: slotKey(ticket.owner, ticket.profile, ticket.quotaSlot!) } : {}),
    ...(quotaBytes > counted && ticket.quotaLimit !== undefined ? { limit: ticket.quotaLimit } : {}),
  };
}
