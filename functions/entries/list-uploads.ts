import { statusDeps } from "../deps.js";
import { listUploadsEntry } from "../handlers/list-uploads.js";

/** Lambda entry for `GET /uploads`. */
export const handler = listUploadsEntry.handler(statusDeps());
