import { loadConfig } from "./config.js";
import { NotFoundError } from "./errors.js";
import { makeHealthHandler, makeProfilesHandler } from "./handlers/public.js";
import { errorResponse, type HttpEvent } from "./http.js";

const routes: Record<string, (event: HttpEvent) => Promise<unknown>> = {
  "GET /health": makeHealthHandler(),
  "GET /profiles": makeProfilesHandler(loadConfig()),
};

/**
 * Lambda entry for the unauthenticated routes: `GET /health`, `GET /profiles`, and the
 * API's `$default` route, which answers every unknown route with the contract's 404.
 */
export const handler = async (event: HttpEvent) =>
  routes[event.routeKey]?.(event) ??
  errorResponse(new NotFoundError(`No route for ${event.requestContext?.http?.method} ${event.rawPath}.`));
