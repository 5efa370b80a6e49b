/** The embedded servers of local mode: s3rver for S3, dynalite for DynamoDB, on 127.0.0.1. */
import { mkdirSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import dynalite from "dynalite";
import S3rver from "s3rver";

/** s3rver accepts SigV4 made with this key pair only. */
export const EMBEDDED_S3_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

/** DynamoDB-compatible servers want a signature, whatever the key. */
export const LOCAL_DYNAMO_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

export interface Embedded {
  endpoint: string;
  close(): Promise<void>;
}

/** Starts s3rver with data under `dir`; `onEvent` gets its object-created notifications. */
export async function startEmbeddedS3(dir: string, onEvent: (event: { Records: unknown[] }) => void): Promise<Embedded> {
  mkdirSync(dir, { recursive: true });
  const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: dir, vhostBuckets: false });
  const { port } = await server.run();
  server.on("event", onEvent);
  return { endpoint: `http://127.0.0.1:${port}`, close: () => server.close() };
}

/** Starts dynalite with its LevelDB data under `dir` (in memory when `dir` is undefined). */
export async function startEmbeddedDynamo(dir: string | undefined): Promise<Embedded> {
  if (dir) mkdirSync(dir, { recursive: true });
  const server: Server = dynalite({ ...(dir ? { path: join(dir, "db") } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
