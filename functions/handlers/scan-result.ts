import { applyScanResult, type ScanResultDeps } from "../domain/scan-result.js";
import { logger } from "../log.js";
import { ScanResultEvent } from "../schemas/guardduty.js";

/**
 * The EventBridge handler for GuardDuty's "Object Scan Result". A malformed event is logged and
 * dropped (retrying cannot mend it); a transient failure throws, so EventBridge's async invoke
 * retries and finally hands the event to the dead-letter queue.
 */
export const makeScanResultHandler = (deps: ScanResultDeps) => async (event: unknown) => {
  const parsed = ScanResultEvent.safeParse(event);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    logger.error("malformed scan result event ignored", { path: issue?.path.join("."), message: issue?.message });
    return { results: [] };
  }
  const result = await applyScanResult(deps, parsed.data);
  const status = parsed.data.detail.scanResultDetails.scanResultStatus;
  // Results that say the scan itself did not work are the operator's to look at, not the uploader's.
  const log = status === "ACCESS_DENIED" || status === "FAILED" ? logger.error.bind(logger) : logger.info.bind(logger);
  log("scan result applied", { ...result, scanResultStatus: status });
  return { results: [result] };
};
