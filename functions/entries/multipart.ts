import { multipartDeps } from "../deps.js";
import { makeCompleteHandler, makeListPartsHandler, makeSignMultipartHandler, makeSignPartsHandler } from "../handlers/multipart.js";
import { dispatch } from "../http.js";

const { start, parts } = multipartDeps();

/** Lambda entry for the multipart routes: one function, so a multipart flow pays one cold start. */
export const handler = dispatch({
  "POST /sign/multipart": makeSignMultipartHandler(start),
  "POST /uploads/{uploadId}/parts": makeSignPartsHandler(parts),
  "GET /uploads/{uploadId}/parts": makeListPartsHandler(parts),
  "POST /uploads/{uploadId}/complete": makeCompleteHandler(parts),
});
