import { uppyDeps } from "../deps.js";
import {
  makeUppyAbortHandler, makeUppyCompleteHandler, makeUppyCreateHandler, makeUppyListPartsHandler, makeUppyParamsHandler, makeUppySignPartHandler,
} from "../handlers/uppy.js";
import { dispatch } from "../http.js";

const deps = uppyDeps();

/** Lambda entry for the Uppy (Companion-compatible) routes: one function, one cold start per upload. */
export const handler = dispatch({
  "GET /uppy/{profile}/s3/params": makeUppyParamsHandler(deps),
  "POST /uppy/{profile}/s3/multipart": makeUppyCreateHandler(deps),
  "GET /uppy/{profile}/s3/multipart/{uploadId}/{partNumber}": makeUppySignPartHandler(deps),
  "GET /uppy/{profile}/s3/multipart/{uploadId}": makeUppyListPartsHandler(deps),
  "POST /uppy/{profile}/s3/multipart/{uploadId}/complete": makeUppyCompleteHandler(deps),
  "DELETE /uppy/{profile}/s3/multipart/{uploadId}": makeUppyAbortHandler(deps),
});
