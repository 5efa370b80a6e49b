import { publicDeps } from "../deps.js";
import { publicEntry } from "../handlers/public.js";

/** Lambda entry for the unauthenticated routes and the API's `$default` route (the contract's 404). */
export const handler = publicEntry.handler(publicDeps());
