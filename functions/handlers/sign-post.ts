import { MAX_BODY_BYTES } from "../domain/limits.js";
import { signPost } from "../domain/sign.js";
import type { PostSigner, SignDeps } from "../ports.js";
import { AUTHED, BODY, endpoint, httpEntry, SIGN_THROTTLE } from "../route.js";
import { SignPostRequest } from "../schemas.js";

/** A presigned POST policy and its ticket. */
export const makeSignPostHandler = endpoint(
  {
    id: "signPost", method: "POST", path: "/sign/post", auth: "jwt",
    summary: "A presigned POST policy: size range, key prefix, content type and metadata enforced by S3.",
    body: SignPostRequest, bodyLimit: MAX_BODY_BYTES, status: 201, response: "SignPostResponse",
    errors: [...BODY, 403, 415, 429, ...AUTHED], throttle: SIGN_THROTTLE,
    // As a PUT URL: the policy carries the signer's PutObject; the ticket (and quota counters).
    access: { objects: ["s3:PutObject"], table: ["dynamodb:PutItem", "dynamodb:UpdateItem"] },
  },
  (deps: SignDeps<PostSigner>) => async ({ user, body }) => signPost(deps, user, body),
);

export const signPostEntry = httpEntry("sign-post", [makeSignPostHandler]);
