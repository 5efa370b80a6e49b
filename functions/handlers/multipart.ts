/** The multipart routes: one function, so a multipart flow pays one cold start. */
import { MAX_BODY_BYTES, MAX_COMPLETE_BODY_BYTES } from "../domain/limits.js";
import { completeUpload, listParts, signParts, type MultipartDeps } from "../domain/multipart.js";
import { signMultipart, type MultipartSignDeps } from "../domain/sign.js";
import { AUTHED, BODY, endpoint, httpEntry, SIGN_THROTTLE } from "../route.js";
import {
  CompleteRequest, ListPartsResponse, SignMultipartRequest, SignMultipartResponse, SignPartsRequest, SignPartsResponse, TicketView, UploadIdParams,
} from "../schemas.js";

/** The broker plans the parts and creates the S3 upload (aborted again if the ticket cannot be written). */
export const makeSignMultipartHandler = endpoint(
  {
    id: "signMultipart", method: "POST", path: "/sign/multipart", auth: "jwt",
    summary: "Starts a multipart upload for a large file: the broker plans the parts and creates the S3 upload.",
    body: SignMultipartRequest, bodyLimit: MAX_BODY_BYTES, status: 201, response: "SignMultipartResponse",
    errors: [...BODY, 403, 415, 429, ...AUTHED], throttle: SIGN_THROTTLE,
    // CreateMultipartUpload is authorized by s3:PutObject; the ticket (and quota counters).
    access: { objects: ["s3:PutObject", "s3:AbortMultipartUpload"], table: ["dynamodb:PutItem", "dynamodb:UpdateItem"] },
  },
  (deps: MultipartSignDeps) => async ({ user, body }) => signMultipart(deps, user, body),
);

/** Part URLs, each with its exact length signed. */
export const makeSignPartsHandler = endpoint(
  {
    id: "signParts", method: "POST", path: "/uploads/{uploadId}/parts", auth: "jwt",
    summary: "Presigned part URLs (1-100 at a time), each signing its part's exact content-length.",
    params: UploadIdParams, body: SignPartsRequest, bodyLimit: MAX_BODY_BYTES, status: 200, response: "SignPartsResponse",
    errors: [...BODY, 404, 409, ...AUTHED],
    // A part URL carries the signer's s3:PutObject (UploadPart).
    access: { objects: ["s3:PutObject"], table: ["dynamodb:GetItem"] },
  },
  (deps: MultipartDeps) => async ({ user, params, body }) => signParts(deps, user, params.uploadId, body),
);

/** The parts S3 holds. */
export const makeListPartsHandler = endpoint(
  {
    id: "listParts", method: "GET", path: "/uploads/{uploadId}/parts", auth: "jwt",
    summary: "The parts S3 holds of a pending multipart upload (every ListParts page), for resuming.",
    params: UploadIdParams, status: 200, response: "ListPartsResponse",
    errors: [404, 409, 501, ...AUTHED],
    access: { objects: ["s3:ListMultipartUploadParts"], table: ["dynamodb:GetItem"] },
  },
  (deps: MultipartDeps) => async ({ user, params }) => listParts(deps, user, params.uploadId),
);

/** The final ticket view (`completed` or `rejected`). */
export const makeCompleteHandler = endpoint(
  {
    id: "completeUpload", method: "POST", path: "/uploads/{uploadId}/complete", auth: "jwt",
    summary: "Completes a multipart upload from exactly parts 1..partCount and answers the checked ticket.",
    params: UploadIdParams, body: CompleteRequest, bodyLimit: MAX_COMPLETE_BODY_BYTES, status: 200, response: "TicketView",
    errors: [...BODY, 404, 409, ...AUTHED],
    // CompleteMultipartUpload is s3:PutObject; the object is then checked (HeadObject and the
    // content check are s3:GetObject) and deleted when it does not match. UpdateItem also moves
    // a quota's bytes; DeleteItem frees a pending slot.
    access: {
      objects: ["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
      table: ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
    },
  },
  (deps: MultipartDeps) => async ({ user, params, body }) => completeUpload(deps, user, params.uploadId, body),
);

export const multipartEntry = httpEntry("multipart", [makeSignMultipartHandler, makeSignPartsHandler, makeListPartsHandler, makeCompleteHandler]);
