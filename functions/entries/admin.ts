import { adminDeps } from "../deps.js";
import { adminEntry } from "../handlers/admin.js";

/** Lambda entry for the IAM-authorized admin routes. */
export const handler = adminEntry.handler(adminDeps());
