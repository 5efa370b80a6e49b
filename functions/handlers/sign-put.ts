import { MAX_BODY_BYTES } from "../domain/limits.js";
import { signPut } from "../domain/sign.js";
import type { PutSigner, SignDeps } from "../ports.js";
import { AUTHED, BODY, endpoint, httpEntry, SIGN_THROTTLE } from "../route.js";
import { SignPutRequest } from "../schemas.js";

/** A presigned PUT URL and its ticket. */
export const makeSignPutHandler = endpoint(
  {
    id: "signPut", method: "POST", path: "/sign/put", auth: "jwt",
    summary: "A presigned PUT URL: type, exact length, metadata, optional checksum and If-None-Match are signed.",
    body: SignPutRequest, bodyLimit: MAX_BODY_BYTES, status: 201, response: "SignPutResponse",
    errors: [...BODY, 403, 415, 429, ...AUTHED], throttle: SIGN_THROTTLE,
    // The URL carries the signer's PutObject on uploads/*: exactly what it can do, no more. The
    // ticket, and with a quota its counters in the same transaction (authorized item by item).
    access: { objects: ["s3:PutObject"], table: ["dynamodb:PutItem", "dynamodb:UpdateItem"] },
  },
  (deps: SignDeps<PutSigner>) => async ({ user, body }) => signPut(deps, user, body),
);

export const signPutEntry = httpEntry("sign-put", [makeSignPutHandler]);
