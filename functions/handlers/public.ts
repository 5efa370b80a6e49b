import document from "../../openapi.json" with { type: "json" };
import { publicProfiles } from "../domain/profiles.js";
import { endpoint, ok } from "../http.js";
import type { Profile } from "../schemas.js";

/** `GET /profiles` (no auth) → the profiles clients may ask for, without their group lists. */
export const makeProfilesHandler = (deps: { profiles: readonly Profile[] }) => {
  const body = publicProfiles(deps.profiles);
  return endpoint({ auth: false }, async () => ok(body));
};

/** `GET /health` (no auth). */
export const makeHealthHandler = () => endpoint({ auth: false }, async () => ok({ status: "ok" }));

/**
 * `GET /openapi.json` (no auth): the committed document, which `npm run openapi` generates from
 * the route table (a test fails when it is out of date), so no function builds it at run time.
 */
export const makeOpenApiHandler = () => endpoint({ auth: false }, async () => ok(document));
