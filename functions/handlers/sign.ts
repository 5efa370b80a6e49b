import { signPost, signPut } from "../domain/sign.js";
import { created, endpoint } from "../http.js";
import type { PostSigner, PutSigner, SignDeps } from "../ports.js";
import { SignPostRequest, SignPutRequest } from "../schemas.js";

/** `POST /sign/put` → 201 presigned PUT. */
export const makeSignPutHandler = (deps: SignDeps<PutSigner>) =>
  endpoint({ auth: true, body: SignPutRequest }, async ({ user, body }) => created(await signPut(deps, user, body)));

/** `POST /sign/post` → 201 presigned POST policy. */
export const makeSignPostHandler = (deps: SignDeps<PostSigner>) =>
  endpoint({ auth: true, body: SignPostRequest }, async ({ user, body }) => created(await signPost(deps, user, body)));
