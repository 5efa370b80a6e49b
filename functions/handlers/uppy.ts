/**
 * The Uppy routes (`@uppy/aws-s3` in Companion mode). Errors keep the contract's body and add
 * its message at the top level, where Uppy 5 looks for it to show the user.
 */
import { uppyAbort, uppyComplete, uppyCreate, uppyListParts, uppyParams, uppySignPart, type UppyDeps } from "../domain/uppy.js";
import { MAX_COMPLETE_BODY_BYTES } from "../domain/limits.js";
import { endpoint, ok, type Endpoint, type EndpointSpec, type HttpResult } from "../http.js";
import {
  UppyCompleteRequest, UppyCreateRequest, UppyKeyQuery, UppyParamsQuery, UppyPartParams, UppyProfileParams, UppyUploadParams,
} from "../schemas/uppy.js";

/** The contract's error body with `message` copied to the top level; other answers as they are. */
export function withTopLevelMessage(result: HttpResult): HttpResult {
  if ((result.statusCode ?? 200) < 400 || typeof result.body !== "string") return result;
  const body = JSON.parse(result.body) as { error?: { message?: unknown } };
  if (typeof body.error?.message !== "string") return result;
  return { ...result, body: JSON.stringify({ ...body, message: body.error.message }) };
}

const uppyEndpoint = <S extends EndpointSpec>(inner: Endpoint<S>): Endpoint<S> =>
  Object.assign(async (event: Parameters<Endpoint<S>>[0]) => withTopLevelMessage(await inner(event)), { spec: inner.spec });

/** `GET /uppy/{profile}/s3/params` → a POST policy with a concrete key. */
export const makeUppyParamsHandler = (deps: UppyDeps) =>
  uppyEndpoint(endpoint({ auth: true, params: UppyProfileParams, query: UppyParamsQuery }, async ({ user, params, query }) =>
    ok(await uppyParams(deps, user, params.profile, query)),
  ));

/** `POST /uppy/{profile}/s3/multipart` → `{key, uploadId}` (S3's upload id). */
export const makeUppyCreateHandler = (deps: UppyDeps) =>
  uppyEndpoint(endpoint({ auth: true, params: UppyProfileParams, body: UppyCreateRequest }, async ({ user, params, body }) =>
    ok(await uppyCreate(deps, user, params.profile, body)),
  ));

/** `GET /uppy/{profile}/s3/multipart/{uploadId}/{partNumber}?key=` → a part URL. */
export const makeUppySignPartHandler = (deps: UppyDeps) =>
  uppyEndpoint(endpoint({ auth: true, params: UppyPartParams, query: UppyKeyQuery }, async ({ user, params, query }) =>
    ok(await uppySignPart(deps, user, params.profile, params.uploadId, params.partNumber, query.key)),
  ));

/** `GET /uppy/{profile}/s3/multipart/{uploadId}?key=` → the parts S3 holds. */
export const makeUppyListPartsHandler = (deps: UppyDeps) =>
  uppyEndpoint(endpoint({ auth: true, params: UppyUploadParams, query: UppyKeyQuery }, async ({ user, params, query }) =>
    ok(await uppyListParts(deps, user, params.profile, params.uploadId, query.key)),
  ));

/** `POST /uppy/{profile}/s3/multipart/{uploadId}/complete?key=` → `{location, key}`. */
export const makeUppyCompleteHandler = (deps: UppyDeps) =>
  uppyEndpoint(endpoint(
    { auth: true, params: UppyUploadParams, query: UppyKeyQuery, body: UppyCompleteRequest, bodyLimit: MAX_COMPLETE_BODY_BYTES },
    async ({ user, params, query, body }) => ok(await uppyComplete(deps, user, params.profile, params.uploadId, query.key, body)),
  ));

/** `DELETE /uppy/{profile}/s3/multipart/{uploadId}?key=` → `{}`. */
export const makeUppyAbortHandler = (deps: UppyDeps) =>
  uppyEndpoint(endpoint({ auth: true, params: UppyUploadParams, query: UppyKeyQuery }, async ({ user, params, query }) =>
    ok(await uppyAbort(deps, user, params.profile, params.uploadId, query.key)),
  ));
