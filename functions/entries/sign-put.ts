import { signPutDeps } from "../deps.js";
import { makeSignPutHandler } from "../handlers/sign.js";

/** Lambda entry for `POST /sign/put`; clients are built once per container. */
export const handler = makeSignPutHandler(signPutDeps());
