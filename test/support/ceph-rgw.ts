// Start/stop a throw-away, strict S3 server (Ceph RADOS Gateway, one-node
// memstore cluster on 127.0.0.1) for integration tests. The work is done by
// ./rgw.sh; this module only runs it and parses its one JSON line.
//
//   import { rgwAvailable, startRgw, type StrictS3 } from '../support/ceph-rgw.js';
//   const s3 = await startRgw();          // ~1-2 s
//   new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true,
//                  credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
//   await s3.stop();                      // ~2 s (radosgw gets SIGKILL after 2 s)
//
// Needs the Debian packages ceph-mon ceph-osd ceph-common radosgw; use
// rgwAvailable() to skip (describe.skipIf(!rgwAvailable())) where they are missing.
import { execFile, type ExecFileException } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface StrictS3 {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  stop(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL('./rgw.sh', import.meta.url));
const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;

/** True when the radosgw binary is on PATH (the other Ceph binaries come with it in CI). */
export function rgwAvailable(): boolean {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((d) => d !== '');
  for (const dir of dirs) {
    try {
      accessSync(join(dir, 'radosgw'), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

interface RunResult {
  stdout: string;
  stderr: string;
}

function runScript(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      [SCRIPT, ...args],
      { env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
      (error: ExecFileException | null, stdout: string, stderr: string) => {
        if (error) {
          const reason = error.killed ? `timed out after ${timeoutMs} ms` : `exit code ${String(error.code)}`;
          reject(new Error(`rgw.sh ${args.join(' ')} failed (${reason}):\n${stderr.trim()}`));
          return;
        }
        resolve({ stdout, stderr });
      },
    );
  });
}

function parseReady(stdout: string): Omit<StrictS3, 'stop'> {
  const line = stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('{'))
    .at(-1);
  if (line === undefined) throw new Error(`rgw.sh start printed no JSON line; stdout: ${JSON.stringify(stdout)}`);
  const parsed: unknown = JSON.parse(line);
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`rgw.sh start printed ${line}`);
  const rec = parsed as Record<string, unknown>;
  const field = (name: string): string => {
    const value = rec[name];
    if (typeof value !== 'string' || value === '') throw new Error(`rgw.sh start: missing "${name}" in ${line}`);
    return value;
  };
  return {
    endpoint: field('endpoint'),
    accessKeyId: field('accessKeyId'),
    secretAccessKey: field('secretAccessKey'),
    region: field('region'),
  };
}

/**
 * Start a fresh one-node Ceph cluster with a RADOS Gateway in a new temp dir.
 * Path-style addressing only (use forcePathStyle: true). stop() is idempotent.
 * If this process dies without calling stop(), a watchdog in rgw.sh stops the
 * daemons within about a second.
 */
export async function startRgw(): Promise<StrictS3> {
  if (!rgwAvailable()) {
    throw new Error(
      'radosgw not found on PATH; install: apt-get install -y --no-install-recommends ceph-mon ceph-osd ceph-common radosgw uuid-runtime',
    );
  }
  // rgw.sh picks free ports at random and binds them a moment later: two clusters starting at
  // once (parallel test files) can pick the same one, and one of them then fails to start (its
  // CLI reaches the other's monitor). A new attempt picks new ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce();
    } catch (error) {
      if (attempt >= START_ATTEMPTS) throw error;
    }
  }
}

const START_ATTEMPTS = 3;

async function startOnce(): Promise<StrictS3> {
  const dir = mkdtempSync(join(tmpdir(), 'rgw-'));
  const env: NodeJS.ProcessEnv = { ...process.env, RGW_OWNER_PID: String(process.pid) };

  const stop = async (): Promise<void> => {
    await runScript(['stop', dir], env, STOP_TIMEOUT_MS);
  };

  let ready: Omit<StrictS3, 'stop'>;
  try {
    const { stdout } = await runScript(['start', dir], env, START_TIMEOUT_MS);
    ready = parseReady(stdout);
  } catch (error) {
    // rgw.sh already killed what it started; remove the dir (it kept it for inspection).
    await stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  let stopping: Promise<void> | undefined;
  return {
    ...ready,
    stop(): Promise<void> {
      stopping ??= stop();
      return stopping;
    },
  };
}
