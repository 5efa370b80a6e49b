import { statusDeps } from "../deps.js";
import { makeListUploadsHandler } from "../handlers/uploads.js";

/** Lambda entry for `GET /uploads`. */
export const handler = makeListUploadsHandler(statusDeps());
