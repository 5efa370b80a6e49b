/**
 * EventBridge event patterns (also Lambda's event filters): the rules of the template decide
 * which events reach which target. The operators this stack's patterns use, and the common
 * others: exact values, `anything-but` (a value or a list), `exists`, `prefix`, `equals-ignore-case`,
 * `numeric`. An operator it does not know fails the run rather than guessing.
 */
type Pattern = { [key: string]: Pattern | unknown[] };

export function matches(pattern: Pattern, event: unknown): boolean {
  return Object.entries(pattern).every(([field, rule]) => {
    const value = event !== null && typeof event === "object" ? (event as Record<string, unknown>)[field] : undefined;
    if (Array.isArray(rule)) return matchesAny(rule, value);
    return value !== undefined && matches(rule as Pattern, value);
  });
}

function matchesAny(rules: unknown[], value: unknown): boolean {
  const values = Array.isArray(value) ? value : [value];
  return rules.some((rule) => {
    if (rule === null || typeof rule !== "object") return value !== undefined && values.some((v) => v === rule);
    const [[op, arg]] = Object.entries(rule as Record<string, unknown>) as [[string, unknown]];
    switch (op) {
      case "exists":
        return (value !== undefined) === arg;
      case "anything-but": {
        if (value === undefined) return false;
        const refused = arg !== null && typeof arg === "object" && !Array.isArray(arg) ? null : [arg].flat();
        if (refused === null) {
          const prefix = (arg as { prefix?: string }).prefix;
          if (prefix === undefined) throw new Error(`event pattern: anything-but ${JSON.stringify(arg)} is not supported`);
          return values.every((v) => typeof v !== "string" || !v.startsWith(prefix));
        }
        return values.every((v) => !refused.includes(v));
      }
      case "prefix":
        return values.some((v) => typeof v === "string" && v.startsWith(String(arg)));
      case "equals-ignore-case":
        return values.some((v) => typeof v === "string" && v.toLowerCase() === String(arg).toLowerCase());
      case "numeric": {
        const terms = arg as Array<string | number>;
        return values.some((v) => {
          if (typeof v !== "number") return false;
          for (let i = 0; i < terms.length; i += 2) {
            const [cmp, bound] = [terms[i] as string, Number(terms[i + 1])];
            const ok = { "<": v < bound, "<=": v <= bound, "=": v === bound, ">": v > bound, ">=": v >= bound }[cmp];
            if (!ok) return false;
          }
          return true;
        });
      }
      default:
        throw new Error(`event pattern: operator ${op} is not supported`);
    }
  });
}
