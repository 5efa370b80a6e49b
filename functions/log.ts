import { Logger } from "@aws-lambda-powertools/logger";

/**
 * The record function's structured logger (it logs every decision); level from Lambda's
 * log level or `POWERTOOLS_LOG_LEVEL`, which the stack sets alike. The HTTP functions only
 * log unexpected errors, with `console.error` (see `logUnexpected`), and do not bundle it.
 */
export const logger = new Logger({ serviceName: "upload-broker" });
