/**
 * The composition root: what each function's handlers need, built from its configuration. The
 * Lambda entries call these with the environment's (`loadConfig()`); local mode calls the very
 * same factories with its embedded endpoints and credentials (local/server.ts). Each factory
 * builds only what its function uses; with `"sideEffects": false` the bundler drops the rest
 * (the sign-put bundle carries no S3 client at all).
 */
import { randomBytes } from "node:crypto";
import { ulid } from "ulid";
import { DynamoPendingIndex } from "./adapters/dynamo-pending-index.js";
import { DynamoTicketStore } from "./adapters/dynamo-ticket-store.js";
import { DynamoTicketWriter } from "./adapters/dynamo-ticket-writer.js";
import { PostPresigner } from "./adapters/post-presigner.js";
import { UrlPresigner } from "./adapters/url-presigner.js";
import { S3MultipartStore } from "./adapters/s3-multipart-store.js";
import { S3ObjectLister } from "./adapters/s3-object-lister.js";
import { S3ObjectStore } from "./adapters/s3-object-store.js";
import { S3Rest } from "./adapters/s3-rest.js";
import type { AdminDeps } from "./domain/admin.js";
import type { AfterUploadDeps } from "./domain/after-upload.js";
import type { MultipartDeps } from "./domain/multipart.js";
import type { ScanResultDeps } from "./domain/scan-result.js";
import type { UsageDeps } from "./domain/usage.js";
import type { MultipartSignDeps } from "./domain/sign.js";
import type { SweepDeps } from "./domain/sweep.js";
import type { UppyDeps } from "./domain/uppy.js";
import { loadConfig, type Config } from "./config.js";
import { fileUrls } from "./domain/public-files.js";
import type { Credentials } from "./adapters/aws.js";
import type { Clock, Ids, PostSigner, PutSigner, RecordDeps, SignDeps, StatusDeps, TicketStore } from "./ports.js";
import type { EntryDeps } from "./route.js";
import type { HTTP_ENTRIES, HttpEntry } from "./routes.js";
import type { Profile } from "./schemas.js";


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

/** How the adapters reach AWS beyond the configuration; Lambda needs none of it. */
export interface Wiring {
  /** Static credentials for S3 calls and signing. @default - the function role's, from the environment */
  s3Credentials?: Credentials;
  /** Static credentials for DynamoDB. @default - the function role's */
  dynamoCredentials?: Credentials;
  /** Wraps every ticket store (local mode publishes each change through it, as the table's stream does); the writer of new tickets and the quota counters are not wrapped. */
  tickets?: (store: TicketStore) => TicketStore;
}

const where = (config: Config, credentials?: Credentials) => ({
  bucket: config.bucket, region: config.region, ...(config.s3Endpoint ? { endpoint: config.s3Endpoint } : {}), ...(credentials ? { credentials } : {}),
});
const s3 = (config: Config, wiring: Wiring) => new S3Rest(where(config, wiring.s3Credentials));
const presigner = (config: Config, wiring: Wiring) => new UrlPresigner(where(config, wiring.s3Credentials));
const table = (config: Config, wiring: Wiring) => ({
  table: config.table, region: config.region,
  ...(config.dynamoEndpoint ? { endpoint: config.dynamoEndpoint } : {}), ...(wiring.dynamoCredentials ? { credentials: wiring.dynamoCredentials } : {}),
});
const ticketStore = (config: Config, wiring: Wiring): TicketStore => {
  const store = new DynamoTicketStore(table(config, wiring));
  return wiring.tickets ? wiring.tickets(store) : store;
};
/** `fileUrl` of a ticket view, when the stack serves public files. */
const viewUrls = (config: Config) => (config.publicFilesUrl ? { fileUrl: fileUrls(config.profiles, config.publicFilesUrl) } : {});
const signing = (config: Config, wiring: Wiring) => ({ profiles: config.profiles, clock: systemClock, ids: ulidIds, writer: new DynamoTicketWriter(table(config, wiring)) });

/** The public routes: the profiles, nothing else. */
export function publicDeps(config: Config = loadConfig()): { profiles: readonly Profile[] } {
  return { profiles: config.profiles };
}

/** `POST /sign/put`: the PUT presigner and the ticket writer. */
export function signPutDeps(config: Config = loadConfig(), wiring: Wiring = {}): SignDeps<PutSigner> {
  return { ...signing(config, wiring), signer: presigner(config, wiring) };
}

/** `POST /sign/post`: the POST policy signer and the ticket writer. */
export function signPostDeps(config: Config = loadConfig(), wiring: Wiring = {}): SignDeps<PostSigner> {
  return { ...signing(config, wiring), signer: new PostPresigner(where(config, wiring.s3Credentials)) };
}

