declare module "s3rver" {
  import type { Server } from "node:http";
  import type { AddressInfo } from "node:net";

  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    resetOnClose?: boolean;
    allowMismatchedSignatures?: boolean;
    vhostBuckets?: boolean;
    configureBuckets?: Array<{ name: string; configs?: Array<string | Buffer> }>;
  }

  /** The S3 notification s3rver emits after each write (keys are not URL-encoded). */
  type S3rverEvent = { Records: unknown[] };

  /**
   * An S3-compatible server for development. It knows the key pair S3RVER/S3RVER but checks no
   * SigV4 signature (local mode's door does: local/s3-door.ts).
   */
  export default class S3rver {
    constructor(options?: S3rverOptions);
    run(): Promise<AddressInfo>;
    /** What `run` does first: writes the `configureBuckets` option's buckets. */
    configureBuckets(): Promise<void>;
    /** `http.Server#listen`'s arguments (a port and address, or a socket path); `run` keeps the server for `close`. */
    listen(...args: unknown[]): Promise<Server>;
    close(): Promise<void>;
    on(event: "event", listener: (event: S3rverEvent) => void): this;
  }
}
