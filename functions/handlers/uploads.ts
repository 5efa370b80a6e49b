import { getUpload, listUploads } from "../domain/uploads.js";
import { endpoint, ok } from "../http.js";
import type { StatusDeps } from "../ports.js";
import { ListUploadsQuery, UploadIdParams } from "../schemas.js";

/** `GET /uploads/{uploadId}` → the caller's ticket view, or 404. */
export const makeGetUploadHandler = (deps: StatusDeps) =>
  endpoint({ auth: true, params: UploadIdParams }, async ({ user, params }) => ok(await getUpload(deps, user, params.uploadId)));

/** `GET /uploads?limit=&cursor=&status=` → the caller's tickets, newest first. */
export const makeListUploadsHandler = (deps: StatusDeps) =>
  endpoint({ auth: true, query: ListUploadsQuery }, async ({ user, query }) => ok(await listUploads(deps, user, query)));
