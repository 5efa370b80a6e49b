/**
 * Starts the servers the integration tests use, once per run, on 127.0.0.1:
 * a DynamoDB-compatible server (dynalite, in-process), a strict S3 (Ceph RGW), and local mode
 * as `npm start` runs it on its defaults (its embedded S3 behind the door, its embedded store),
 * which the same suites run against.
 * With CI=true a strict S3 that cannot start fails the run; elsewhere the strict suite
 * is skipped with one line saying how to enable it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { rgwAvailable, startRgw, type StrictS3 } from "./ceph-rgw.js";
import { javaAvailable, startDynamoLocal, type DynamoLocal } from "./dynamodb-local.js";

export type StrictS3Info = Omit<StrictS3, "stop">;

declare module "vitest" {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    /** Amazon DynamoDB Local (transactions), or null when no Java runtime is installed. */
    dynamoLocalEndpoint: string | null;
    strictS3: StrictS3Info | null;
    /** `npm start` on its defaults: the endpoints of its embedded S3 (the door) and DynamoDB. */
    localMode: { s3: StrictS3Info; dynamoEndpoint: string };
  }
}

const ENABLE_HINT =
  "apt-get install -y --no-install-recommends ceph-mon ceph-osd ceph-common radosgw uuid-runtime (or run `bash .ci/run`)";

export default async function setup(project: TestProject) {
  // This process is not a test worker: quiet the local server's logger (read when first imported) as vitest.config quiets theirs.
  process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";
  const [{ loadLocalConfig }, { EMBEDDED_S3_CREDENTIALS, startEmbeddedDynamo }, { startLocalServer }] = await Promise.all([
    import("../../local/config.js"),
    import("../../local/embedded.js"),
    import("../../local/server.js"),
  ]);
  const dynamo = await startEmbeddedDynamo(undefined);
  project.provide("dynamoEndpoint", dynamo.endpoint);

  const localDir = mkdtempSync(join(tmpdir(), "upload-broker-suite-"));
  const local = await startLocalServer(loadLocalConfig({ PORT: "0", LOCAL_DATA_DIR: localDir }));
  project.provide("localMode", { s3: { endpoint: local.s3Endpoint, region: "us-east-1", ...EMBEDDED_S3_CREDENTIALS }, dynamoEndpoint: local.dynamoEndpoint });

  let dynamoLocal: DynamoLocal | undefined;
  if (javaAvailable()) dynamoLocal = await startDynamoLocal();
  else if (process.env.CI === "true") throw new Error("CI=true but no Java runtime: the quota suite needs DynamoDB Local. Install it: apt-get install -y default-jre-headless");
  else console.warn("[quotas] no Java runtime: DynamoDB Local tests are SKIPPED. To enable: apt-get install -y default-jre-headless");
  project.provide("dynamoLocalEndpoint", dynamoLocal?.endpoint ?? null);

  let s3: StrictS3 | undefined;
  if (rgwAvailable()) {
    s3 = await startRgw();
  } else if (process.env.CI === "true") {
    throw new Error(`CI=true but Ceph RGW is not installed; the strict S3 suite must run. Install it: ${ENABLE_HINT}`);
  } else {
    console.warn(`[strict S3] Ceph RGW not found: strict S3 integration tests are SKIPPED. To enable: ${ENABLE_HINT}`);
  }
  project.provide("strictS3", s3 ? { endpoint: s3.endpoint, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, region: s3.region } : null);

  return async () => {
    await s3?.stop();
    await dynamoLocal?.stop();
    await dynamo.close();
    await local.close();
    rmSync(localDir, { recursive: true, force: true });
  };
}
