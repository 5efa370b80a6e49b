/**
 * What 128, 256 or 512 MB would cost and return for each function, from the CPU time the bench
 * measured. Lambda gives a function CPU in proportion to its memory (one full vCPU at 1,769 MB),
 * so CPU-bound time at M MB is the time measured on one core × 1769 / M; the time spent waiting
 * on AWS (DynamoDB, S3, EventBridge) does not shrink with memory. The bench's core is not a
 * Graviton core: compare the rows, not the absolute milliseconds.
 */
import { PRICES } from "./prices.js";

export const MEMORY_SIZES = [128, 256, 512] as const;
/** Memory at which a function has one full vCPU. */
const FULL_VCPU_MB = 1769;
/** Assumed wait per AWS call within a region (DynamoDB, S3, EventBridge; typical medians 5–10 ms). */
export const AWS_CALL_MS = 8;
/** Share of invocations that are cold starts (as the cost table). */
const COLD_SHARE = 0.01;

export interface FunctionLoad {
  fn: string;
  /** Cold import of its bundle on one core, ms (INIT). */
  initMs: number;
  /** Handler CPU on one core per invocation, ms, and which bench figure it is. */
  handlerMs: number;
  handlerFigure: string;
  /** AWS calls an invocation waits on. */
  awsCalls: number;
}

export interface MemoryRow {
  memoryMb: number;
  warmMs: number;
  coldMs: number;
  usdPerMillion: number;
}

const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

export function memoryRows(load: FunctionLoad): MemoryRow[] {
  return MEMORY_SIZES.map((memoryMb) => {
    const scale = FULL_VCPU_MB / memoryMb;
    const warmMs = load.handlerMs * scale + load.awsCalls * AWS_CALL_MS;
    const coldMs = warmMs + load.initMs * scale;
    const billedMs = (1 - COLD_SHARE) * Math.ceil(warmMs) + COLD_SHARE * Math.ceil(coldMs);
    const usdPerMillion = 1e6 * (PRICES.lambdaRequest + (billedMs / 1000) * (memoryMb / 1024) * PRICES.lambdaArmGbSecond);
    return { memoryMb, warmMs: round(warmMs), coldMs: round(coldMs), usdPerMillion: round(usdPerMillion, 3) };
  });
}

/**
 * The recommendation: the cheapest size whose cold start answers within `coldBudgetMs`, and
 * whose warm answer is within 25% of 512 MB's (else 512). Memory beyond what the CPU time needs
 * buys nothing while the function waits on AWS.
 */
export function recommend(rows: MemoryRow[], coldBudgetMs = 300): number {
  const best = rows.at(-1)!;
  const fits = rows.filter((r) => r.coldMs <= coldBudgetMs && r.warmMs <= best.warmMs * 1.25);
  return [...(fits.length ? fits : [best])].sort((a, b) => a.usdPerMillion - b.usdPerMillion || a.memoryMb - b.memoryMb)[0]!.memoryMb;
}
