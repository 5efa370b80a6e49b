/**
 * The unauthenticated routes: `GET /health`, `GET /profiles`, `GET /openapi.json`. Their
 * entry also answers the API's `$default` route: every unknown route gets the contract's 404.
 */
import document from "../../openapi.json" with { type: "json" };
import { publicProfiles } from "../domain/profiles.js";
import { ALWAYS, endpoint, httpEntry } from "../route.js";
import type { Profile } from "../schemas.js";

export const makeHealthHandler = endpoint(
  {
    id: "health", method: "GET", path: "/health", auth: "none",
    summary: "Liveness: the API answers.", status: 200, response: "HealthResponse", errors: ALWAYS,
  },
  () => async () => ({ status: "ok" as const }),
);

/** Without the profiles' group lists. */
export const makeProfilesHandler = endpoint(
  {
    id: "listProfiles", method: "GET", path: "/profiles", auth: "none",
    summary: "The upload profiles clients may ask for (restricted ones are marked, their groups not shown).",
    status: 200, response: "ProfilesResponse", errors: ALWAYS,
  },
  (deps: { profiles: readonly Profile[] }) => {
    const body = publicProfiles(deps.profiles);
    return async () => body;
  },
);

/**
 * The committed document, which `npm run openapi` generates from the routes (a test fails when
 * it is out of date), so no function builds it at run time.
 */
export const makeOpenApiHandler = endpoint(
  {
    id: "openApi", method: "GET", path: "/openapi.json", auth: "none",
    summary: "This API's OpenAPI 3.1 document.", status: 200, response: "OpenApiDocument", errors: ALWAYS,
  },
  () => async () => document,
);

export const publicEntry = httpEntry("public", [makeHealthHandler, makeProfilesHandler, makeOpenApiHandler]);
