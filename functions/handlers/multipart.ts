import { MAX_COMPLETE_BODY_BYTES } from "../domain/limits.js";
import { completeUpload, listParts, signParts, type MultipartDeps } from "../domain/multipart.js";
import { signMultipart, type MultipartSignDeps } from "../domain/sign.js";
import { created, endpoint, ok } from "../http.js";
import { CompleteRequest, SignMultipartRequest, SignPartsRequest, UploadIdParams } from "../schemas.js";

/** `POST /sign/multipart` → 201 multipart ticket (the broker creates the S3 upload). */
export const makeSignMultipartHandler = (deps: MultipartSignDeps) =>
  endpoint({ auth: true, body: SignMultipartRequest }, async ({ user, body }) => created(await signMultipart(deps, user, body)));

/** `POST /uploads/{uploadId}/parts` → part URLs, each with its exact length signed. */
export const makeSignPartsHandler = (deps: MultipartDeps) =>
  endpoint({ auth: true, params: UploadIdParams, body: SignPartsRequest }, async ({ user, params, body }) =>
    ok(await signParts(deps, user, params.uploadId, body)),
  );

/** `GET /uploads/{uploadId}/parts` → the parts S3 holds. */
export const makeListPartsHandler = (deps: MultipartDeps) =>
  endpoint({ auth: true, params: UploadIdParams }, async ({ user, params }) => ok(await listParts(deps, user, params.uploadId)));

/** `POST /uploads/{uploadId}/complete` → the final ticket view (`completed` or `rejected`). */
export const makeCompleteHandler = (deps: MultipartDeps) =>
  endpoint({ auth: true, params: UploadIdParams, body: CompleteRequest, bodyLimit: MAX_COMPLETE_BODY_BYTES }, async ({ user, params, body }) =>
    ok(await completeUpload(deps, user, params.uploadId, body)),
  );
