import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { makeHealthHandler, makeProfilesHandler } from "../../functions/handlers/public.js";
import { makeSignPostHandler } from "../../functions/handlers/sign-post.js";
import { makeSignPutHandler } from "../../functions/handlers/sign-put.js";
import { parseProfiles } from "../../functions/domain/profiles.js";
import { DEMO_PROFILES } from "../../functions/domain/demo-profiles.js";
import * as z from "zod/mini";
import { ProfilesResponse, PublicProfile, SignPostResponse, SignPutResponse } from "../../functions/schemas.js";
import { bodyOf, httpEvent, memoryDeps, failingStore } from "../support/fixtures.js";

afterEach(() => vi.restoreAllMocks());

const put = { profile: "avatar", filename: "me.png", contentType: "image/png", size: 12345, metadata: { caption: "hi" } };
const { deps } = memoryDeps();
const signPut = makeSignPutHandler(deps);
const signPost = makeSignPostHandler(deps);

/** The contract's error shape, exactly. */
function expectContractError(result: { statusCode?: number; body?: string; headers?: Record<string, unknown> }, status: number, code: string) {
  expect(result.statusCode).toBe(status);
  expect(result.headers?.["content-type"]).toMatch(/^application\/json/);
  const body = bodyOf(result);
  expect(Object.keys(body)).toEqual(["error"]);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe("string");
  return body.error as { code: string; message: string; details?: Array<{ path: string; message: string }> };
}

describe("sign handlers over the captured API Gateway event", () => {
  it("answers 201 with the ticket for the captured event", async () => {
    const result = await signPut(httpEvent());
    expect(result.statusCode).toBe(201);
    const body = bodyOf(result);
    expect(body.key).toBe(`uploads/3c1d8f0e-1a2b-4c3d-9e8f-0a1b2c3d4e5f/${body.uploadId}/me.png`);
    expect(body.method).toBe("PUT");
  });

  it("answer in the contract's response shapes", async () => {
    const strict = (schema: z.ZodMiniObject) => z.strictObject(schema.shape);
    expect(z.safeParse(strict(SignPutResponse), bodyOf(await signPut(httpEvent()))).error).toBeUndefined();
    const post = bodyOf(await signPost(httpEvent({ body: { profile: "avatar", contentType: "image/png" } })));
    expect(z.safeParse(strict(SignPostResponse), post).error).toBeUndefined();
    const profiles = bodyOf(await makeProfilesHandler({ profiles: DEMO_PROFILES })(httpEvent()));
    expect(z.safeParse(ProfilesResponse, profiles).error).toBeUndefined();
    expect(z.safeParse(strict(PublicProfile), profiles.profiles[0]).error).toBeUndefined();
  });

  it("reads a base64-encoded body", async () => {
    expect((await signPost(httpEvent({ body: { profile: "avatar", contentType: "image/png" }, base64: true }))).statusCode).toBe(201);
  });

  it.each([
    ["no authorizer", httpEvent({ claims: null }), 401, "unauthorized"],
    ["claims without sub", httpEvent({ claims: { iss: "x" } }), 401, "unauthorized"],
    ["not JSON", httpEvent({ raw: "{nope" }), 400, "invalid_json"],
    ["a JSON array", httpEvent({ raw: "[1,2]" }), 400, "invalid_json"],
    ["a JSON string", httpEvent({ raw: '"hi"' }), 400, "invalid_json"],
    ["no body", httpEvent({ raw: "" }), 400, "invalid_json"],
    ["a 17 KiB body", httpEvent({ body: { ...put, filename: "a".repeat(17 * 1024) } }), 413, "body_too_large"],
    ["a 17 KiB base64 body", httpEvent({ body: { ...put, filename: "a".repeat(17 * 1024) }, base64: true }), 413, "body_too_large"],
    ["a body of 16385 bytes", httpEvent({ raw: `{"x":"${"a".repeat(16385 - 8)}"}` }), 413, "body_too_large"],
    ["a base64 body decoding to 16385 bytes", httpEvent({ raw: `{"x":"${"a".repeat(16385 - 8)}"}`, base64: true }), 413, "body_too_large"],
    ["a body of exactly 16384 bytes (then refused by the schema)", httpEvent({ raw: `{"x":"${"a".repeat(16384 - 8)}"}` }), 422, "validation_failed"],
    ["a body of 8200 characters but 16408 bytes", httpEvent({ raw: `{"x":"${"é".repeat(8200)}"}` }), 413, "body_too_large"],
    ["a base64 body of 6000 bytes that are not UTF-8", { ...httpEvent(), body: Buffer.alloc(6000, 0xff).toString("base64"), isBase64Encoded: true }, 400, "invalid_json"],
    ["a too-large file", httpEvent({ body: { ...put, size: 6e6 } }), 413, "file_too_large"],
    ["a forbidden type", httpEvent({ body: { ...put, contentType: "text/html" } }), 415, "unsupported_media_type"],
    ["an unknown profile", httpEvent({ body: { ...put, profile: "x" } }), 422, "validation_failed"],
  ])("maps %s to %i %s", async (_name, event, status, code) => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    expectContractError(await signPut(event), status, code);
    expect(logged).not.toHaveBeenCalled(); // a client's mistake is answered, not logged as ours
  });

  it("answers 403 when the user's groups may not use the profile", async () => {
    const staff = makeSignPutHandler(memoryDeps({ profiles: parseProfiles([{ name: "avatar", contentTypes: ["image/png"], maxBytes: 99999, allowedGroups: ["admins"], metadataKeys: ["caption"] }]) }).deps);
    expectContractError(await staff(httpEvent()), 403, "forbidden");
    expect((await staff(httpEvent({ claims: { sub: "root", "cognito:groups": ["admins"] } }))).statusCode).toBe(201);
  });
});

