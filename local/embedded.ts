/**
 * The embedded servers of local mode, on 127.0.0.1: s3rver for S3 behind its door (signatures,
 * POST policies, digests, ListParts and abort, which s3rver lacks: s3-door.ts), and dynalite for
 * DynamoDB behind the transaction proxy (TransactWriteItems, which dynalite lacks:
 * dynamo-transactions.ts).
 */
import { mkdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import type { Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import dynalite from "dynalite";
import S3rver from "s3rver";
import { ConfigError } from "../functions/errors.js";
import { startTransactionProxy } from "./dynamo-transactions.js";
import { startS3Door } from "./s3-door.js";

/** The one key pair the embedded bucket (its door, and s3rver behind it) knows. */
export const EMBEDDED_S3_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

/** DynamoDB-compatible servers want a signature, whatever the key. */
export const LOCAL_DYNAMO_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

export interface Embedded {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * Starts s3rver with data under `dir` on a socket file only its door uses, and the door on
 * 127.0.0.1 (the endpoint). `onEvent` gets s3rver's object-created notifications; `origins` are
 * the browser origins the bucket's CORS rule allows.
 */
export async function startEmbeddedS3(
  dir: string,
  onEvent: (event: { Records: unknown[] }) => void,
  options: { dataDirName?: string; region?: string; origins?: string[] } = {},
): Promise<Embedded> {
  makeDir(dir, options.dataDirName ?? dir);
  // A short path of its own (socket paths are limited to about 100 bytes), readable by this user only.
  const socketDir = await mkdtemp(join(tmpdir(), "upload-broker-s3-"));
  const socketPath = join(socketDir, "s3rver.sock");
  const server = new S3rver({ silent: true, directory: dir, vhostBuckets: false });
  await server.configureBuckets();
  const http = await server.listen(socketPath);
  (server as unknown as { httpServer: Server }).httpServer = http;
  server.on("event", onEvent);
  const door = await startS3Door({ dir, socketPath, keys: { ...EMBEDDED_S3_CREDENTIALS, region: options.region ?? "us-east-1" }, origins: options.origins ?? [] });
  return {
    endpoint: door.endpoint,
    close: async () => {
      await door.close();
      http.closeAllConnections();
      await server.close();
      await rm(socketDir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts dynalite with its LevelDB data under `dir` (in memory when `dir` is undefined), behind
 * the proxy that gives it DynamoDB's TransactWriteItems (the endpoint is the proxy's).
 * `dataDirName` names the folder in the error when another process holds its lock.
 */
export async function startEmbeddedDynamo(dir: string | undefined, dataDirName?: string): Promise<Embedded> {
  if (dir) {
    makeDir(dir, dataDirName ?? dir);
    await assertUnlocked(join(dir, "db"), dataDirName ?? dir);
  }
  const server: Server = dynalite({ ...(dir ? { path: join(dir, "db") } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const proxy = await startTransactionProxy(`http://127.0.0.1:${port}`);
  return {
    endpoint: proxy.endpoint,
    close: async () => {
      await proxy.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * dynalite opens its LevelDB lazily and, when another process holds the lock, fails with an
 * uncaught error on the first request. Opening the same store first (with dynalite's own
 * `level`) turns that into one line naming the folder.
 */
async function assertUnlocked(path: string, dataDirName: string): Promise<void> {
  const { Level } = createRequire(createRequire(import.meta.url).resolve("dynalite"))("level") as {
    Level: new (path: string) => { open(): Promise<void>; close(): Promise<void> };
  };
  const db = new Level(path);
  try {
    await db.open();
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code === "LEVEL_LOCKED") throw new ConfigError(`LOCAL_DATA_DIR ${dataDirName} is in use by another npm start (stop it, or set LOCAL_DATA_DIR to another folder).`);
    throw new ConfigError(`LOCAL_DATA_DIR ${dataDirName}: the embedded DynamoDB store could not be opened: ${cause?.message ?? (error as Error).message}`);
  }
  await db.close();
}

function makeDir(dir: string, dataDirName: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new ConfigError(`LOCAL_DATA_DIR ${dataDirName}: ${dir} could not be created: ${(error as Error).message}`);
  }
}
