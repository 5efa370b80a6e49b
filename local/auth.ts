/**
 * What API Gateway's JWT authorizer does, for local mode: a key pair made at start, tokens
 * minted by `POST /dev/token`, and the authorizer's documented checks: a `kid` found in the key
 * set, the signature, `iss`, `aud` (or, without `aud`, `client_id`), `exp` (required and in
 * the future), `nbf` and `iat` (not in the future).
 */
import { exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWK, type JWTPayload } from "jose";
import * as z from "zod";

export const DevTokenRequest = z.strictObject({
  sub: z.string().min(1).max(256),
  groups: z.array(z.string().min(1).max(128)).max(50).default([]),
  expiresInSeconds: z.int().min(1).max(24 * 3600).default(3600),
});

export interface LocalAuth {
  issuer: string;
  audience: string;
  mint(request: z.input<typeof DevTokenRequest>): Promise<string>;
  /** The claims as API Gateway passes them (string values), or `undefined` if the token is not valid. */
  verify(authorization: string | undefined): Promise<Record<string, string> | undefined>;
  jwks(): Promise<{ keys: object[] }>;
}

/** The verifier of local mode; `keys` defaults to a fresh ES256 pair (tests pass their own). */
export async function createLocalAuth(
  issuer: string,
  audience = "upload-broker-local",
  keys?: Awaited<ReturnType<typeof generateKeyPair>>,
): Promise<LocalAuth> {
  const { privateKey, publicKey } = keys ?? (await generateKeyPair("ES256", { extractable: true }));
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: KID, alg: "ES256", use: "sig" } as JWK] };
  // API Gateway picks the key by `kid` and refuses a token whose kid is missing or unknown
  // (jose's key sets would take the only key for a token without one).
  const keyFor = (header: { kid?: string }) => {
    if (header.kid !== KID) throw new Error("unknown kid");
    return publicKey;
  };
  return {
    issuer,
    audience,
    async mint(request) {
      const { sub, groups, expiresInSeconds } = DevTokenRequest.parse(request);
      return new SignJWT({ groups, token_use: "access" })
        .setProtectedHeader({ alg: "ES256", kid: KID })
        .setSubject(sub)
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt()
        .setNotBefore("0s")
        .setExpirationTime(`${expiresInSeconds}s`)
        .sign(privateKey);
    },
    async verify(authorization) {
      // API Gateway takes the token with or without the Bearer scheme.
      const token = /^(?:Bearer\s+)?([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/i.exec(authorization?.trim() ?? "")?.[1];
      if (!token) return undefined;
      try {
        const { payload } = await jwtVerify(token, keyFor, { issuer, algorithms: ["ES256"], requiredClaims: ["exp"] });
        return audienceMatches(payload, audience) && !issuedInFuture(payload) ? apiGatewayClaims(payload) : undefined;
      } catch {
        return undefined;
      }
    },
    async jwks() {
      return jwks;
    },
  };
}

const KID = "local";

/** `aud` when the token has one (an ID token), else `client_id` (a Cognito access token). */
function audienceMatches(payload: JWTPayload, audience: string): boolean {
  if (payload.aud !== undefined) return (Array.isArray(payload.aud) ? payload.aud : [payload.aud]).includes(audience);
  return payload.client_id === audience;
}

const issuedInFuture = (payload: JWTPayload) => typeof payload.iat === "number" && payload.iat > Date.now() / 1000;

/** API Gateway hands claims to Lambda as strings; arrays become `[a b]`. */
function apiGatewayClaims(payload: JWTPayload): Record<string, string> {
  return Object.fromEntries(
    Object.entries(payload).map(([name, value]) => [
      name,
      Array.isArray(value) ? `[${value.join(" ")}]` : typeof value === "string" ? value : JSON.stringify(value),
    ]),
  );
}