/** The multipart routes: S3's multipart operations, part URLs, tickets written, read and checked. */
export function multipartDeps(config: Config = loadConfig(), wiring: Wiring = {}): MultipartSignDeps & MultipartDeps {
  const bucket = s3(config, wiring);
  return {
    ...signing(config, wiring),
    signer: presigner(config, wiring),
    tickets: ticketStore(config, wiring),
    objects: new S3ObjectStore(bucket),
    multipart: new S3MultipartStore(bucket),
    scan: config.malwareScan,
    ...viewUrls(config),
  };
}

/** Download links and deletes: the GET presigner, DeleteObject, AbortMultipartUpload, tickets. */
export function uploadObjectDeps(config: Config = loadConfig(), wiring: Wiring = {}): AfterUploadDeps {
  const bucket = s3(config, wiring);
  return {
    tickets: ticketStore(config, wiring),
    objects: new S3ObjectStore(bucket),
    multipart: new S3MultipartStore(bucket),
    signer: presigner(config, wiring),
    clock: systemClock,
    ...viewUrls(config),
  };
}

/** The Uppy routes: POST policies and part URLs, S3's multipart operations, tickets written, read and checked. */
export function uppyDeps(config: Config = loadConfig(), wiring: Wiring = {}): UppyDeps {
  const bucket = s3(config, wiring);
  const post = new PostPresigner(where(config, wiring.s3Credentials));
  const put = presigner(config, wiring);
  return {
    ...signing(config, wiring),
    tickets: ticketStore(config, wiring),
    objects: new S3ObjectStore(bucket),
    multipart: new S3MultipartStore(bucket),
    signer: { presignPost: (request) => post.presignPost(request), presignPart: (request) => put.presignPart(request) },
    scan: config.malwareScan,
  };
}

/** `GET /usage`: the profiles and the quota counters in the ticket table. */
export function usageDeps(config: Config = loadConfig(), wiring: Wiring = {}): UsageDeps {
  return { profiles: config.profiles, counters: new DynamoTicketStore(table(config, wiring)), clock: systemClock };
}

/** The status routes: tickets read. */
export function statusDeps(config: Config = loadConfig(), wiring: Wiring = {}): StatusDeps {
  return { tickets: ticketStore(config, wiring), clock: systemClock, ...viewUrls(config) };
}

/** The admin routes: what the delete, download, status and usage routes need, for any owner. */
export function adminDeps(config: Config = loadConfig(), wiring: Wiring = {}): AdminDeps {
  return { ...uploadObjectDeps(config, wiring), ...usageDeps(config, wiring), profiles: config.profiles };
}

type EntryOf<N extends HttpEntry> = Extract<(typeof HTTP_ENTRIES)[number], { name: N }>;

/** Each HTTP entry's factory, checked against what its handlers need: local mode builds every entry from it. */
export const ENTRY_DEPS = {
  public: publicDeps,
  "sign-put": signPutDeps,
  "sign-post": signPostDeps,
  multipart: multipartDeps,
  "get-upload": statusDeps,
  "list-uploads": statusDeps,
  "upload-object": uploadObjectDeps,
  usage: usageDeps,
  uppy: uppyDeps,
  admin: adminDeps,
} satisfies { [N in HttpEntry]: (config: Config, wiring: Wiring) => EntryDeps<EntryOf<N>["endpoints"]> };

/** What the record step needs (the S3 event function, and the multipart and Uppy complete routes through their own deps). */
export function recordDeps(config: Config = loadConfig(), wiring: Wiring = {}): RecordDeps & { bucket: string } {
  return {
    bucket: config.bucket, objects: new S3ObjectStore(s3(config, wiring)), tickets: ticketStore(config, wiring), clock: systemClock,
    profiles: config.profiles, scan: config.malwareScan,
  };
}

/** The scan-result function's dependencies: tickets read and updated, threats deleted. */
export function scanResultDeps(config: Config = loadConfig(), wiring: Wiring = {}): ScanResultDeps {
  return { bucket: config.bucket, objects: new S3ObjectStore(s3(config, wiring)), tickets: ticketStore(config, wiring), clock: systemClock };
}

/** The sweeper's: the sparse index, tickets, HeadObject/ListObjectsV2/DeleteObject, AbortMultipartUpload. */
export function sweepDeps(config: Config = loadConfig(), wiring: Wiring = {}): SweepDeps & { bucket: string } {
  const bucket = s3(config, wiring);
  return {
    bucket: config.bucket,
    profiles: config.profiles,
    tickets: ticketStore(config, wiring),
    index: new DynamoPendingIndex(table(config, wiring)),
    objects: new S3ObjectStore(bucket),
    lister: new S3ObjectLister(bucket),
    multipart: new S3MultipartStore(bucket),
    clock: systemClock,
    // A rescued upload waits for its malware scan like any other.
    scan: config.malwareScan,
  };
}
