/**
 * Content checks: what the bytes are, by the head of the object, against what it is labelled.
 * Detection is `file-type`'s (a maintained library), never a table of our own; it is loaded on
 * first use, so neither the sign functions nor a record that never reads bytes pay for it.
 */
import type { Profile } from "../schemas.js";
import { contentTypeAllowed } from "./profiles.js";

/**
 * The most bytes a content check reads of an object: what file-type reads for its detection
 * (`reasonableDetectionSizeInBytes`). No ranged read asks for more.
 */
export const CONTENT_SAMPLE_BYTES = 4100;

/** Types file-type may report under another name than the label a client sends for them. */
const SAME_TYPES: readonly (readonly string[])[] = [
  ["image/jpeg", "image/jpg", "image/pjpeg"],
  ["audio/mp4", "audio/x-m4a", "audio/m4a"],
  ["audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"],
  ["audio/mpeg", "audio/mp3"],
  ["application/zip", "application/x-zip-compressed"],
];
const namesOf = (type: string) => SAME_TYPES.find((names) => names.includes(type)) ?? [type];

type Library = typeof import("file-type/core");
let library: Promise<Library> | undefined;
const load = () => (library ??= import("file-type/core"));

/** Whether file-type can tell an object of this type (a `type/*` wildcard: any type of it) from its bytes. */
export async function identifiable(pattern: string): Promise<boolean> {
  const { supportedMimeTypes } = await load();
  if (pattern.endsWith("/*")) return [...supportedMimeTypes].some((type) => contentTypeAllowed([pattern], type));
  return namesOf(pattern).some((type) => supportedMimeTypes.has(type));
}

/**
 * Whether objects of this profile have their bytes checked: its `verifyContent`, or by default
 * when file-type can identify any of its content types (images, PDF, audio, video, archives; not
 * text/plain, text/csv or JSON). Without the profile (no longer configured) the ticket's type decides.
 */
export async function verifiesContent(profile: Pick<Profile, "contentTypes" | "verifyContent"> | undefined, ticketType: string): Promise<boolean> {
  if (profile?.verifyContent !== undefined) return profile.verifyContent;
  for (const pattern of profile?.contentTypes ?? [ticketType]) if (await identifiable(pattern)) return true;
  return false;
}

/**
 * Why the head of an object is not what its `label` (its exact content type) says; `undefined`
 * when it fits. A type file-type cannot identify is never refused for not being recognised, only
 * for being recognised as something else.
 */
export async function contentProblem(label: string, head: Uint8Array): Promise<string | undefined> {
  const { fileTypeFromBuffer } = await load();
  const detected = head.length === 0 ? undefined : (await fileTypeFromBuffer(head))?.mime;
  if (detected !== undefined) {
    return namesOf(detected).some((name) => contentTypeAllowed([label], name)) ? undefined : `content is ${detected}, not ${label}`;
  }
  return (await identifiable(label)) ? `content is not a recognisable ${label}` : undefined;
}
