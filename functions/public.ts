import { loadConfig } from "./config.js";
import { makeHealthHandler, makeProfilesHandler } from "./handlers/public.js";
import type { HttpEvent } from "./http.js";

const profiles = makeProfilesHandler(loadConfig());
const health = makeHealthHandler();

/** Lambda entry for the two unauthenticated routes, `GET /profiles` and `GET /health`. */
export const handler = (event: HttpEvent) => (event.rawPath === "/health" ? health(event) : profiles(event));
