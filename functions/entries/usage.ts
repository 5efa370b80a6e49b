import { usageDeps } from "../deps.js";
import { makeUsageHandler } from "../handlers/usage.js";

/** Lambda entry for `GET /usage`. */
export const handler = makeUsageHandler(usageDeps());
