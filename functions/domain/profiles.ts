import { ConfigError, ForbiddenError, UnsupportedMediaTypeError, ValidationError } from "../errors.js";
import { ProfileListSchema, PublicProfile, type Profile, type ProfilesResponse } from "../schemas.js";
import type { Principal } from "./principal.js";

/**
 * Validates an operator's profile list. Throws a `ConfigError` whose message names each
 * bad profile and field, e.g. `profile "avatar" (#0): maxBytes: Too small…`.
 */
export function parseProfiles(raw: unknown, source = "PROFILES"): Profile[] {
  const result = ProfileListSchema.safeParse(raw);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const [index, ...field] = issue.path;
    if (typeof index !== "number") return `${source}: ${issue.message}`;
    const name = (raw as Array<{ name?: unknown }>)[index]?.name;
    const label = typeof name === "string" ? `profile "${name}" (#${index})` : `profile #${index}`;
    return `${source}: ${label}: ${field.length ? field.join(".") : "(profile)"}: ${issue.message}`;
  });
  throw new ConfigError(`Invalid upload profiles:\n${lines.join("\n")}`);
}

/** Finds a profile the principal may use: unknown → 422, group not allowed → 403. */
export function profileFor(profiles: readonly Profile[], name: string, principal: Principal): Profile {
  const profile = profiles.find((p) => p.name === name);
  if (!profile) {
    throw new ValidationError([{ path: "profile", message: `unknown profile '${name}'` }]);
  }
  if (profile.allowedGroups.length > 0 && !profile.allowedGroups.some((g) => principal.groups.includes(g))) {
    throw new ForbiddenError(`Your groups may not use the profile '${profile.name}'.`);
  }
  return profile;
}

/** Whether `contentType` (exact, lowercase) is allowed by a list of types and `type/*` wildcards. */
export function contentTypeAllowed(patterns: readonly string[], contentType: string): boolean {
  const slash = contentType.indexOf("/");
  return patterns.some((p) =>
    p.endsWith("/*") ? contentType.slice(0, slash + 1) === p.slice(0, -1) : p === contentType,
  );
}

export function assertContentType(profile: Profile, contentType: string): void {
  if (!contentTypeAllowed(profile.contentTypes, contentType)) {
    throw new UnsupportedMediaTypeError(
      `The profile '${profile.name}' accepts ${profile.contentTypes.join(", ")}, not ${contentType}.`,
    );
  }
}

/** Refuses a method the profile does not offer. */
export function assertMethod(profile: Profile, method: Profile["methods"][number]): void {
  if (!profile.methods.includes(method)) {
    throw new ValidationError([
      { path: "profile", message: `the profile '${profile.name}' does not allow ${method} uploads` },
    ]);
  }
}

/** Refuses metadata keys the profile does not declare. */
export function assertMetadataKeys(profile: Profile, metadata: Record<string, string>): void {
  const unknown = Object.keys(metadata).filter((k) => !profile.metadataKeys.includes(k));
  if (unknown.length > 0) {
    throw new ValidationError(
      unknown.map((k) => ({
        path: `metadata.${k}`,
        message: profile.metadataKeys.length
          ? `not allowed; the profile accepts ${profile.metadataKeys.join(", ")}`
          : "not allowed; the profile accepts no metadata",
      })),
    );
  }
}

/** What `GET /profiles` answers: each profile without its group list, `restricted` when it has one. */
export function publicProfiles(profiles: readonly Profile[]): ProfilesResponse {
  // The fields its schema names (computed here, so that the sign bundles never build it).
  const PUBLIC_FIELDS = Object.keys(PublicProfile.shape).filter((name) => name !== "restricted") as Array<keyof Profile>;
  return {
    profiles: profiles.map((p) => ({
      ...(Object.fromEntries(PUBLIC_FIELDS.map((name) => [name, p[name]])) as Omit<PublicProfile, "restricted">),
      restricted: p.allowedGroups.length > 0,
    })),
  };
}
