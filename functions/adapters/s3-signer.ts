import type { Signer } from "../ports.js";
import { PostPresigner } from "./post-presigner.js";
import { UrlPresigner, type UrlPresignerOptions } from "./url-presigner.js";

/** PUT, part, GET and POST signing for one bucket, for local mode and tests; Lambdas take only the one they use. */
export function s3Signer(options: UrlPresignerOptions & { credentials: NonNullable<UrlPresignerOptions["credentials"]> }): Signer {
  const put = new UrlPresigner(options);
  const post = new PostPresigner(options);
  return {
    presignPut: (r) => put.presignPut(r),
    presignPart: (r) => put.presignPart(r),
    presignGet: (r) => put.presignGet(r),
    presignPost: (r) => post.presignPost(r),
  };
}
