/** `GET /usage`: what the caller has used today of each profile's quota. */
import type { Clock, QuotaCounters } from "../ports.js";
import type { Profile, UsageResponse } from "../schemas.js";
import type { Principal } from "./principal.js";
import { dayCounterKey, slotKey, utcDay } from "./quotas.js";

export interface UsageDeps {
  profiles: readonly Profile[];
  counters: QuotaCounters;
  clock: Clock;
}

/**
 * Every profile with a quota that the caller may use, with today's counts (reads only). `pending`
 * only where the profile limits it: only then does each pending ticket hold a countable slot.
 */
export async function usage(deps: UsageDeps, principal: Principal): Promise<UsageResponse> {
  const now = deps.clock.now();
  const day = utcDay(now);
  const usable = deps.profiles.filter(
    (p) => p.quota && (p.allowedGroups.length === 0 || p.allowedGroups.some((g) => principal.groups.includes(g))),
  );
  const profiles = await Promise.all(
    usable.map(async (p) => {
      const quota = p.quota!;
      const slots = Array.from({ length: quota.pending ?? 0 }, (_, i) => slotKey(principal.sub, p.name, i));
      const counted = await deps.counters.usage(dayCounterKey(principal.sub, p.name, day), slots);
      const counts = { profile: p.name, uploads: counted.uploads, bytes: counted.bytes, quota };
      if (quota.pending === undefined) return counts;
      // A slot counts while its lease lasts: an expired ticket's slot frees itself.
      const pending = counted.slots.filter((s) => s.holder && s.leaseUntil && s.leaseUntil >= now.toISOString()).length;
      return { ...counts, pending };
    }),
  );
  return { day, profiles };
}
