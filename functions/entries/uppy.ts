import { uppyDeps } from "../deps.js";
import { uppyEntry } from "../handlers/uppy.js";

/** Lambda entry for the Uppy (Companion-compatible) routes: one function, one cold start per upload. */
export const handler = uppyEntry.handler(uppyDeps());
