/** What the functions read of the caller: the claims the JWT authorizer verified. */
import * as z from "zod/mini";

/**
 * JWT claims as API Gateway's JWT authorizer passes them. Arrays arrive flattened to
 * strings like `[a b]`, so groups are taken as they come and normalized in the domain.
 */
export const Claims = z.object({
  sub: z.string().check(z.minLength(1), z.maxLength(1024)),
  "cognito:groups": z.optional(z.unknown()),
  groups: z.optional(z.unknown()),
});
