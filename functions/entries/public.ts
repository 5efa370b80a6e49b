import { loadConfig } from "../config.js";
import { makeHealthHandler, makeOpenApiHandler, makeProfilesHandler } from "../handlers/public.js";
import { dispatch } from "../http.js";

/**
 * Lambda entry for the unauthenticated routes: `GET /health`, `GET /profiles`,
 * `GET /openapi.json`, and the API's `$default` route, which answers every unknown route with
 * the contract's 404.
 */
export const handler = dispatch({
  "GET /health": makeHealthHandler(),
  "GET /profiles": makeProfilesHandler(loadConfig()),
  "GET /openapi.json": makeOpenApiHandler(),
});
