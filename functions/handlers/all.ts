/**
 * Every route's handler, by route id: what local mode serves and what the tests hold to the
 * route table. Lambda entries do not import this; each builds only its own handlers.
 */
import type { Endpoint } from "../http.js";
import type { SignDeps, StatusDeps } from "../ports.js";
import type { RouteId } from "../routes.js";
import { makeHealthHandler, makeOpenApiHandler, makeProfilesHandler } from "./public.js";
import { makeSignPostHandler, makeSignPutHandler } from "./sign.js";
import { makeGetUploadHandler, makeListUploadsHandler } from "./uploads.js";

/** What the HTTP routes need, by use case. */
export interface RouteDeps {
  sign: SignDeps;
  status: StatusDeps;
}

export function makeRouteHandlers({ sign, status }: RouteDeps): Record<RouteId, Endpoint> {
  return {
    health: makeHealthHandler(),
    listProfiles: makeProfilesHandler(sign),
    openApi: makeOpenApiHandler(),
    signPut: makeSignPutHandler(sign),
    signPost: makeSignPostHandler(sign),
    getUpload: makeGetUploadHandler(status),
    listUploads: makeListUploadsHandler(status),
  };
}
