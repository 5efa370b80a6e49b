import { UnauthorizedError } from "../errors.js";

/** The signed-in user: `sub` owns tickets, `groups` unlock profiles. */
export interface Principal {
  sub: string;
  groups: string[];
}

/** Longest `sub` accepted; it becomes part of every key (hashed beyond 128 characters). */
const MAX_SUB_CHARS = 1024;

/**
 * The principal from a verified token's own claims (the JSON payload, not API Gateway's
 * flattened strings). `sub` must be a non-empty string, else 401: `null` and `"null"` must not
 * become the same owner. Groups are the string elements of `cognito:groups` and `groups`, kept
 * exactly as they are: a group may contain spaces or commas, and `Former staff` is not `staff`.
 * A single string is one group (some issuers send one group that way).
 */
export function principalFromClaims(claims: Record<string, unknown>): Principal {
  const { sub } = claims;
  if (typeof sub !== "string" || sub.length === 0 || sub.length > MAX_SUB_CHARS) throw new UnauthorizedError();
  return { sub, groups: [...new Set([...groupList(claims["cognito:groups"]), ...groupList(claims.groups)])] };
}

function groupList(value: unknown): string[] {
  if (typeof value === "string") return value.length > 0 ? [value] : [];
  if (!Array.isArray(value)) return [];
  return value.filter((g): g is string => typeof g === "string" && g.length > 0);
}
