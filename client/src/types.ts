import type { Routes } from "./api-types.js";

/** A ticket as `GET /uploads/{id}` shows it. */
export type TicketView = Routes["getUpload"]["response"];
export type UploadStatus = TicketView["status"];
/** A profile as `GET /profiles` shows it (`restricted`: only some groups may use it). */
export type PublicProfile = Routes["listProfiles"]["response"]["profiles"][number];
export type ListUploadsQuery = Routes["listUploads"]["query"];
export type ListUploadsResponse = Routes["listUploads"]["response"];
export type Metadata = NonNullable<Routes["signPut"]["body"]["metadata"]>;

export interface UploadProgress {
  /** Bytes of the file sent so far (never goes back). */
  loaded: number;
  /** The file's size. */
  total: number;
}

export interface UploadOptions {
  /** The broker's profile name (`GET /profiles`). */
  profile: string;
  /** @default the File's name */
  filename?: string;
  /** @default the Blob's type, else `application/octet-stream` */
  contentType?: string;
  metadata?: Metadata;
  /**
   * `auto`: PUT up to `multipartThreshold`, multipart above it (when the profile allows it),
   * POST only for a profile without PUT.
   * @default "auto"
   */
  method?: "auto" | "put" | "post" | "multipart";
  /** @default 104857600 (100 MiB) */
  multipartThreshold?: number;
  /** Part uploads at once. @default 4 */
  partConcurrency?: number;
  onProgress?(progress: UploadProgress): void;
  /** Aborting stops every request in flight and deletes the ticket (`aborted`). */
  signal?: AbortSignal;
  /**
   * A pending multipart upload to finish: only the parts S3 lacks are sent. Without it, a
   * multipart upload of the same file (name, size, type, modification time) and profile found
   * in the client's `store` is resumed as well.
   */
  resumeUploadId?: string;
  /**
   * Sends each part's (and a PUT's) MD5, which its URL then signs as `content-md5`: S3 refuses
   * bytes that differ from what was read here (a tampering proxy, a corrupting network) with
   * 400 BadDigest. Costs reading every part once more (in a Worker where there is one).
   * @default false
   */
  integrity?: boolean;
}

/** The broker's API, as `createUploadClient` calls it. */
export type Call = <T>(method: "GET" | "POST" | "DELETE", path: string, body?: unknown, signal?: AbortSignal) => Promise<T>;
