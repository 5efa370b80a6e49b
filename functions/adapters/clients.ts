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
 * The SDK's S3 client, for local mode's set-up, the tests and the bench's baselines: no Lambda
 * function uses it (their calls are aws4-signed, signed-http.ts).
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

/** The SDK's DynamoDB client, for creating tables (local mode, tests) and the bench's baselines. */
export function dynamoClient(options: ClientOptions): DynamoDBClient {
  return new DynamoDBClient({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
}
