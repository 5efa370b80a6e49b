import { uploadObjectDeps } from "../deps.js";
import { uploadObjectEntry } from "../handlers/upload-object.js";

/** Lambda entry for deleting and downloading an upload. */
export const handler = uploadObjectEntry.handler(uploadObjectDeps());
