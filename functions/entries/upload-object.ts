import { afterUploadDeps } from "../deps.js";
import { makeDeleteUploadHandler, makeDownloadHandler } from "../handlers/after-upload.js";
import { dispatch } from "../http.js";

const deps = afterUploadDeps();

/** Lambda entry for what happens to an upload's object afterwards: download links and deletes. */
export const handler = dispatch({
  "DELETE /uploads/{uploadId}": makeDeleteUploadHandler(deps),
  "GET /uploads/{uploadId}/download": makeDownloadHandler(deps),
});
