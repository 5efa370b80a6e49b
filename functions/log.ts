import { Logger } from "@aws-lambda-powertools/logger";

/** The one structured logger; level from `POWERTOOLS_LOG_LEVEL` (Powertools reads it itself). */
export const logger = new Logger({ serviceName: "upload-broker" });
