import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import type { Credentials } from "./aws.js";

/** Where and as whom to reach a service; omitted fields fall back to the SDK defaults. */
export interface ClientOptions {
  region: string;
  endpoint?: string;
  credentials?: Credentials;
}

/**
 * The S3 client of the POST policy signer and the record function (sign-put needs none).
 * Build it once per container.
 */
export function s3Client(options: ClientOptions): S3Client {
  return new S3Client({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    // Since 3.729 the SDK would otherwise add a CRC32 of an empty body to anything it
    // presigns, and S3 then refuses every non-empty upload (aws-sdk-js-v3 #6810).
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

/** The DynamoDB client for the ticket table. Build it once per container. */
export function dynamoClient(options: ClientOptions): DynamoDBClient {
  return new DynamoDBClient({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
}
