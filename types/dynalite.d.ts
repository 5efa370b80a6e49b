declare module "dynalite" {
  import type { Server } from "node:http";

  interface DynaliteOptions {
    /** Folder for LevelDB data; in memory when omitted. */
    path?: string;
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    maxItemSizeKb?: number;
  }

  /** A DynamoDB-compatible HTTP server; call `listen` on it. */
  export default function dynalite(options?: DynaliteOptions): Server;
}
