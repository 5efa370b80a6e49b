/**
 * The embedded servers of local mode, on 127.0.0.1: s3rver for S3, and dynalite for DynamoDB
 * behind the transaction proxy (TransactWriteItems, which dynalite lacks: dynamo-transactions.ts).
 */
import { mkdirSync } from "node:fs";
import type { Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import dynalite from "dynalite";
import S3rver from "s3rver";
import { ConfigError } from "../functions/errors.js";
import { startTransactionProxy } from "./dynamo-transactions.js";

/** s3rver accepts SigV4 made with this key pair only. */
export const EMBEDDED_S3_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

/** DynamoDB-compatible servers want a signature, whatever the key. */
export const LOCAL_DYNAMO_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

export interface Embedded {
  endpoint: string;
  close(): Promise<void>;
}

/** Starts s3rver with data under `dir`; `onEvent` gets its object-created notifications. */
export async function startEmbeddedS3(dir: string, onEvent: (event: { Records: unknown[] }) => void, dataDirName?: string): Promise<Embedded> {
  makeDir(dir, dataDirName ?? dir);
  const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: dir, vhostBuckets: false });
  const { port } = await server.run();
  server.on("event", onEvent);
  return { endpoint: `http://127.0.0.1:${port}`, close: () => server.close() };
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
