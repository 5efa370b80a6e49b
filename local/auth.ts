/**
 * What API Gateway's JWT authorizer does, for local mode: a key pair made at start, tokens
 * minted by `POST /dev/token`, and verification of signature, `iss`, `aud`, `exp`, `nbf`.
 */
import { exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWTPayload } from "jose";
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

export async function createLocalAuth(issuer: string, audience = "upload-broker-local"): Promise<LocalAuth> {
  const { privateKey, publicKey } = await generateKeyPair("ES256");
  return {
    issuer,
    audience,
    async mint(request) {
      const { sub, groups, expiresInSeconds } = DevTokenRequest.parse(request);
      return new SignJWT({ groups, token_use: "access" })
        .setProtectedHeader({ alg: "ES256", kid: "local" })
        .setSubject(sub)
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt()
        .setNotBefore("0s")
        .setExpirationTime(`${expiresInSeconds}s`)
        .sign(privateKey);
    },
    async verify(authorization) {
      const token = /^Bearer ([A-Za-z0-9._-]+)$/.exec(authorization ?? "")?.[1];
      if (!token) return undefined;
      try {
        const { payload } = await jwtVerify(token, publicKey, { issuer, audience, algorithms: ["ES256"] });
        return apiGatewayClaims(payload);
      } catch {
        return undefined;
      }
    },
    async jwks() {
      return { keys: [{ ...(await exportJWK(publicKey)), kid: "local", alg: "ES256", use: "sig" }] };
    },
  };
}

/** API Gateway hands claims to Lambda as strings; arrays become `[a b]`. */
function apiGatewayClaims(payload: JWTPayload): Record<string, string> {
  return Object.fromEntries(
    Object.entries(payload).map(([name, value]) => [
      name,
      Array.isArray(value) ? `[${value.join(" ")}]` : typeof value === "string" ? value : JSON.stringify(value),
    ]),
  );
}
