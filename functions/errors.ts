/**
 * One error family, one subclass per row of the contract's error table. Only
 * `functions/http.ts` turns these into responses.
 */

/** A validation problem at one path of the input, e.g. `{ path: "size", message: "…" }`. */
export interface ErrorDetail {
  path: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetail[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class InvalidJsonError extends AppError {
  constructor(message = "The request body must be a JSON object.") {
    super(400, "invalid_json", message);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = "A valid bearer token is required.") {
    super(401, "unauthorized", message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string) {
    super(403, "forbidden", message);
  }
}

export class NotFoundError extends AppError {
  constructor(message = "Not found.") {
    super(404, "not_found", message);
  }
}

export class InvalidStateError extends AppError {
  constructor(message: string) {
    super(409, "invalid_state", message);
  }
}

export class FileTooLargeError extends AppError {
  constructor(message: string) {
    super(413, "file_too_large", message);
  }
}

export class BodyTooLargeError extends AppError {
  constructor(limit: number) {
    super(413, "body_too_large", `The request body must not exceed ${limit} bytes.`);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(message: string) {
    super(415, "unsupported_media_type", message);
  }
}

export class ValidationError extends AppError {
  constructor(details: ErrorDetail[], message = "The request is not valid.") {
    super(422, "validation_failed", message, details);
  }
}

export class QuotaExceededError extends AppError {
  constructor(
    message: string,
    details: ErrorDetail[],
    /** Sent as `Retry-After`: seconds to the next UTC day, or a minute for `pending`. */
    readonly retryAfterSeconds: number,
  ) {
    super(429, "quota_exceeded", message, details);
  }
}

export class StorageUnsupportedError extends AppError {
  constructor(message: string) {
    super(501, "storage_unsupported", message);
  }
}

/** A configuration problem found at start-up; never sent to a client. */
export class ConfigError extends Error {
  override name = "ConfigError";
}
