import { recordDeps } from "../deps.js";
import { makeRecordHandler } from "../handlers/record-upload.js";

/** Lambda entry for S3 `ObjectCreated:*` notifications under `uploads/`. */
export const handler = makeRecordHandler(recordDeps());
