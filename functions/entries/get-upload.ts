import { statusDeps } from "../deps.js";
import { getUploadEntry } from "../handlers/get-upload.js";

/** Lambda entry for `GET /uploads/{uploadId}`. */
export const handler = getUploadEntry.handler(statusDeps());
