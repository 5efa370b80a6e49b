/**
 * What the domain needs from the outside world. Adapters implement these with AWS; tests
 * implement them in memory.
 */
import type { Profile, Ticket } from "./schemas.js";

/** What a presigned PUT must enforce; every header here is signed. */
export interface PutSigningRequest {
  key: string;
  contentType: string;
  contentLength: number;
  /** User metadata without the `x-amz-meta-` prefix. */
  metadata: Record<string, string>;
  checksumSha256?: string;
  expiresInSeconds: number;
}

export interface PresignedPut {
  url: string;
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
}

export interface PresignedPost {
  url: string;
  fields: Record<string, string>;
}

export interface Signer {
  presignPut(request: PutSigningRequest): Promise<PresignedPut>;
  presignPost(request: PostSigningRequest): Promise<PresignedPost>;
}

export interface TicketStore {
  /** Stores a new ticket; never overwrites one with the same id. */
  create(ticket: Ticket): Promise<void>;
}

export interface Clock {
  now(): Date;
}

export interface Ids {
  /** A new ULID. */
  next(): string;
}

/** Everything the signing use cases need. */
export interface SignDeps {
  profiles: readonly Profile[];
  signer: Signer;
  tickets: TicketStore;
  clock: Clock;
  ids: Ids;
}
