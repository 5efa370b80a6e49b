import { ConfigError } from "../functions/errors.js";

/**
 * Browser origins allowed to call the API and upload to the bucket. Each must be an exact
 * origin: `https://host[:port]`, or `http://localhost[:port]` / `http://127.0.0.1[:port]` for
 * development. No paths, no trailing slash, no wildcards: S3 and API Gateway answer with the
 * one matching origin, and a wildcard would hand any site a user's upload tickets.
 */
const ORIGIN = /^(?:https:\/\/[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|http:\/\/(?:localhost|127\.0\.0\.1))(?::\d{1,5})?$/;

/** Validates CORS origins; throws naming every bad one. Returns them deduplicated, in order. */
export function validateCorsOrigins(origins: readonly string[]): string[] {
  const bad = origins.filter((o) => !ORIGIN.test(o));
  if (bad.length > 0) {
    throw new ConfigError(
      `Invalid CORS origin(s): ${bad.map((o) => JSON.stringify(o)).join(", ")}. ` +
        "Use exact origins such as https://app.example.com or http://localhost:5173 (no path, no trailing slash, no wildcard).",
    );
  }
  return [...new Set(origins)];
}
