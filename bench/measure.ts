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

/**
 * Times several functions side by side: `rounds` rounds, each running every function
 * `iterations / rounds` times in turn, so that a machine that speeds up or slows down
 * during the run weighs on all of them alike. Microseconds per call.
 */
export async function timeInterleaved(
  fns: Record<string, () => unknown>,
  { warmup = 500, iterations = 5000, rounds = 5 } = {},
): Promise<Record<string, Summary>> {
  const samples: Record<string, number[]> = {};
  for (const [name, fn] of Object.entries(fns)) {
    for (let i = 0; i < warmup; i++) await fn();
    samples[name] = [];
  }
  for (let round = 0; round < rounds; round++) {
    for (const [name, fn] of Object.entries(fns)) {
      for (let i = 0; i < Math.ceil(iterations / rounds); i++) {
        const start = process.hrtime.bigint();
        await fn();
        samples[name]!.push(Number(process.hrtime.bigint() - start) / 1000);
      }
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([name, s]) => [name, summarize(s)]));
}
