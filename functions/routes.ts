/**
 * Every HTTP route of the API, by Lambda entry. Each route is declared once, in its feature's
 * module under `functions/handlers/`, with its handler; each entry lists its handlers there. The
 * stack's functions, routes and grants, local mode, the OpenAPI document, the client's types
 * and the tests are derived from this list (docs/contributing.md: adding a route).
 *
 * No CDK import. Lambda entries import their own handler module, never this list, so each
 * bundle carries only what it runs.
 */
import { adminEntry } from "./handlers/admin.js";
import { getUploadEntry } from "./handlers/get-upload.js";
import { listUploadsEntry } from "./handlers/list-uploads.js";
import { multipartEntry } from "./handlers/multipart.js";
import { publicEntry } from "./handlers/public.js";
import { signPostEntry } from "./handlers/sign-post.js";
import { signPutEntry } from "./handlers/sign-put.js";
import { uploadObjectEntry } from "./handlers/upload-object.js";
import { uppyEntry } from "./handlers/uppy.js";
import { usageEntry } from "./handlers/usage.js";
import type { Route } from "./route.js";

export { routeKey, type ErrorStatus, type Route } from "./route.js";

/** The Lambda entries that answer HTTP routes, in the API's order. */
export const HTTP_ENTRIES = [
  publicEntry, signPutEntry, signPostEntry, multipartEntry, getUploadEntry, uploadObjectEntry, usageEntry, listUploadsEntry, uppyEntry, adminEntry,
] as const;

type Entries = (typeof HTTP_ENTRIES)[number];
/** An HTTP entry's name: its file under `functions/entries/`. */
export type HttpEntry = Entries["name"];
/** Each route's own literal type, with the entry that serves it (the client's types are checked against these). */
export type TableRoute = Entries extends infer E ? (E extends { name: infer N; endpoints: readonly (infer H)[] } ? (H extends { route: infer R } ? R & { entry: N } : never) : never) : never;

/** A route with the entry that serves it. */
export type EntryRoute = Route & { readonly entry: HttpEntry };

/** Every route, with its entry. */
export const routes: readonly EntryRoute[] = HTTP_ENTRIES.flatMap((entry) => entry.endpoints.map((make): EntryRoute => ({ ...make.route, entry: entry.name })));

export type RouteId = TableRoute["id"];

/** The names of the HTTP entries. */
export const httpEntries = (): HttpEntry[] => HTTP_ENTRIES.map((entry) => entry.name);

