import { randomBytes } from "node:crypto";
import { ulid } from "ulid";
import { DynamoPendingIndex } from "./adapters/dynamo-pending-index.js";
import { DynamoTicketStore } from "./adapters/dynamo-ticket-store.js";
import { DynamoTicketWriter } from "./adapters/dynamo-ticket-writer.js";
import { PostPresigner } from "./adapters/post-presigner.js";
import { PutPresigner } from "./adapters/put-presigner.js";
import { S3MultipartStore } from "./adapters/s3-multipart-store.js";
import { S3ObjectLister } from "./adapters/s3-object-lister.js";
import { S3ObjectStore } from "./adapters/s3-object-store.js";
import { S3Rest } from "./adapters/s3-rest.js";
import type { AfterUploadDeps } from "./domain/after-upload.js";
import type { MultipartDeps } from "./domain/multipart.js";
import type { ScanResultDeps } from "./domain/scan-result.js";
import type { UsageDeps } from "./domain/usage.js";
import type { MultipartSignDeps } from "./domain/sign.js";
import type { SweepDeps } from "./domain/sweep.js";
import type { UppyDeps } from "./domain/uppy.js";
import { loadConfig, type Config } from "./config.js";
import { fileUrls } from "./domain/public-files.js";
import type { Clock, Ids, PostSigner, PutSigner, RecordDeps, SignDeps, StatusDeps } from "./ports.js";

// Each factory builds only what its function uses; with `"sideEffects": false` the
// bundler drops the rest (the sign-put bundle carries no S3 client at all).

export const systemClock: Clock = { now: () => new Date() };
// ulid's default PRNG calls crypto.getRandomValues once per character (~30 µs an id);
// the same CSPRNG read 4 KiB at a time costs well under a microsecond.
let pool = Buffer.alloc(0);
let offset = 0;
const randomByte = () => {
  if (offset >= pool.length) [pool, offset] = [randomBytes(4096), 0];
  return pool[offset++]! / 256;
};
export const ulidIds: Ids = { next: () => ulid(undefined, randomByte) };

const s3 = (config: Config) => new S3Rest({ bucket: config.bucket, region: config.region, ...(config.s3Endpoint ? { endpoint: config.s3Endpoint } : {}) });
const table = (config: Config) => ({ table: config.table, region: config.region, ...(config.dynamoEndpoint ? { endpoint: config.dynamoEndpoint } : {}) });
/** `fileUrl` of a ticket view, when the stack serves public files. */
const viewUrls = (config: Config) => (config.publicFilesUrl ? { fileUrl: fileUrls(config.profiles, config.publicFilesUrl) } : {});
const signing = (config: Config) => ({
  profiles: config.profiles,
  tickets: new DynamoTicketWriter(table(config)),
  clock: systemClock,
  ids: ulidIds,
});

/** `POST /sign/put`: the PUT presigner and the ticket writer, built once per container. */
export function signPutDeps(config: Config = loadConfig()): SignDeps<PutSigner> {
  const signer = new PutPresigner({ bucket: config.bucket, region: config.region, ...(config.s3Endpoint ? { endpoint: config.s3Endpoint } : {}) });
  return { ...signing(config), signer };
}

/** `POST /sign/post`: the POST policy signer and the ticket writer. */
export function signPostDeps(config: Config = loadConfig()): SignDeps<PostSigner> {
  const signer = new PostPresigner({ bucket: config.bucket, region: config.region, ...(config.s3Endpoint ? { endpoint: config.s3Endpoint } : {}) });
  return { ...signing(config), signer };
}

/** The multipart routes: S3's multipart operations, part URLs by aws4, tickets read, written and checked. */
export function multipartDeps(config: Config = loadConfig()): { start: MultipartSignDeps; parts: MultipartDeps } {
  const bucket = s3(config);
  const multipart = new S3MultipartStore(bucket);
  const start = { ...signing(config), signer: undefined, multipart };
  return {
    start,
    parts: {
      profiles: config.profiles,
      tickets: new DynamoTicketStore(table(config)),
      objects: new S3ObjectStore(bucket),
      multipart,
      signer: new PutPresigner({ bucket: config.bucket, region: config.region, ...(config.s3Endpoint ? { endpoint: config.s3Endpoint } : {}) }),
      clock: systemClock,
      scan: config.malwareScan,
      ...viewUrls(config),
    },
  };
}

/** Download links and deletes: GET presigner, DeleteObject, AbortMultipartUpload, tickets. */
export function afterUploadDeps(config: Config = loadConfig()): AfterUploadDeps {
  const bucket = s3(config);
  return {
    tickets: new DynamoTicketStore(table(config)),
    objects: new S3ObjectStore(bucket),
    multipart: new S3MultipartStore(bucket),
    signer: new PutPresigner({ bucket: config.bucket, region: config.region, ...(config.s3Endpoint ? { endpoint: config.s3Endpoint } : {}) }),
    clock: systemClock,
    ...viewUrls(config),
  };
}

/** The Uppy routes: POST policies and part URLs by aws4, S3's multipart operations, tickets written, read and checked. */
export function uppyDeps(config: Config = loadConfig()): UppyDeps {
  const bucket = s3(config);
  const where = { bucket: config.bucket, region: config.region, ...(config.s3Endpoint ? { endpoint: config.s3Endpoint } : {}) };
  const post = new PostPresigner(where);
  const put = new PutPresigner(where);
  const { tickets: writer, ...rest } = signing(config);
  return {
    ...rest,
    writer,
    tickets: new DynamoTicketStore(table(config)),
    objects: new S3ObjectStore(bucket),
    multipart: new S3MultipartStore(bucket),
    signer: { presignPost: (request) => post.presignPost(request), presignPart: (request) => put.presignPart(request) },
    scan: config.malwareScan,
  };
}

/** `GET /usage`: the profiles and the quota counters in the ticket table. */
export function usageDeps(config: Config = loadConfig()): UsageDeps {
  return { profiles: config.profiles, counters: new DynamoTicketStore(table(config)), clock: systemClock };
}

/** The record function's dependencies. */
export function recordDeps(config: Config = loadConfig()): RecordDeps & { bucket: string } {
  return {
    bucket: config.bucket, objects: new S3ObjectStore(s3(config)), tickets: new DynamoTicketStore(table(config)), clock: systemClock,
    profiles: config.profiles, scan: config.malwareScan,
  };
}

/** The scan-result function's dependencies: tickets read and updated, threats deleted. */
export function scanResultDeps(config: Config = loadConfig()): ScanResultDeps {
  return { bucket: config.bucket, objects: new S3ObjectStore(s3(config)), tickets: new DynamoTicketStore(table(config)), clock: systemClock };
}

/** The status functions' dependencies. */
export function statusDeps(config: Config = loadConfig()): StatusDeps {
  const tickets = new DynamoTicketStore(table(config));
  return { tickets, clock: systemClock, ...viewUrls(config) };
}

/** The sweeper's: the sparse index, tickets, HeadObject/ListObjectsV2/DeleteObject, AbortMultipartUpload. */
export function sweepDeps(config: Config = loadConfig()): SweepDeps & { bucket: string } {
  const bucket = s3(config);
  return {
    bucket: config.bucket,
    profiles: config.profiles,
    tickets: new DynamoTicketStore(table(config)),
    index: new DynamoPendingIndex(table(config)),
    objects: new S3ObjectStore(bucket),
    lister: new S3ObjectLister(bucket),
    multipart: new S3MultipartStore(bucket),
    clock: systemClock,
    // A rescued upload waits for its malware scan like any other.
    scan: config.malwareScan,
  };
}
