import { sweepDeps } from "../deps.js";
import { PowertoolsMetricSink } from "../adapters/powertools-metrics.js";
import { makeSweepHandler } from "../handlers/sweep.js";

/** Lambda entry for the scheduled sweep of pending tickets past their expiry. */
export const handler = makeSweepHandler({ ...sweepDeps(), metrics: new PowertoolsMetricSink() });
