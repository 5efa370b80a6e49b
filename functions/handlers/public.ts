import { publicProfiles } from "../domain/profiles.js";
import { httpHandler, ok } from "../http.js";
import type { Profile } from "../schemas.js";

/** `GET /profiles` (no auth) → the profiles clients may ask for, without their group lists. */
export const makeProfilesHandler = (deps: { profiles: readonly Profile[] }) => {
  const body = publicProfiles(deps.profiles);
  return httpHandler(async () => ok(body));
};

/** `GET /health` (no auth). */
export const makeHealthHandler = () => httpHandler(async () => ok({ status: "ok" }));
