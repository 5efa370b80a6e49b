/**
 * A seeded fault injector for the ports: each call takes the next fault of a schedule (a
 * fast-check array, or a seeded random one) and fails as AWS does — throttling, 5xx, timeouts,
 * connection resets, latency, and the nasty one: the write landed but its answer was lost.
 */
import fc from "fast-check";

export const FAULTS = ["throttle", "slow-down", "server-error", "timeout", "reset", "latency", "lost-answer"] as const;
export type Fault = "none" | (typeof FAULTS)[number];

/** The error an SDK call throws for each fault (what the handlers' retry logic sees). */
export function faultError(fault: Fault): Error {
  const error = (name: string, message: string, extra: Record<string, unknown>) => Object.assign(new Error(message), { name }, extra);
  switch (fault) {
    case "throttle":
      return error("ThrottlingException", "Rate exceeded", { $metadata: { httpStatusCode: 400 }, $retryable: { throttling: true } });
    case "slow-down":
      return error("SlowDown", "Please reduce your request rate.", { $metadata: { httpStatusCode: 503 } });
    case "server-error":
      return error("InternalServerError", "We encountered an internal error. Please try again.", { $metadata: { httpStatusCode: 500 } });
    case "timeout":
    case "lost-answer":
      return error("TimeoutError", "Connection timed out after 3000 ms", { code: "ETIMEDOUT" });
    default:
      return error("Error", "socket hang up", { code: "ECONNRESET" });
  }
}

/** One injected fault, for assertions: which port method, and what. */
export interface Injected {
  call: string;
  fault: Fault;
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

export class FaultInjector {
  private position = 0;
  readonly injected: Injected[] = [];

  /** `schedule[i]` is the fault of the i-th call through any wrapped port; after it, none. */
  constructor(private readonly schedule: readonly Fault[]) {}

  /** A schedule of `length` calls from a seed (mulberry32), each faulty with probability `rate`. */
  static seeded(seed: number, length = 40, rate = 0.3): FaultInjector {
    let a = seed >>> 0;
    const random = () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    return new FaultInjector(Array.from({ length }, () => (random() < rate ? FAULTS[Math.floor(random() * FAULTS.length)]! : "none")));
  }

  /** Faults injected into one port method (`tickets.update`), latency left out. */
  failed(call: string): Injected[] {
    return this.injected.filter((i) => i.call === call && i.fault !== "latency");
  }

  /** `target` with every method (or only `methods`) going through the schedule. */
  wrap<T extends object>(target: T, name: string, methods?: ReadonlyArray<keyof T>): T {
    return new Proxy(target, {
      get: (object, property, receiver) => {
        const value = Reflect.get(object, property, receiver) as unknown;
        if (typeof value !== "function" || (methods && !methods.includes(property as keyof T))) return value;
        return async (...args: unknown[]) => {
          const fault = this.schedule[this.position++] ?? "none";
          if (fault !== "none") this.injected.push({ call: `${name}.${String(property)}`, fault });
          if (fault === "none") return value.apply(object, args);
          if (fault === "latency") {
            for (let i = 0; i < 3; i++) await tick();
            return value.apply(object, args);
          }
          if (fault === "lost-answer") {
            await value.apply(object, args);
            throw faultError(fault);
          }
          await tick();
          throw faultError(fault);
        };
      },
    });
  }
}

/** A fast-check schedule: mostly calls that work, and every kind of fault. */
export const faultSchedule = (maxLength = 24) =>
  fc.array(fc.oneof({ arbitrary: fc.constant<Fault>("none"), weight: 4 }, { arbitrary: fc.constantFrom<Fault>(...FAULTS), weight: 2 }), { maxLength });

/**
 * Runs `attempt` until it stops throwing, as Lambda's retries (and then a replay from the
 * dead-letter queue) would; throws when it still fails after `max` runs.
 */
export async function untilSettled<T>(attempt: () => Promise<T>, max = 60): Promise<{ result: T; runs: number }> {
  let last: unknown;
  for (let runs = 1; runs <= max; runs++) {
    try {
      return { result: await attempt(), runs };
    } catch (error) {
      last = error;
    }
  }
  throw new Error(`still failing after ${max} runs`, { cause: last });
}
