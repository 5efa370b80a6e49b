/**
 * Every unit price and usage assumption of the cost table ("What a million uploads cost" in
 * the README), in one place. AWS public list prices for us-east-1, taken 2026-12-01: list
 * prices change and differ by region, tier and agreement; re-check them before relying on
 * the table (https://aws.amazon.com/api-gateway/pricing/, /lambda/pricing/,
 * /dynamodb/pricing/on-demand/, /s3/pricing/, /eventbridge/pricing/).
 */
export const PRICES_TAKEN = "2026-12-01";
export const PRICE_REGION = "us-east-1";

/** US dollars per unit. */
export const PRICES = {
  /** API Gateway HTTP API: per request (first 300 million a month; 512 KB increments). */
  httpApiRequest: 1.0 / 1e6,
  /** Lambda: per invocation. */
  lambdaRequest: 0.2 / 1e6,
  /** Lambda on Arm (Graviton): per GB-second, billed per 1 ms (INIT included since 2025-08-01). */
  lambdaArmGbSecond: 0.0000133334,
  /** DynamoDB on-demand: per write request unit (1 KB; a transactional write item costs 2). */
  dynamoWriteUnit: 0.625 / 1e6,
  /** DynamoDB on-demand: per read request unit (a strongly consistent read of up to 4 KB). */
  dynamoReadUnit: 0.125 / 1e6,
  /** DynamoDB Streams: GetRecords by a Lambda trigger are free. */
  dynamoStreamRead: 0,
  /** S3 Standard: PUT, COPY, POST, LIST requests. */
  s3Put: 0.005 / 1000,
  /** S3 Standard: GET, SELECT and all other requests (HeadObject included). */
  s3Get: 0.0004 / 1000,
  /** EventBridge: custom events published with PutEvents (per 64 KB chunk). */
  eventBridgeEvent: 1.0 / 1e6,
} as const;

/** The stack's memory sizes (lib/upload-function.ts: 256 MB unless a function says otherwise). */
export const MEMORY_MB = {
  "sign-put": 256,
  "get-upload": 256,
  "upload-object": 256,
  "record-upload": 256,
  "publish-events": 256,
  /** The naive design's one function, at the same size. */
  naive: 256,
} as const;

/** What one upload does (a single PUT upload, the common case). */
export const PER_UPLOAD = {
  /** `POST /sign/put`: one ticket. */
  signs: 1,
  /** `GET /uploads/{id}` while waiting for the record step. */
  statusPolls: 3,
  /** `GET /uploads/{id}/download`, then one S3 GET of the object. */
  downloads: 1,
  /** Write units of one ticket (it stays under 1 KB). */
  ticketWriteUnits: 1,
  /** Read units of one strongly consistent ticket read (under 4 KB). */
  ticketReadUnits: 1,
  /** A quota profile's TransactWriteItems: the ticket and the day counter, 2 units each. */
  quotaWriteUnits: 4,
} as const;

/**
 * Share of invocations that start a new container (and pay its INIT). It depends on traffic:
 * a million uploads a month is ~0.4 a second on average, which keeps few containers warm.
 * The same share is assumed for both designs (the naive one function shares warm containers
 * across routes, so it may see somewhat fewer).
 */
export const COLD_START_SHARE = 0.01;
