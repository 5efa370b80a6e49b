import { getUpload, listUploads } from "../domain/uploads.js";
import { httpHandler, ok, parseQuery, pathParameter, principalFrom } from "../http.js";
import type { StatusDeps } from "../ports.js";
import { ListUploadsQuery } from "../schemas.js";

/** `GET /uploads/{uploadId}` → the caller's ticket view, or 404. */
export const makeGetUploadHandler = (deps: StatusDeps) =>
  httpHandler(async (event) => {
    const user = principalFrom(event);
    return ok(await getUpload(deps, user, pathParameter(event, "uploadId")));
  });

/** `GET /uploads?limit=&cursor=&status=` → the caller's tickets, newest first. */
export const makeListUploadsHandler = (deps: StatusDeps) =>
  httpHandler(async (event) => {
    const user = principalFrom(event);
    const query = parseQuery(event, ListUploadsQuery);
    return ok(await listUploads(deps, user, query));
  });
