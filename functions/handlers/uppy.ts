/**
 * The Uppy routes (`@uppy/aws-s3` in Companion mode; docs/uppy.md): Companion's shapes. Errors
 * keep the contract's body and add its message at the top level, where Uppy 5 looks for it to
 * show the user.
 */
import { MAX_BODY_BYTES, MAX_COMPLETE_BODY_BYTES } from "../domain/limits.js";
import { uppyAbort, uppyComplete, uppyCreate, uppyListParts, uppyParams, uppySignPart, type UppyDeps } from "../domain/uppy.js";
import type { HttpResult } from "../http.js";
import { AUTHED, BODY, endpoint, httpEntry, type Endpoint, type EndpointRequest, type ResponseBody, type Route } from "../route.js";
import {
  UppyAbortResponse, UppyCompleteRequest, UppyCompleteResponse, UppyCreateRequest, UppyCreateResponse, UppyKeyQuery, UppyListPartsResponse,
  UppyParamsQuery, UppyParamsResponse, UppyPartParams, UppyPartResponse, UppyProfileParams, UppyUploadParams,
} from "../schemas/uppy.js";

/** The contract's error body with `message` copied to the top level; other answers as they are. */
export function withTopLevelMessage(result: HttpResult): HttpResult {
  if ((result.statusCode ?? 200) < 400 || typeof result.body !== "string") return result;
  const body = JSON.parse(result.body) as { error?: { message?: unknown } };
  if (typeof body.error?.message !== "string") return result;
  return { ...result, body: JSON.stringify({ ...body, message: body.error.message }) };
}

/** `endpoint`, with Uppy's error shape. */
function uppyEndpoint<const R extends Route>(
  route: R,
  make: (deps: UppyDeps) => (request: EndpointRequest<R>) => Promise<ResponseBody<R>>,
): Endpoint<R, UppyDeps> {
  const inner = endpoint(route, make);
  return Object.assign((deps: UppyDeps) => {
    const handler = inner(deps);
    return async (event: Parameters<typeof handler>[0]) => withTopLevelMessage(await handler(event));
  }, { route });
}

/** A POST policy with a concrete key. */
export const makeUppyParamsHandler = uppyEndpoint(
  {
    id: "uppyParams", method: "GET", path: "/uppy/{profile}/s3/params", auth: "jwt",
    summary: "Uppy single upload: a POST policy with a concrete key. Query: filename, type and metadata[<key>] (only the profile's keys are kept).",
    params: UppyProfileParams, query: UppyParamsQuery, status: 200, response: "UppyParamsResponse",
    errors: [403, 404, 415, 422, ...AUTHED],
    access: { objects: ["s3:PutObject"], table: ["dynamodb:PutItem", "dynamodb:UpdateItem"] },
  },
  (deps) => async ({ user, params, query }) => uppyParams(deps, user, params.profile, query),
);

/** `{key, uploadId}`: S3's upload id. */
export const makeUppyCreateHandler = uppyEndpoint(
  {
    id: "uppyCreateMultipart", method: "POST", path: "/uppy/{profile}/s3/multipart", auth: "jwt",
    summary: "Uppy multipart start: creates the S3 upload and a ticket without a declared size; answers S3's upload id and the key.",
    params: UppyProfileParams, body: UppyCreateRequest, bodyLimit: MAX_BODY_BYTES, status: 200, response: "UppyCreateResponse",
    errors: [...BODY, 403, 404, 415, ...AUTHED],
    // CreateMultipartUpload is s3:PutObject; aborted again if the ticket cannot be written.
    access: { objects: ["s3:PutObject", "s3:AbortMultipartUpload"], table: ["dynamodb:PutItem", "dynamodb:UpdateItem"] },
  },
  (deps) => async ({ user, params, body }) => uppyCreate(deps, user, params.profile, body),
);

/** A part URL. */
export const makeUppySignPartHandler = uppyEndpoint(
  {
    id: "uppySignPart", method: "GET", path: "/uppy/{profile}/s3/multipart/{uploadId}/{partNumber}", auth: "jwt",
    summary: "Uppy part URL (no header to send); a part number past floor(maxBytes / 5 MiB) + 1 is refused with 413.",
    params: UppyPartParams, query: UppyKeyQuery, status: 200, response: "UppyPartResponse",
    errors: [404, 409, 413, 422, ...AUTHED],
    access: { objects: ["s3:PutObject"], table: ["dynamodb:GetItem"] },
  },
  (deps) => async ({ user, params, query }) => uppySignPart(deps, user, params.profile, params.uploadId, params.partNumber, query.key),
);

/** The parts S3 holds. */
export const makeUppyListPartsHandler = uppyEndpoint(
  {
    id: "uppyListParts", method: "GET", path: "/uppy/{profile}/s3/multipart/{uploadId}", auth: "jwt",
    summary: "Uppy resume: the parts S3 holds, as a bare array.",
    params: UppyUploadParams, query: UppyKeyQuery, status: 200, response: "UppyListPartsResponse",
    errors: [404, 409, 422, 501, ...AUTHED],
    access: { objects: ["s3:ListMultipartUploadParts"], table: ["dynamodb:GetItem"] },
  },
  (deps) => async ({ user, params, query }) => uppyListParts(deps, user, params.profile, params.uploadId, query.key),
);

/** `{location, key}` once the object passed its checks. */
export const makeUppyCompleteHandler = uppyEndpoint(
  {
    id: "uppyCompleteMultipart", method: "POST", path: "/uppy/{profile}/s3/multipart/{uploadId}/complete", auth: "jwt",
    summary: "Uppy multipart complete: the parts S3 holds must add up to the profile's range (else aborted, 413); the object is then checked.",
    params: UppyUploadParams, query: UppyKeyQuery, body: UppyCompleteRequest, bodyLimit: MAX_COMPLETE_BODY_BYTES, status: 200,
    response: "UppyCompleteResponse", errors: [...BODY, 404, 409, 501, ...AUTHED],
    // As the multipart complete route, plus the ListParts that sums the parts first.
    access: {
      objects: ["s3:ListMultipartUploadParts", "s3:AbortMultipartUpload", "s3:PutObject", "s3:GetObject", "s3:DeleteObject"],
      table: ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
    },
  },
  (deps) => async ({ user, params, query, body }) => uppyComplete(deps, user, params.profile, params.uploadId, query.key, body),
);

/** `{}`: the ticket becomes aborted. */
export const makeUppyAbortHandler = uppyEndpoint(
  {
    id: "uppyAbortMultipart", method: "DELETE", path: "/uppy/{profile}/s3/multipart/{uploadId}", auth: "jwt",
    summary: "Uppy cancel: aborts a pending upload in S3 (its ticket becomes aborted); anything else is left as it is.",
    params: UppyUploadParams, query: UppyKeyQuery, status: 200, response: "UppyAbortResponse",
    errors: [404, 422, 501, ...AUTHED],
    access: { objects: ["s3:AbortMultipartUpload"], table: ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"] },
  },
  (deps) => async ({ user, params, query }) => uppyAbort(deps, user, params.profile, params.uploadId, query.key),
);

export const uppyEntry = httpEntry("uppy", [
  makeUppyParamsHandler, makeUppyCreateHandler, makeUppySignPartHandler, makeUppyListPartsHandler, makeUppyCompleteHandler, makeUppyAbortHandler,
]);
