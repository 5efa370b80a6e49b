import { getUpload } from "../domain/uploads.js";
import type { StatusDeps } from "../ports.js";
import { AUTHED, endpoint, httpEntry } from "../route.js";
import { UploadIdParams } from "../schemas.js";

/** The caller's ticket view, or 404 (someone else's ticket is 404 too). */
export const makeGetUploadHandler = endpoint(
  {
    id: "getUpload", method: "GET", path: "/uploads/{uploadId}", auth: "jwt",
    summary: "The caller's ticket and its status.", params: UploadIdParams, status: 200, response: "TicketView",
    errors: [404, ...AUTHED],
    access: { table: ["dynamodb:GetItem"] },
  },
  (deps: StatusDeps) => async ({ user, params }) => getUpload(deps, user, params.uploadId),
);

export const getUploadEntry = httpEntry("get-upload", [makeGetUploadHandler]);
