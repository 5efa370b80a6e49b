import { usage, type UsageDeps } from "../domain/usage.js";
import { endpoint, ok } from "../http.js";

/** `GET /usage` → today's quota counts of the caller. */
export const makeUsageHandler = (deps: UsageDeps) => endpoint({ auth: true }, async ({ user }) => ok(await usage(deps, user)));
