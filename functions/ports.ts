/**
 * What the domain needs from the outside world. Adapters implement these with AWS; tests
 * implement them in memory.
 */
import type { FileUrls } from "./domain/public-files.js";
import type { QuotaReservation } from "./domain/quotas.js";
import type { Profile, Ticket, ViewStatus } from "./schemas.js";

/** What a presigned PUT must enforce; every header here is signed. */
export interface PutSigningRequest {
  key: string;
  contentType: string;
  contentLength: number;
  /** User metadata without the `x-amz-meta-` prefix. */
  metadata: Record<string, string>;
  checksumSha256?: string;
  /** The body's MD5 (base64), signed as `content-md5`: S3 refuses other bytes (400 BadDigest). */
  contentMd5?: string;
  /** Wanted lifetime; the signer shortens it to what its credentials allow. */
  expiresInSeconds: number;
  /** The signing time: the URL expires `expiresInSeconds` after it. */
  signedAt: Date;
}

/** What a presigned UploadPart must enforce. */
export interface PartSigningRequest {
  key: string;
  s3UploadId: string;
  partNumber: number;
  /** Signed when given: S3 then refuses a part of any other length. */
  contentLength?: number;
  /** The part's MD5 (base64), signed as `content-md5` when given: S3 refuses other bytes. */
  contentMd5?: string;
  expiresInSeconds: number;
  signedAt: Date;
}

/** A presigned GetObject: the response headers S3 is to send (`content-disposition`, `content-type`). */
export interface GetSigningRequest {
  key: string;
  responseHeaders: Partial<Record<"content-disposition" | "content-type", string>>;
  expiresInSeconds: number;
  signedAt: Date;
}

export interface GetSigner {
  presignGet(request: GetSigningRequest): Promise<PresignedGet>;
}

/**
 * Every presigned URL says when it really expires: `signedAt + expiresInSeconds`, or sooner when
 * the signing credentials end sooner (S3 refuses a URL whose credentials have expired).
 */
export interface PresignedGet {
  url: string;
  /** ISO time. */
  expiresAt: string;
}

export interface PresignedPut extends PresignedGet {
  /** Exactly the headers the client must send (lowercase names). */
  headers: Record<string, string>;
}

/** A POST policy condition, as S3 documents them. */
export type PostCondition =
  | Record<string, string>
  | ["eq" | "starts-with", string, string]
  | ["content-length-range", number, number];

export interface PostSigningRequest {
  /** The key field; may end in `${filename}`. */
  key: string;
  /** Form fields the client must send as they are; each gets an `eq` condition. */
  fields: Record<string, string>;
  /** Further conditions (ranges, `starts-with`). */
  conditions: PostCondition[];
  expiresInSeconds: number;
  /** The signing time. @default the signer's clock */
  signedAt?: Date;
}

export interface PresignedPost extends PresignedGet {
  fields: Record<string, string>;
}

export interface PutSigner {
  presignPut(request: PutSigningRequest): Promise<PresignedPut>;
}

export interface PartSigner {
  presignPart(request: PartSigningRequest): Promise<PresignedPut>;
}

export interface PostSigner {
  presignPost(request: PostSigningRequest): Promise<PresignedPost>;
}

export type Signer = PutSigner & PartSigner & GetSigner & PostSigner;

export interface TicketWriter {
  /**
   * Stores a new ticket; never overwrites one with the same id. With a quota `reservation`, the
   * ticket and its reservation are written in one atomic transaction (and `ticket.quotaSlot` is
   * set to the pending slot it took); over a limit → `QuotaExceededError`, and nothing is written.
   */
  create(ticket: Ticket, reservation?: QuotaReservation): Promise<void>;
}

/** Reading and updating tickets (recording and status); new tickets go through `TicketWriter`. */
export interface TicketStore {
  /** The ticket with this id (strongly consistent), or `undefined`. */
  get(uploadId: string): Promise<Ticket | undefined>;
  /**
   * Applies `changes` to the ticket as it was read (an `undefined` value removes the attribute)
   * and increments `version`, only if the stored version is still `ticket.version`: false when it
   * is not. Moves the ticket's quota counters in the same atomic write (see `releaseFor`).
   */
  update(ticket: Ticket, changes: Partial<Ticket>): Promise<boolean>;
  /** An owner's tickets, newest first. */
  listByOwner(owner: string, query: TicketQuery): Promise<TicketPage>;
}

/** The quota counters of one owner and profile, read for `GET /usage`. */
export interface QuotaCounters {
  usage(dayKey: string, slotKeys: readonly string[]): Promise<{ uploads: number; bytes: number; slots: Array<{ holder?: string; leaseUntil?: string }> }>;
}

/** Where a page starts: the position of the last ticket of the previous page. */
export interface TicketPosition {
  owner: string;
  createdAt: string;
  uploadId: string;
}

export interface TicketQuery {
  limit: number;
  after?: TicketPosition;
  /** Only tickets of this view status; `expired`/`pending` are split at `expiredBefore`. */
  status?: ViewStatus;
  /** Pending tickets whose `expiresAt` is before this are expired (ISO). */
  expiredBefore: string;
}

export interface TicketPage {
  items: Ticket[];
  /** Set when more tickets may follow. */
  next?: TicketPosition;
}

