import { describe, expect, it, vi } from "vitest";
import { loadConfig, profilesEnvironment } from "../../functions/config.js";
import { principalFromClaims } from "../../functions/domain/principal.js";
import { contentTypeAllowed, parseProfiles, profileFor, publicProfiles } from "../../functions/domain/profiles.js";
import { DEMO_PROFILES } from "../../functions/domain/demo-profiles.js";
import { ConfigError, ForbiddenError, UnauthorizedError, ValidationError } from "../../functions/errors.js";

describe("parseProfiles", () => {
  it("fills the contract's defaults", () => {
    const [p] = parseProfiles([{ name: "doc", contentTypes: ["Application/PDF"], maxBytes: 10 }]);
    expect(p).toEqual({
      name: "doc", contentTypes: ["application/pdf"], minBytes: 1, maxBytes: 10, methods: ["put", "post"],
      expiresInSeconds: 300, metadataKeys: [], allowedGroups: [], public: false,
    });
  });

  it.each([
    [[{ name: "avatar", contentTypes: ["image/png"], maxBytes: 0 }], /profile "avatar" \(#0\): maxBytes/],
    [[{ name: "avatar", contentTypes: ["png"], maxBytes: 5 }], /profile "avatar" \(#0\): contentTypes\.0: must be type\/subtype/],
    [[{ name: "a", contentTypes: ["image/png"], maxBytes: 5 }, { name: "Bad Name", contentTypes: ["x/y"], maxBytes: 1 }], /profile "Bad Name" \(#1\): name/],
    [[{ name: "a", contentTypes: ["image/png"], maxBytes: 5, expiresInSeconds: 7200 }], /profile "a" \(#0\): expiresInSeconds/],
    [[{ name: "a", contentTypes: ["image/png"], minBytes: 9, maxBytes: 5 }], /profile "a" \(#0\): minBytes: must not exceed maxBytes/],
    [[{ name: "a", contentTypes: ["image/png"], maxBytes: 5, metadataKeys: ["upload-id"] }], /metadataKeys\.0: 'upload-id' is reserved/],
    [[{ name: "a", contentTypes: ["image/png"], maxBytes: 5, methods: ["get"] }], /profile "a" \(#0\): methods\.0/],
    [[{ name: "a", contentTypes: ["image/png"], maxBytes: 5, colour: "red" }], /profile "a" \(#0\): \(profile\): Unrecognized key/],
    [[{ name: "a", contentTypes: ["image/png"], maxBytes: 6 * 1024 ** 3, methods: ["multipart"], public: true }], /profile "a" \(#0\): maxBytes: .*for a public profile/],
    [[{ name: "a", contentTypes: ["image/png"], maxBytes: 5, public: "yes" }], /profile "a" \(#0\): public/],
    [[{ name: "a", contentTypes: ["image/png"], maxBytes: 5 }, { name: "a", contentTypes: ["image/png"], maxBytes: 5 }], /profile "a" \(#1\): name: duplicate/],
    [[], /at least one profile/],
    [{}, /expected array/],
  ])("fails fast on %j naming the profile and field", (raw, message) => {
    expect(() => parseProfiles(raw)).toThrow(ConfigError);
    expect(() => parseProfiles(raw)).toThrow(message);
  });
});

describe("loadConfig", () => {
  const env = { BUCKET_NAME: "bucket", TABLE_NAME: "tickets", PROFILES: JSON.stringify(DEMO_PROFILES) };

  it("reads bucket, table, region and profiles", () => {
    expect(loadConfig({ ...env, AWS_REGION: "eu-west-1" })).toMatchObject({ bucket: "bucket", table: "tickets", region: "eu-west-1" });
  });

  it("names every missing variable", () => {
    expect(() => loadConfig({})).toThrow(/BUCKET_NAME[\s\S]*TABLE_NAME[\s\S]*PROFILES/);
  });

  it("takes the profiles the stack wrote as they are, and validates them again once edited", () => {
    const written = profilesEnvironment(DEMO_PROFILES);
    expect(written.PROFILES_SHA256).toMatch(/^[0-9a-f]{64}$/);
    expect(loadConfig({ ...env, ...written }).profiles).toEqual(DEMO_PROFILES);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      // A valid edit works, with a warning; an invalid one stops the function at start.
      const edited = written.PROFILES.replace('"maxBytes":5242880', '"maxBytes":5242881');
      expect(edited).not.toBe(written.PROFILES);
      expect(loadConfig({ ...env, ...written, PROFILES: edited }).profiles[0]!.maxBytes).toBe(5242881);
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/PROFILES_SHA256 does not match/));
      const broken = written.PROFILES.replace('"maxBytes":5242880', '"maxBytes":-1');
      expect(() => loadConfig({ ...env, ...written, PROFILES: broken })).toThrow(/profile "avatar" \(#0\): maxBytes/);
      // What the checksum skips is the parse, never the check: a list it does not match is parsed.
      expect(() => loadConfig({ ...env, PROFILES: '[{"name":"x"}]', PROFILES_SHA256: "" })).toThrow(/contentTypes/);
    } finally {
      warn.mockRestore();
    }
  });

  it("refuses PROFILES that are not JSON or not valid", () => {
    expect(() => loadConfig({ ...env, PROFILES: "[{" })).toThrow(/PROFILES is not valid JSON/);
    expect(() => loadConfig({ ...env, PROFILES: '[{"name":"x"}]' })).toThrow(/profile "x" \(#0\): contentTypes/);
  });
});

describe("profile rules", () => {
  const alice = { sub: "alice", groups: [] };

  it("matches exact types and type/* wildcards", () => {
    expect(contentTypeAllowed(["image/png"], "image/png")).toBe(true);
    expect(contentTypeAllowed(["image/png"], "image/pngx")).toBe(false);
    expect(contentTypeAllowed(["image/*"], "image/heic")).toBe(true);
    expect(contentTypeAllowed(["image/*"], "imagex/png")).toBe(false);
    expect(contentTypeAllowed(["image/*"], "application/image")).toBe(false);
  });

  it("refuses unknown profiles with 422 and foreign groups with 403", () => {
    const profiles = parseProfiles([{ name: "staff-only", contentTypes: ["text/plain"], maxBytes: 10, allowedGroups: ["staff"] }]);
    expect(() => profileFor(profiles, "nope", alice)).toThrow(ValidationError);
    expect(() => profileFor(profiles, "staff-only", alice)).toThrow(ForbiddenError);
    expect(profileFor(profiles, "staff-only", { sub: "bob", groups: ["staff"] }).name).toBe("staff-only");
  });

  it("shows profiles without their group lists", () => {
    const { profiles } = publicProfiles(DEMO_PROFILES);
    expect(profiles.map((p) => p.name)).toEqual(["avatar", "document", "photo"]);
    expect(profiles[0]).not.toHaveProperty("allowedGroups");
  });
});

describe("principalFromClaims (the token's own claims)", () => {
  it.each([
    [{ sub: "a", "cognito:groups": ["staff", "editors"] }, ["staff", "editors"]],
    [{ sub: "a", groups: ["Former staff", "x,staff"] }, ["Former staff", "x,staff"]],
    [{ sub: "a", "cognito:groups": "staff" }, ["staff"]],
    [{ sub: "a", groups: "[x y]" }, ["[x y]"]],
    [{ sub: "a", groups: ["x", 3, "", null, ["staff"]] }, ["x"]],
    [{ sub: "a", groups: 7 }, []],
    [{ sub: "a" }, []],
  ])("reads groups from %j exactly, never splitting a name", (claims, groups) => {
    expect(principalFromClaims(claims)).toEqual({ sub: "a", groups });
  });

  it("lets no member of 'Former staff' or 'x,staff' into a profile for staff", () => {
    const [profile] = parseProfiles([{ name: "internal", contentTypes: ["image/png"], maxBytes: 10, allowedGroups: ["staff"] }]);
    for (const groups of [["Former staff"], ["x,staff"], ["staff "], ["Staff"], "[staff]"]) {
      expect(() => profileFor([profile!], "internal", principalFromClaims({ sub: "a", groups }))).toThrow(ForbiddenError);
    }
    expect(profileFor([profile!], "internal", principalFromClaims({ sub: "a", groups: ["staff"] })).name).toBe("internal");
  });

  it.each([{}, { sub: "" }, { sub: 42 }, { sub: null }, { sub: ["alice"] }, { sub: { id: "alice" } }, { sub: true }, { sub: "x".repeat(1025) }])(
    "refuses %j with 401 (null and \"null\" never become the same owner)",
    (claims) => {
      expect(() => principalFromClaims(claims)).toThrow(UnauthorizedError);
    },
  );
});
