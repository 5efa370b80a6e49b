/**
 * Every route's handler, by route id: what local mode serves and what the tests hold to the
 * route table. Lambda entries do not import this; each builds only its own handlers.
 */
import type { Endpoint } from "../http.js";
import type { AfterUploadDeps } from "../domain/after-upload.js";
import type { UsageDeps } from "../domain/usage.js";
import { makeUsageHandler } from "./usage.js";
import type { MultipartDeps } from "../domain/multipart.js";
import { makeDeleteUploadHandler, makeDownloadHandler } from "./after-upload.js";
import type { MultipartSignDeps } from "../domain/sign.js";
import type { SignDeps, StatusDeps } from "../ports.js";
import { makeCompleteHandler, makeListPartsHandler, makeSignMultipartHandler, makeSignPartsHandler } from "./multipart.js";
import type { RouteId } from "../routes.js";
import { makeHealthHandler, makeOpenApiHandler, makeProfilesHandler } from "./public.js";
import { makeSignPostHandler, makeSignPutHandler } from "./sign.js";
import { makeGetUploadHandler, makeListUploadsHandler } from "./uploads.js";
import type { UppyDeps } from "../domain/uppy.js";
import {
  makeUppyAbortHandler, makeUppyCompleteHandler, makeUppyCreateHandler, makeUppyListPartsHandler, makeUppyParamsHandler, makeUppySignPartHandler,
} from "./uppy.js";

/** What the HTTP routes need, by use case. */
export interface RouteDeps {
  sign: SignDeps;
  status: StatusDeps;
  multipart: { start: MultipartSignDeps; parts: MultipartDeps };
  afterUpload: AfterUploadDeps;
  usage: UsageDeps;
}

export function makeRouteHandlers({ sign, status, multipart, afterUpload, usage }: RouteDeps): Record<RouteId, Endpoint> {
  // The Uppy routes use what signing and the multipart routes already have.
  const uppy: UppyDeps = { ...multipart.parts, writer: sign.tickets, signer: sign.signer, ids: sign.ids };
  return {
    health: makeHealthHandler(),
    listProfiles: makeProfilesHandler(sign),
    openApi: makeOpenApiHandler(),
    signPut: makeSignPutHandler(sign),
    signPost: makeSignPostHandler(sign),
    signMultipart: makeSignMultipartHandler(multipart.start),
    signParts: makeSignPartsHandler(multipart.parts),
    listParts: makeListPartsHandler(multipart.parts),
    completeUpload: makeCompleteHandler(multipart.parts),
    getUpload: makeGetUploadHandler(status),
    listUploads: makeListUploadsHandler(status),
    getUsage: makeUsageHandler(usage),
    deleteUpload: makeDeleteUploadHandler(afterUpload),
    downloadUpload: makeDownloadHandler(afterUpload),
    uppyParams: makeUppyParamsHandler(uppy),
    uppyCreateMultipart: makeUppyCreateHandler(uppy),
    uppySignPart: makeUppySignPartHandler(uppy),
    uppyListParts: makeUppyListPartsHandler(uppy),
    uppyCompleteMultipart: makeUppyCompleteHandler(uppy),
    uppyAbortMultipart: makeUppyAbortHandler(uppy),
  };
}