/** What S3 says about an object now. */
export interface ObjectInfo {
  size: number;
  contentType: string;
  etag: string;
  lastModified: Date;
  /** User metadata without the `x-amz-meta-` prefix. */
  metadata: Record<string, string>;
}

export interface ObjectStore {
  /** The object's current state, or `undefined` if there is none. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /**
   * Deletes the object, only if its ETag is still `etag` when one is given. True when the
   * object is gone (a missing object is not an error); false when another object replaced it.
   */
  delete(key: string, etag?: string): Promise<boolean>;
  /**
   * The first `bytes` bytes of the object (all of it when it is shorter), only if its ETag is
   * still `etag` when one is given: a ranged GET. `undefined` when the object is gone or another
   * object replaced it.
   */
  readHead(key: string, bytes: number, etag?: string): Promise<Uint8Array | undefined>;
}

export interface Clock {
  now(): Date;
}

export interface Ids {
  /** A new ULID. */
  next(): string;
}

/** One part S3 holds of a multipart upload. */
export interface StoredPart {
  partNumber: number;
  size: number;
  etag: string;
}

/**
 * S3's multipart operations for the broker's own uploads (clients never see S3's upload id).
 * Operations an S3-compatible server lacks throw `StorageUnsupportedError`.
 */
export interface MultipartStore {
  /** Starts a multipart upload with the object's type and metadata; S3's upload id. */
  create(key: string, contentType: string, metadata: Record<string, string>): Promise<string>;
  /** Every part S3 holds (all ListParts pages); none once the upload is completed or aborted. */
  listParts(key: string, s3UploadId: string): Promise<StoredPart[]>;
  /**
   * Completes the upload from these parts (with `If-None-Match: *` where supported). Throws
   * `InvalidPartsError` when S3 refuses the list (a wrong ETag, a missing part).
   */
  complete(key: string, s3UploadId: string, parts: Array<{ partNumber: number; etag: string }>): Promise<void>;
  /** Aborts the upload; an upload that is already gone is not an error. */
  abort(key: string, s3UploadId: string): Promise<void>;
}

/** What recording completed uploads needs. */
export interface RecordDeps {
  tickets: TicketStore;
  objects: ObjectStore;
  clock: Clock;
  /**
   * The storage's event names do not tell how an object was made (the embedded s3rver names a
   * completed multipart upload `Post`), so they are not held to the ticket's method.
   * @default false
   */
  unreliableEventNames?: boolean;
  /** The profiles, for their `verifyContent`; without them each ticket's type decides (see `verifiesContent`). */
  profiles?: readonly Profile[];
  /**
   * Malware scanning is on: an object that passes the checks waits in `scanning` until the
   * scan result completes (or rejects) it.
   * @default false
   */
  scan?: boolean;
}

/** Reading tickets only: the status routes. */
export type TicketReader = Pick<TicketStore, "get" | "listByOwner">;

/** What the status routes need. */
export interface StatusDeps {
  tickets: TicketReader;
  clock: Clock;
  /** Where completed uploads of public profiles are served. @default - no fileUrl */
  fileUrl?: FileUrls;
}

/** Everything a signing use case needs; `S` is the signer it uses (PUT, POST or both). */
export interface SignDeps<S = Signer> {
  profiles: readonly Profile[];
  signer: S;
  writer: TicketWriter;
  clock: Clock;
  ids: Ids;
}

/** The sweeper's sparse index of pending tickets by `expiresAt` (see `TICKET_TABLE.sweepIndex`). */
export interface PendingIndex {
  /**
   * Ids of tickets still in the index whose `expiresAt` is before `before` (ISO), oldest first,
   * at most `limit`. The index is eventually consistent: read each ticket before acting on it.
   */
  expiredBefore(before: string, limit: number): Promise<string[]>;
  /**
   * Takes the ticket out of the index (it stays `pending`; `expired` is derived from the time)
   * and increments `version`, only if the stored version is still `ticket.version` and it is
   * still pending: false when it is not.
   */
  unlist(ticket: Ticket): Promise<boolean>;
}

/** Listing object keys under a prefix (ListObjectsV2), for a `${filename}` POST ticket's objects. */
export interface ObjectLister {
  /** The first `max` keys under `prefix`, in key order. */
  keys(prefix: string, max: number): Promise<string[]>;
}

/** Where counts go (CloudWatch embedded metric format in Lambda); nothing is sent before `flush`. */
export interface MetricSink {
  /** Adds `value` to the count `name` under these dimensions (the service's own is always added). */
  count(name: string, value: number, dimensions?: Record<string, string>): void;
  /** Emits everything counted so far. */
  flush(): void;
}

/** The served copies of public files (`PUBLIC_PREFIX`) and the CDN in front of them. */
export interface FileServer {
  /**
   * Copies the upload at `from` to the served key `to`, only while its ETag is still `etag`, with
   * its content type and the served `Cache-Control` and without its user metadata. False when the
   * upload is gone or was replaced (a later ticket change then says what to serve).
   */
  copy(from: string, to: string, etag: string): Promise<boolean>;
  /** Deletes served copies; missing ones are not an error. */
  remove(keys: string[]): Promise<void>;
  /** Drops these paths from the CDN's caches; `reference` makes a retried call the same request. */
  invalidate(paths: string[], reference: string): Promise<void>;
}
