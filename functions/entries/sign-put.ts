import { signPutDeps } from "../deps.js";
import { signPutEntry } from "../handlers/sign-put.js";

/** Lambda entry for `POST /sign/put`; dependencies are built once per container. */
export const handler = signPutEntry.handler(signPutDeps());
