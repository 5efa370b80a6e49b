import { statusDeps } from "../deps.js";
import { makeGetUploadHandler } from "../handlers/uploads.js";

/** Lambda entry for `GET /uploads/{uploadId}`. */
export const handler = makeGetUploadHandler(statusDeps());
