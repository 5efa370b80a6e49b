/**
 * Starts the servers the integration tests use, once per run, on 127.0.0.1:
 * a DynamoDB-compatible server (dynalite, in-process) and a strict S3 (Ceph RGW).
 * With CI=true a strict S3 that cannot start fails the run; elsewhere the strict suite
 * is skipped with one line saying how to enable it.
 */
import type { TestProject } from "vitest/node";
import { startEmbeddedDynamo } from "../../local/embedded.js";
import { rgwAvailable, startRgw, type StrictS3 } from "./ceph-rgw.js";
import { javaAvailable, startDynamoLocal, type DynamoLocal } from "./dynamodb-local.js";

export type StrictS3Info = Omit<StrictS3, "stop">;

declare module "vitest" {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    /** Amazon DynamoDB Local (transactions), or null when no Java runtime is installed. */
    dynamoLocalEndpoint: string | null;
    strictS3: StrictS3Info | null;
  }
}

const ENABLE_HINT =
  "apt-get install -y --no-install-recommends ceph-mon ceph-osd ceph-common radosgw uuid-runtime (or run `bash .ci/run`)";

export default async function setup(project: TestProject) {
  const dynamo = await startEmbeddedDynamo(undefined);
  project.provide("dynamoEndpoint", dynamo.endpoint);

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
  };
}
