/**
 * The price of a million uploads, from the bench's measured durations and the unit prices in
 * `prices.ts`. Pure arithmetic: `npm run bench` hands it the figures of its own run.
 */
import { COLD_START_SHARE, PER_UPLOAD, PRICES } from "./prices.js";

/** One kind of Lambda invocation an upload causes. */
export interface Invocation {
  /** The function (bundle) it runs in. */
  fn: string;
  /** Invocations per upload. */
  count: number;
  /** Measured handler duration (median), ms. */
  durationMs: number;
  /** Measured cold import of the function's bundle (median), ms: its INIT. */
  initMs: number;
  memoryMb: number;
  /** Whether it comes through API Gateway. */
  api: boolean;
}

export interface Design {
  invocations: Invocation[];
  /** DynamoDB write and read request units per upload. */
  writeUnits: number;
  readUnits: number;
  s3Puts: number;
  s3Gets: number;
  events: number;
}

export const COST_LINES = [
  "API Gateway HTTP API requests",
  "Lambda requests",
  "Lambda duration (warm, per 1 ms)",
  "Lambda INIT (cold-start share)",
  "DynamoDB on-demand writes",
  "DynamoDB on-demand reads",
  "DynamoDB Streams (read by Lambda)",
  "S3 requests (PUT, HEAD, GET)",
  "EventBridge PutEvents",
] as const;
export type CostLine = (typeof COST_LINES)[number];

const gbSeconds = (ms: number, memoryMb: number) => (Math.ceil(ms) / 1000) * (memoryMb / 1024);

/** Dollars per million uploads, line by line, and their total. */
export function costPerMillion(d: Design): Record<CostLine | "total", number> {
  const sum = (f: (i: Invocation) => number) => d.invocations.reduce((s, i) => s + f(i), 0);
  const lines: Record<CostLine, number> = {
    "API Gateway HTTP API requests": sum((i) => (i.api ? i.count : 0)) * PRICES.httpApiRequest,
    "Lambda requests": sum((i) => i.count) * PRICES.lambdaRequest,
    "Lambda duration (warm, per 1 ms)": sum((i) => i.count * gbSeconds(i.durationMs, i.memoryMb)) * PRICES.lambdaArmGbSecond,
    "Lambda INIT (cold-start share)": sum((i) => i.count * COLD_START_SHARE * gbSeconds(i.initMs, i.memoryMb)) * PRICES.lambdaArmGbSecond,
    "DynamoDB on-demand writes": d.writeUnits * PRICES.dynamoWriteUnit,
    "DynamoDB on-demand reads": d.readUnits * PRICES.dynamoReadUnit,
    "DynamoDB Streams (read by Lambda)": 1 * PRICES.dynamoStreamRead,
    "S3 requests (PUT, HEAD, GET)": d.s3Puts * PRICES.s3Put + d.s3Gets * PRICES.s3Get,
    "EventBridge PutEvents": d.events * PRICES.eventBridgeEvent,
  };
  const perMillion = Object.fromEntries(Object.entries(lines).map(([k, v]) => [k, round(v * 1e6)])) as Record<CostLine, number>;
  return { ...perMillion, total: round(Object.values(lines).reduce((a, b) => a + b, 0) * 1e6) };
}

const round = (n: number) => Math.round(n * 1000) / 1000;

/** Durations (ms) and INITs (ms) one design's functions were measured at. */
export interface Measured {
  sign: { durationMs: number; initMs: number; memoryMb: number; fn: string };
  status: { durationMs: number; initMs: number; memoryMb: number; fn: string };
  download: { durationMs: number; initMs: number; memoryMb: number; fn: string };
  record: { durationMs: number; initMs: number; memoryMb: number; fn: string };
  publish: { durationMs: number; initMs: number; memoryMb: number; fn: string };
  /** Write units of the ticket (4 with a quota's transaction). */
  ticketWriteUnits?: number;
  /** S3 reads of the record step per upload (HeadObject, and the ranged GET of a content check), as counted. */
  recordS3Reads?: number;
}

/**
 * One PUT upload: sign (ticket PutItem), status polls (GetItem each), the S3 PUT, the record
 * step (GetItem, HeadObject, UpdateItem), the stream into publish-events (one PutEvents), and a
 * download link (GetItem) with the S3 GET it is used for.
 */
export function uploadDesign(m: Measured): Design {
  const p = PER_UPLOAD;
  return {
    invocations: [
      { ...m.sign, count: p.signs, api: true },
      { ...m.status, count: p.statusPolls, api: true },
      { ...m.download, count: p.downloads, api: true },
      { ...m.record, count: 1, api: false },
      { ...m.publish, count: 1, api: false },
    ],
    writeUnits: (m.ticketWriteUnits ?? p.ticketWriteUnits) + p.ticketWriteUnits /* record's UpdateItem */,
    readUnits: (p.statusPolls + p.downloads + 1 /* record's GetItem */) * p.ticketReadUnits,
    s3Puts: 1,
    s3Gets: (m.recordS3Reads ?? 1) + p.downloads,
    events: 1,
  };
}
