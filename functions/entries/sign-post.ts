import { signPostDeps } from "../deps.js";
import { signPostEntry } from "../handlers/sign-post.js";

/** Lambda entry for `POST /sign/post`. */
export const handler = signPostEntry.handler(signPostDeps());