describe("identity comes from the verified token itself", () => {
  const staffOnly = makeSignPutHandler(
    memoryDeps({ profiles: parseProfiles([{ name: "avatar", contentTypes: ["image/png"], maxBytes: 99999, allowedGroups: ["staff"], metadataKeys: ["caption"] }]) }).deps,
  );

  it.each([
    ["a member of 'Former staff'", { sub: "eve", "cognito:groups": ["Former staff"] }],
    ["a member of 'x,staff'", { sub: "eve", groups: ["x,staff"] }],
    ["a member of 'staff editors' (one group)", { sub: "eve", groups: ["staff editors"] }],
  ])("refuses %s a profile for staff, though API Gateway flattens the claim to look like it", async (_name, claims) => {
    expectContractError(await staffOnly(httpEvent({ claims })), 403, "forbidden");
  });

  it("lets a real member of staff in", async () => {
    expect((await staffOnly(httpEvent({ claims: { sub: "ann", groups: ["Former staff", "staff"] } }))).statusCode).toBe(201);
  });

  it.each([
    ["sub null", { sub: null }],
    ["sub a number", { sub: 42 }],
    ["sub an array", { sub: ["alice"] }],
    ["sub an object", { sub: { id: "alice" } }],
    ["sub empty", { sub: "" }],
    ["no sub", { iss: "x" }],
  ])("answers 401 for a token with %s", async (_name, claims) => {
    expectContractError(await signPut(httpEvent({ claims })), 401, "unauthorized");
  });

  it.each([
    ["no Authorization header", (e: ReturnType<typeof httpEvent>) => void delete e.headers.authorization],
    ["a header that is not a JWT", (e: ReturnType<typeof httpEvent>) => void (e.headers.authorization = "Bearer not-a-token")],
    ["a token with a payload that is not JSON", (e: ReturnType<typeof httpEvent>) => void (e.headers.authorization = `Bearer e30.${Buffer.from("nope").toString("base64url")}.c2ln`)],
    ["two tokens joined by API Gateway", (e: ReturnType<typeof httpEvent>) => void (e.headers.authorization = `${e.headers.authorization},${e.headers.authorization}`)],
  ])("answers 401 for %s", async (_name, mutate) => {
    const event = httpEvent();
    mutate(event);
    expectContractError(await signPut(event), 401, "unauthorized");
  });

  it("answers 401 when the header's token is not the one the authorizer verified", async () => {
    const verified = httpEvent({ claims: { sub: "eve", groups: [] } });
    const forged = httpEvent({ claims: { sub: "eve", groups: ["staff"], iat: 1 } });
    verified.headers.authorization = forged.headers.authorization;
    expectContractError(await staffOnly(verified), 401, "unauthorized");
    const otherUser = httpEvent({ claims: { sub: "eve" } });
    otherUser.headers.authorization = httpEvent({ claims: { sub: "alice" } }).headers.authorization;
    expectContractError(await signPut(otherUser), 401, "unauthorized");
  });

  it("accepts the token without the Bearer scheme, as API Gateway does", async () => {
    const event = httpEvent();
    event.headers.authorization = event.headers.authorization!.replace(/^Bearer /, "");
    expect((await signPut(event)).statusCode).toBe(201);
  });
});

