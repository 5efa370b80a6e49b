import type { ErrorBody } from "./api-types.js";

/** One validation problem of a 422 answer (`details`). */
export type ErrorDetail = NonNullable<ErrorBody["error"]["details"]>[number];

/**
 * Every way an upload can fail: the broker's error body (`status`, `code`, `message`,
 * `details`), S3's XML error (`code` from its `<Code>`), or `status` 0 for `network_error`,
 * `aborted` and `timeout`.
 */
export class UploadError extends Error {
  override readonly name = "UploadError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetail[],
  ) {
    super(message);
  }
}

export const aborted = () => new UploadError(0, "aborted", "The upload was aborted.");
export const unreachable = (what: string) => new UploadError(0, "network_error", `${what} could not be reached (network or CORS error).`);

const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/** An answer that is not 2xx, from the broker (JSON) or from S3 (XML). */
export function answerError(status: number, text: string): UploadError {
  try {
    const { error } = JSON.parse(text) as ErrorBody;
    if (error.code) return new UploadError(status, error.code, error.message, error.details);
  } catch {
    // not the broker's JSON: S3's XML, or a proxy's page
  }
  // No DOMParser in React Native: S3's error documents are flat enough for a pattern.
  const tag = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1]?.replace(/&(\w+);/g, (m, e: string) => ENTITIES[e] ?? m);
  const code = tag("Code");
  return new UploadError(status, code ?? "unexpected_response", tag("Message") ?? `${code ?? "Unexpected answer"} (HTTP ${status})`);
}
