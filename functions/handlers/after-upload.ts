import { deleteUpload, downloadUpload, type AfterUploadDeps } from "../domain/after-upload.js";
import { endpoint, ok } from "../http.js";
import { UploadIdParams } from "../schemas.js";

/** `DELETE /uploads/{uploadId}` → the ticket view after aborting or deleting (idempotent). */
export const makeDeleteUploadHandler = (deps: AfterUploadDeps) =>
  endpoint({ auth: true, params: UploadIdParams }, async ({ user, params }) => ok(await deleteUpload(deps, user, params.uploadId)));

/** `GET /uploads/{uploadId}/download` → a 5-minute presigned GET under the original name. */
export const makeDownloadHandler = (deps: AfterUploadDeps) =>
  endpoint({ auth: true, params: UploadIdParams }, async ({ user, params }) => ok(await downloadUpload(deps, user, params.uploadId)));
