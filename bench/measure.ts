/** Timing helpers: per-call samples in microseconds, summarized as median and p99. */

export interface Summary {
  median: number;
  p99: number;
  samples: number;
}

export function summarize(samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { median: round(at(0.5)), p99: round(at(0.99)), samples: sorted.length };
}

export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Times `fn` call by call after a warm-up; returns microseconds per call. */
export async function timeCalls(fn: () => unknown, { warmup = 500, iterations = 5000 } = {}): Promise<Summary> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  return summarize(samples);
}
