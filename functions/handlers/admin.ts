/**
 * The admin routes, for the app's own backend: behind API Gateway's IAM authorizer (requests
 * signed with AWS credentials allowed `execute-api:Invoke` on them), never reachable with a
 * user's token. Every call is logged with the caller's ARN.
 */
import { adminDeleteUpload, adminDownloadUpload, adminGetUpload, adminListUploads, adminUsage, type AdminDeps } from "../domain/admin.js";
import type { IamCaller } from "../http.js";
import { endpoint, httpEntry, SIGNED } from "../route.js";
import { UploadIdParams } from "../schemas.js";
import { AdminListUploadsQuery, AdminOwnerQuery } from "../schemas/admin.js";

/** One JSON line per admin call: who did what to which upload (Lambda's JSON log format adds time and request id). */
const audit = (caller: IamCaller, action: string, target: Record<string, string>) =>
  console.info(JSON.stringify({ message: "admin call", action, caller: caller.arn, ...target }));

export const makeAdminListUploadsHandler = endpoint(
  {
    id: "adminListUploads", method: "GET", path: "/admin/uploads", auth: "iam",
    summary: "Admin: a user's tickets (by `owner`, their token's `sub`), newest first.",
    query: AdminListUploadsQuery, status: 200, response: "ListUploadsResponse", errors: [422, ...SIGNED],
    access: { ownerIndex: ["dynamodb:Query"] },
  },
  (deps: AdminDeps) => async ({ user, query }) => {
    audit(user, "listUploads", { owner: query.owner });
    return adminListUploads(deps, query);
  },
);

export const makeAdminGetUploadHandler = endpoint(
  {
    id: "adminGetUpload", method: "GET", path: "/admin/uploads/{uploadId}", auth: "iam",
    summary: "Admin: any ticket, with its owner.", params: UploadIdParams, status: 200, response: "AdminTicketView",
    errors: [404, ...SIGNED],
    access: { table: ["dynamodb:GetItem"] },
  },
  (deps: AdminDeps) => async ({ user, params }) => {
    audit(user, "getUpload", params);
    return adminGetUpload(deps, params.uploadId);
  },
);

export const makeAdminDeleteUploadHandler = endpoint(
  {
    id: "adminDeleteUpload", method: "DELETE", path: "/admin/uploads/{uploadId}", auth: "iam",
    summary: "Admin: aborts a pending upload or deletes a completed object of any user; the ticket view after it. Idempotent.",
    params: UploadIdParams, status: 200, response: "AdminTicketView", errors: [404, 501, ...SIGNED],
    access: { objects: ["s3:DeleteObject", "s3:AbortMultipartUpload"], table: ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"] },
  },
  (deps: AdminDeps) => async ({ user, params }) => {
    audit(user, "deleteUpload", params);
    return adminDeleteUpload(deps, params.uploadId);
  },
);

export const makeAdminDownloadHandler = endpoint(
  {
    id: "adminDownloadUpload", method: "GET", path: "/admin/uploads/{uploadId}/download", auth: "iam",
    summary: "Admin: a presigned GET (5 minutes) of any completed upload, under its original name.",
    params: UploadIdParams, status: 200, response: "DownloadResponse", errors: [404, 409, ...SIGNED],
    access: { objects: ["s3:GetObject"], table: ["dynamodb:GetItem"] },
  },
  (deps: AdminDeps) => async ({ user, params }) => {
    audit(user, "downloadUpload", params);
    return adminDownloadUpload(deps, params.uploadId);
  },
);

export const makeAdminUsageHandler = endpoint(
  {
    id: "adminUsage", method: "GET", path: "/admin/usage", auth: "iam",
    summary: "Admin: today's (UTC) quota counts of a user (by `owner`), per profile that has a quota.",
    query: AdminOwnerQuery, status: 200, response: "UsageResponse", errors: [422, ...SIGNED],
    access: { table: ["dynamodb:GetItem", "dynamodb:BatchGetItem"] },
  },
  (deps: AdminDeps) => async ({ user, query }) => {
    audit(user, "usage", query);
    return adminUsage(deps, query.owner);
  },
);

export const adminEntry = httpEntry("admin", [
  makeAdminListUploadsHandler, makeAdminGetUploadHandler, makeAdminDeleteUploadHandler, makeAdminDownloadHandler, makeAdminUsageHandler,
]);
