import { Logger } from "@aws-lambda-powertools/logger";

/**
 * The record function's structured logger (it logs every decision). Its level is Lambda's
 * application log level, which the stack sets from `logLevel`; outside Lambda (local mode,
 * tests), `POWERTOOLS_LOG_LEVEL`. The HTTP functions only log unexpected errors, with
 * `console.error` (see `logUnexpected`), and do not bundle it.
 */
export const logger = new Logger({ serviceName: "upload-broker" });
