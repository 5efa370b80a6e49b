/** What a user does with an upload after asking for it: delete it, download it. */
import { deleteUpload, downloadUpload, type AfterUploadDeps } from "../domain/after-upload.js";
import { AUTHED, endpoint, httpEntry } from "../route.js";
import { UploadIdParams } from "../schemas.js";

/** Idempotent: aborting or deleting what is already gone answers the same view. */
export const makeDeleteUploadHandler = endpoint(
  {
    id: "deleteUpload", method: "DELETE", path: "/uploads/{uploadId}", auth: "jwt",
    summary: "Aborts a pending upload or deletes a completed object; the ticket view after it. Idempotent.",
    params: UploadIdParams, status: 200, response: "TicketView", errors: [404, 501, ...AUTHED],
    // DeleteItem frees a pending quota slot; UpdateItem moves the ticket and its counters.
    access: { objects: ["s3:DeleteObject", "s3:AbortMultipartUpload"], table: ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"] },
  },
  (deps: AfterUploadDeps) => async ({ user, params }) => deleteUpload(deps, user, params.uploadId),
);

/** A 5-minute presigned GET under the original name. */
export const makeDownloadHandler = endpoint(
  {
    id: "downloadUpload", method: "GET", path: "/uploads/{uploadId}/download", auth: "jwt",
    summary: "A presigned GET (5 minutes) that saves a completed upload under its original name.",
    params: UploadIdParams, status: 200, response: "DownloadResponse", errors: [404, 409, ...AUTHED],
    // The link carries the signer's s3:GetObject.
    access: { objects: ["s3:GetObject"], table: ["dynamodb:GetItem"] },
  },
  (deps: AfterUploadDeps) => async ({ user, params }) => downloadUpload(deps, user, params.uploadId),
);

export const uploadObjectEntry = httpEntry("upload-object", [makeDeleteUploadHandler, makeDownloadHandler]);
