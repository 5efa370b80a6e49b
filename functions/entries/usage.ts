import { usageDeps } from "../deps.js";
import { usageEntry } from "../handlers/usage.js";

/** Lambda entry for `GET /usage`. */
export const handler = usageEntry.handler(usageDeps());
