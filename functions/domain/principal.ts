import { UnauthorizedError } from "../errors.js";
import { Claims } from "../schemas.js";

/** The signed-in user: `sub` owns tickets, `groups` unlock profiles. */
export interface Principal {
  sub: string;
  groups: string[];
}

/**
 * Builds the principal from JWT claims. Groups come from `cognito:groups` or `groups`, as
 * an array, or as API Gateway flattens arrays into claim strings (`[a b]`, or JSON text).
 */
export function principalFromClaims(claims: unknown): Principal {
  const parsed = Claims.safeParse(claims);
  if (!parsed.success) throw new UnauthorizedError();
  const { sub, "cognito:groups": cognito, groups } = parsed.data;
  return { sub, groups: [...new Set([...groupList(cognito), ...groupList(groups)])] };
}

function groupList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === "string" && g.length > 0);
  if (typeof value !== "string") return [];
  const text = value.trim();
  // JSON text (`["a","b"]`) is tried only when it looks like it: a failed parse throws,
  // and throwing on API Gateway's usual `[a b]` form would cost more than the whole check.
  if (/^\[\s*(?:"|\])/.test(text)) {
    try {
      const json: unknown = JSON.parse(text);
      if (Array.isArray(json)) return groupList(json);
    } catch {
      // Not JSON: API Gateway's `[a b]` form, handled below.
    }
  }
  return text.replace(/^\[|\]$/g, "").split(/[\s,]+/).filter(Boolean);
}
