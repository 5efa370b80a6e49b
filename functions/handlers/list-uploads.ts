import { listUploads } from "../domain/uploads.js";
import type { StatusDeps } from "../ports.js";
import { AUTHED, endpoint, httpEntry } from "../route.js";
import { ListUploadsQuery } from "../schemas.js";

/** `?limit=&cursor=&status=`: the caller's tickets, newest first, from the owner index. */
export const makeListUploadsHandler = endpoint(
  {
    id: "listUploads", method: "GET", path: "/uploads", auth: "jwt",
    summary: "The caller's tickets, newest first.", query: ListUploadsQuery, status: 200, response: "ListUploadsResponse",
    errors: [422, ...AUTHED],
    access: { ownerIndex: ["dynamodb:Query"] },
  },
  (deps: StatusDeps) => async ({ user, query }) => listUploads(deps, user, query),
);

export const listUploadsEntry = httpEntry("list-uploads", [makeListUploadsHandler]);
