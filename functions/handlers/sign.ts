import { signPost, signPut } from "../domain/sign.js";
import { created, httpHandler, parseBody, principalFrom } from "../http.js";
import type { PostSigner, PutSigner, SignDeps } from "../ports.js";
import { SignPostRequest, SignPutRequest } from "../schemas.js";

/** `POST /sign/put` → 201 presigned PUT. */
export const makeSignPutHandler = (deps: SignDeps<PutSigner>) =>
  httpHandler(async (event) => {
    const user = principalFrom(event);
    const input = parseBody(event, SignPutRequest);
    return created(await signPut(deps, user, input));
  });

/** `POST /sign/post` → 201 presigned POST policy. */
export const makeSignPostHandler = (deps: SignDeps<PostSigner>) =>
  httpHandler(async (event) => {
    const user = principalFrom(event);
    const input = parseBody(event, SignPostRequest);
    return created(await signPost(deps, user, input));
  });