describe("bodies are counted and decoded as bytes", () => {
  const latin1 = (text: string) => ({ ...httpEvent(), body: Buffer.from(text, "latin1").toString("base64"), isBase64Encoded: true });

  it("refuses a Latin-1 body (café) with 400 instead of storing U+FFFD in the file name", async () => {
    const error = expectContractError(await signPut(latin1(JSON.stringify({ ...put, filename: "café.png" }))), 400, "invalid_json");
    expect(error.message).toMatch(/UTF-8/);
  });

  it("counts 6 KB of invalid bytes as 6 KB (400 invalid_json, not 413)", async () => {
    expectContractError(await signPut(latin1(JSON.stringify({ ...put, filename: "é".repeat(6000) }))), 400, "invalid_json");
  });

  it.each([
    ["metadata.__proto__", { ...put, metadata: { caption: "hi", ["__proto__"]: "x" } }],
    ["__proto__", { ...put, ["__proto__"]: { size: 1 } }],
  ])("refuses a %s key with 422 like every other undeclared key", async (path, body) => {
    const raw = JSON.stringify(body).replace('"__proto__"', '"\\u005f_proto__"');
    for (const text of [JSON.stringify(body), raw]) {
      const error = expectContractError(await signPut(httpEvent({ raw: text })), 422, "validation_failed");
      expect(error.details).toContainEqual({ path, message: "unknown field" });
    }
  });

  it("lists every schema violation in details", async () => {
    const error = expectContractError(
      await signPut(httpEvent({ body: { profile: "avatar", contentType: "image/png; charset=x", size: -1, extra: true, metadata: { caption: " padded " } } })),
      422,
      "validation_failed",
    );
    expect(error.details?.map((d) => d.path).sort()).toEqual(["contentType", "extra", "filename", "metadata.caption", "size"]);
  });

  it("answers 500 internal without leaking the cause when the ticket store fails", async () => {
    const failing = makeSignPutHandler(memoryDeps({ writer: failingStore("secret table arn:aws:dynamodb:xyz") }).deps);
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const error = expectContractError(await failing(httpEvent()), 500, "internal");
    expect(logged).toHaveBeenCalledExactlyOnceWith(expect.objectContaining({ message: expect.stringContaining("secret table") }));
    expect(JSON.stringify(error)).not.toMatch(/secret|arn|stack/i);
    expect(error).not.toHaveProperty("details");
  });
});

