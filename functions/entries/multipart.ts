import { multipartDeps } from "../deps.js";
import { multipartEntry } from "../handlers/multipart.js";

/** Lambda entry for the multipart routes. */
export const handler = multipartEntry.handler(multipartDeps());
