/**
 * The admin routes: what a user can do with their own uploads, done by the app's backend for
 * any user. Each acts as the upload's owner through the very use cases the user routes run, so
 * the rules (what can be deleted, downloaded, when) are the same; only who may ask differs.
 */
import { NotFoundError } from "../errors.js";
import type { ListUploadsResponse, Profile, UsageResponse } from "../schemas.js";
import type { AdminListUploadsQuery, AdminTicketView } from "../schemas/admin.js";
import type { DownloadResponse } from "../schemas.js";
import { deleteUpload, downloadUpload, type AfterUploadDeps } from "./after-upload.js";
import { ULID } from "./keys.js";
import type { Principal } from "./principal.js";
import { getUpload, listUploads } from "./uploads.js";
import { usage, type UsageDeps } from "./usage.js";

export type AdminDeps = AfterUploadDeps & UsageDeps;

/** The owner as a principal in every group the profiles name: an admin sees all of a user's profiles. */
function asOwner(profiles: readonly Profile[], sub: string): Principal {
  return { sub, groups: [...new Set(profiles.flatMap((p) => p.allowedGroups))] };
}

async function ownerOf(deps: Pick<AdminDeps, "tickets" | "profiles">, uploadId: string): Promise<Principal> {
  const ticket = ULID.test(uploadId) ? await deps.tickets.get(uploadId) : undefined;
  if (!ticket) throw new NotFoundError("No such upload.");
  return asOwner(deps.profiles, ticket.owner);
}

/** `GET /admin/uploads?owner=`: a user's tickets, newest first. */
export const adminListUploads = (deps: AdminDeps, query: AdminListUploadsQuery): Promise<ListUploadsResponse> => {
  const { owner, ...rest } = query;
  return listUploads(deps, asOwner(deps.profiles, owner), rest);
};

/** `GET /admin/uploads/{id}`: any ticket, with its owner. */
export async function adminGetUpload(deps: AdminDeps, uploadId: string): Promise<AdminTicketView> {
  const owner = await ownerOf(deps, uploadId);
  return { ...(await getUpload(deps, owner, uploadId)), owner: owner.sub };
}

/** `DELETE /admin/uploads/{id}`: aborts or deletes any upload, as its owner would. */
export async function adminDeleteUpload(deps: AdminDeps, uploadId: string): Promise<AdminTicketView> {
  const owner = await ownerOf(deps, uploadId);
  return { ...(await deleteUpload(deps, owner, uploadId)), owner: owner.sub };
}

/** `GET /admin/uploads/{id}/download`: a download link to any completed upload. */
export async function adminDownloadUpload(deps: AdminDeps, uploadId: string): Promise<DownloadResponse> {
  return downloadUpload(deps, await ownerOf(deps, uploadId), uploadId);
}

/** `GET /admin/usage?owner=`: a user's quota counts today. */
export const adminUsage = (deps: AdminDeps, owner: string): Promise<UsageResponse> => usage(deps, asOwner(deps.profiles, owner));
