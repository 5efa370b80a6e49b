import { usage, type UsageDeps } from "../domain/usage.js";
import { AUTHED, endpoint, httpEntry } from "../route.js";

/** Today's quota counts of the caller. */
export const makeUsageHandler = endpoint(
  {
    id: "getUsage", method: "GET", path: "/usage", auth: "jwt",
    summary: "Today's (UTC) counts of the caller's quotas, per profile that has one.", status: 200, response: "UsageResponse",
    errors: [...AUTHED],
    access: { table: ["dynamodb:GetItem", "dynamodb:BatchGetItem"] },
  },
  (deps: UsageDeps) => async ({ user }) => usage(deps, user),
);

export const usageEntry = httpEntry("usage", [makeUsageHandler]);
