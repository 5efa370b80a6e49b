import { signPostDeps } from "../deps.js";
import { makeSignPostHandler } from "../handlers/sign.js";

/** Lambda entry for `POST /sign/post`; clients are built once per container. */
export const handler = makeSignPostHandler(signPostDeps());
