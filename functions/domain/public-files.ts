/**
 * Public files: the completed uploads of `public: true` profiles, served by the CDN. Clients
 * upload under `uploads/`, which the CDN can never read; the ticket table's change stream copies
 * each completed object of a public profile to `public/<profile>/<uploadId>/<name>`, the only
 * prefix the CDN's origin access reaches, and removes that copy when the ticket leaves
 * `completed`. So what is served is, by construction, a copy the broker made of an object it had
 * already judged complete. Pure: URLs, keys, and what one ticket change asks of the served copy.
 */
import type { Profile, Ticket } from "../schemas.js";
import { parseObjectKey, sanitizeFilename } from "./keys.js";

/** The bucket prefix the CDN serves (its origin path); only the stream's copies live there. */
export const PUBLIC_PREFIX = "public/";

/**
 * How long browsers keep a served file before they revalidate it with its ETag (a 304 when it
 * is unchanged). The CDN itself keeps it until it changes: the stream invalidates its path when
 * the file is replaced or removed, which browsers cannot be told.
 */
export const BROWSER_MAX_AGE_SECONDS = 300;
/** CDN edges keep a file up to a year (it is invalidated when it changes or goes). */
export const CDN_MAX_AGE_SECONDS = 365 * 24 * 3600;
/** The `Cache-Control` of every served copy. */
export const SERVED_CACHE_CONTROL = `public, max-age=${BROWSER_MAX_AGE_SECONDS}, s-maxage=${CDN_MAX_AGE_SECONDS}`;

/** What the served copy of a ticket depends on. */
export type ServedTicket = Pick<Ticket, "profile" | "uploadId" | "key" | "status" | "etag">;

/**
 * A file's path under the CDN (and under `PUBLIC_PREFIX` in the bucket): `<profile>/<uploadId>/<name>`.
 * The name is the key's, made safe (a `${filename}` POST's name was filled in by S3), so the path
 * needs no escaping in a URL or an invalidation; the owner is not in it.
 */
export function servedPath(ticket: Pick<Ticket, "profile" | "uploadId" | "key">): string {
  return `${ticket.profile}/${ticket.uploadId}/${sanitizeFilename(parseObjectKey(ticket.key)?.name ?? "file")}`;
}

/** The bucket key of a ticket's served copy. */
export const servedKey = (ticket: Pick<Ticket, "profile" | "uploadId" | "key">) => `${PUBLIC_PREFIX}${servedPath(ticket)}`;

/** Where a ticket's file is served, when it is (completed, of a public profile). */
export type FileUrls = (ticket: ServedTicket) => string | undefined;

/** The names of the public profiles. */
export const publicProfileNames = (profiles: readonly Pick<Profile, "name" | "public">[]) => profiles.filter((p) => p.public).map((p) => p.name);

/** `fileUrl` of completed tickets of the public profiles, under `baseUrl` (the CDN's, or local mode's). */
export function fileUrls(profiles: readonly Pick<Profile, "name" | "public">[], baseUrl: string): FileUrls {
  const base = baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`;
  const names = new Set(publicProfileNames(profiles));
  return (ticket) => (ticket.status === "completed" && names.has(ticket.profile) ? `${base}${servedPath(ticket)}` : undefined);
}

/** What one ticket change asks of the served copy. */
export interface ServingChange {
  /** Copy the upload at `from`, only as long as its ETag is `etag`, to the served key `to`. */
  copy?: { from: string; to: string; etag: string };
  /** Served keys to delete. */
  remove: string[];
  /** CDN paths (with a leading `/`) whose cached copies must go: replaced or removed. */
  invalidate: string[];
}

/**
 * What the change of a ticket from `before` to `after` asks of its served copy, or `undefined`
 * for nothing. A ticket of a public profile that becomes completed (or completes again with
 * other bytes, a POST policy re-used before it expired) is copied; a completed ticket that
 * leaves `completed` (deleted, rejected, scanning again) has its copy removed, whether its
 * profile is public now or not (a profile made private leaves no copy behind), and its CDN path
 * invalidated when it was served.
 */
export function servingChange(before: ServedTicket | undefined, after: ServedTicket | undefined, publicProfiles: ReadonlySet<string>): ServingChange | undefined {
  const wasCompleted = before?.status === "completed";
  const wasServed = wasCompleted && publicProfiles.has(before.profile);
  const serve = after?.status === "completed" && after.etag !== undefined && publicProfiles.has(after.profile);
  const remove: string[] = [];
  const invalidate: string[] = [];
  if (wasCompleted && !(serve && servedKey(before) === servedKey(after))) {
    remove.push(servedKey(before));
    if (wasServed) invalidate.push(`/${servedPath(before)}`);
  }
  if (serve) {
    const changed = !wasServed || before.etag !== after.etag || before.key !== after.key;
    if (!changed) return remove.length ? { remove, invalidate } : undefined;
    // The same path with other bytes: edges must fetch them again.
    if (wasServed && servedKey(before) === servedKey(after)) invalidate.push(`/${servedPath(after)}`);
    return { copy: { from: after.key, to: servedKey(after), etag: after.etag! }, remove, invalidate };
  }
  return remove.length ? { remove, invalidate } : undefined;
}
