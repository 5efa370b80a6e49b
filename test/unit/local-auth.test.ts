/** Local mode's JWT verifier checks what API Gateway's JWT authorizer checks, no less and no more. */
import { generateKeyPair, SignJWT, type JWTPayload } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { createLocalAuth, type LocalAuth } from "../../local/auth.js";

const ISSUER = "http://127.0.0.1:3000";
const AUDIENCE = "upload-broker-local";
const now = () => Math.floor(Date.now() / 1000);

describe("local JWT verifier", () => {
  let keys: Awaited<ReturnType<typeof generateKeyPair>>;
  let auth: LocalAuth;
  const sign = (claims: JWTPayload, header: { kid?: string } = { kid: "local" }) =>
    new SignJWT(claims).setProtectedHeader({ alg: "ES256", ...header }).sign(keys.privateKey);
  const valid = (): JWTPayload => ({ sub: "alice", iss: ISSUER, aud: AUDIENCE, exp: now() + 60, iat: now() - 1, nbf: now() - 1 });

  beforeAll(async () => {
    keys = await generateKeyPair("ES256", { extractable: true });
    auth = await createLocalAuth(ISSUER, AUDIENCE, keys);
  });

  it("accepts a minted token and a valid one, with or without the Bearer scheme", async () => {
    expect(await auth.verify(`Bearer ${await auth.mint({ sub: "alice" })}`)).toMatchObject({ sub: "alice" });
    expect(await auth.verify(await sign(valid()))).toMatchObject({ sub: "alice", aud: AUDIENCE });
  });

  it("accepts an access token that carries client_id instead of aud, as API Gateway does", async () => {
    const { aud: _, ...access } = valid();
    expect(await auth.verify(`Bearer ${await sign({ ...access, client_id: AUDIENCE, token_use: "access" })}`)).toMatchObject({ client_id: AUDIENCE });
  });

  it.each([
    ["a kid that is not in the key set", async () => sign(valid(), { kid: "other" })],
    ["no kid", async () => sign(valid(), {})],
    ["no exp", async () => sign({ ...valid(), exp: undefined })],
    ["an exp in the past", async () => sign({ ...valid(), exp: now() - 5 })],
    ["an nbf in the future", async () => sign({ ...valid(), nbf: now() + 300 })],
    ["an iat in the future", async () => sign({ ...valid(), iat: now() + 300 })],
    ["another issuer", async () => sign({ ...valid(), iss: "https://evil.example" })],
    ["another audience", async () => sign({ ...valid(), aud: "other" })],
    ["another client_id and no aud", async () => sign({ ...valid(), aud: undefined, client_id: "other" })],
    ["a client_id that matches while aud does not", async () => sign({ ...valid(), aud: "other", client_id: AUDIENCE })],
    ["another key", async () => new SignJWT(valid()).setProtectedHeader({ alg: "ES256", kid: "local" }).sign((await generateKeyPair("ES256")).privateKey)],
    ["alg none", async () => `${Buffer.from('{"alg":"none","kid":"local"}').toString("base64url")}.${Buffer.from(JSON.stringify(valid())).toString("base64url")}.`],
  ])("refuses %s", async (_name, token) => {
    expect(await auth.verify(`Bearer ${await token()}`)).toBeUndefined();
  });
});