describe("public handlers", () => {
  it("GET /profiles lists the demo profiles", async () => {
    const body = bodyOf(await makeProfilesHandler({ profiles: DEMO_PROFILES })(httpEvent()));
    expect(body.profiles.map((p: { name: string }) => p.name)).toEqual(["avatar", "document", "photo"]);
  });

  it("GET /health is ok", async () => {
    expect(bodyOf(await makeHealthHandler()(httpEvent()))).toEqual({ status: "ok" });
  });

  it("the public Lambda entry routes health and profiles, and answers anything else with 404 not_found", async () => {
    vi.stubEnv("BUCKET_NAME", "uploads");
    vi.stubEnv("TABLE_NAME", "tickets");
    vi.stubEnv("PROFILES", JSON.stringify(DEMO_PROFILES));
    const { handler } = await import("../../functions/entries/public.js");
    vi.unstubAllEnvs();
    const call = (routeKey: string) => handler({ ...httpEvent(), routeKey, rawPath: routeKey.split(" ")[1] ?? "/x" }) as Promise<{ statusCode: number; body: string }>;
    expect(bodyOf(await call("GET /health"))).toEqual({ status: "ok" });
    expect(bodyOf(await call("GET /profiles")).profiles).toHaveLength(3);
    const missing = await call("$default");
    expect(missing.statusCode).toBe(404);
    expect(bodyOf(missing).error.code).toBe("not_found");
  });
});

describe("no client input produces a 500", () => {
  const claims = fc.oneof(
    fc.constant(null),
    fc.record({ sub: fc.oneof(fc.string(), fc.integer(), fc.jsonValue()), "cognito:groups": fc.jsonValue(), groups: fc.jsonValue() }, { requiredKeys: [] }),
    fc.dictionary(fc.string(), fc.jsonValue()),
  );
  const field = <T>(arb: fc.Arbitrary<T>) => fc.oneof(arb, fc.jsonValue());
  const body = fc.oneof(
    fc.jsonValue(),
    fc.record(
      {
        profile: field(fc.constantFrom("avatar", "document", "photo", "nope", "")),
        filename: field(fc.string({ unit: "binary", maxLength: 2000 })),
        contentType: field(fc.constantFrom("image/png", "image/heic", "application/pdf", "IMAGE/PNG", "text/html", "image/*", "x")),
        size: field(fc.oneof(fc.integer(), fc.double(), fc.constant(5242880))),
        maxBytes: field(fc.oneof(fc.integer(), fc.double())),
        metadata: field(fc.dictionary(fc.string(), fc.oneof(fc.string({ unit: "binary" }), fc.jsonValue()))),
        checksumSha256: field(fc.base64String()),
      },
      { requiredKeys: [] },
    ),
  );
  const text = fc.oneof(body.map((b) => JSON.stringify(b) ?? ""), fc.string({ unit: "binary" }));
  /** Any bytes at all, as API Gateway passes a body it does not take for text: base64. */
  const bytes = fc.oneof(fc.uint8Array({ maxLength: 17_000 }), text.map((t) => Buffer.from(t, "latin1")));

  it.each([
    ["PUT", signPut],
    ["POST", signPost],
  ])("sign %s: every answer is 201 or a contract 4xx", async (_name, handler) => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(text, bytes), claims, async (input, c) => {
        const event = httpEvent({ claims: c as Record<string, unknown> | null, ...(typeof input === "string" ? { raw: input } : {}) });
        if (typeof input !== "string") Object.assign(event, { body: Buffer.from(input).toString("base64"), isBase64Encoded: true });
        const result = await handler(event);
        const status = result.statusCode ?? 0;
        expect(status === 201 || (status >= 400 && status < 500)).toBe(true);
        if (status !== 201) {
          const error = bodyOf(result).error;
          expect(Object.keys(bodyOf(result))).toEqual(["error"]);
          expect(error.code).toMatch(/^[a-z_]+$/);
          expect(typeof error.message).toBe("string");
          if (error.details) for (const d of error.details) expect(d).toEqual({ path: expect.any(String), message: expect.any(String) });
        }
      }),
      { numRuns: 400 },
    );
  });
});
