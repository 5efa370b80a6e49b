import { sweepExpired, type SweepDeps, type SweepOptions } from "../domain/sweep.js";
import { METRIC } from "../domain/ticket-metrics.js";
import { logger } from "../log.js";
import type { MetricSink } from "../ports.js";

/**
 * The scheduled sweeper (every 15 minutes). Each rescue is logged as a warning and counted
 * (`UploadsRescued`, per profile and in all: an alarm watches the total, since a rescue means
 * S3 events are being lost); each expired ticket is counted too. When any ticket failed, the
 * invocation fails after counting the rest (the errors alarm fires; the next run tries again).
 */
export const makeSweepHandler = (deps: SweepDeps & { metrics?: MetricSink; options?: SweepOptions }) => async (_event?: unknown) => {
  const { swept, failures } = await sweepExpired(deps, deps.options);
  const counts = { rescued: 0, expired: 0, skipped: 0, failed: failures.length };
  for (const s of swept) {
    if (s.outcome === "rescued") {
      counts.rescued++;
      logger.warn("pending ticket rescued: its upload was there but never recorded (a lost S3 event)", { uploadId: s.uploadId, results: s.results });
      deps.metrics?.count(METRIC.rescued, 1, { profile: s.profile });
    } else if (s.outcome === "expired") {
      counts.expired++;
      deps.metrics?.count(METRIC.expired, 1, { profile: s.profile });
    } else if (s.outcome === "skipped") counts.skipped++;
    else logger.error("sweeping a ticket failed", { uploadId: s.uploadId, error: s.error instanceof Error ? s.error : String(s.error) });
  }
  // The total, without a profile: what the rescue alarm watches (zero included, so it has data).
  deps.metrics?.count(METRIC.rescued, counts.rescued);
  deps.metrics?.flush();
  logger.info("sweep done", counts);
  if (failures.length > 0) throw new AggregateError(failures, `${failures.length} of ${swept.length} tickets could not be swept`);
  return counts;
};
