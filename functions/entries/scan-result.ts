import { scanResultDeps } from "../deps.js";
import { makeScanResultHandler } from "../handlers/scan-result.js";

/** Lambda entry for GuardDuty Malware Protection's object scan results (EventBridge). */
export const handler = makeScanResultHandler(scanResultDeps());
