/** Real clients, bucket and table for integration tests, on the servers global-setup started. */
import { CreateBucketCommand, HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { monotonicFactory } from "ulid";
import { LOCAL_DYNAMO_CREDENTIALS } from "../../local/embedded.js";
import { ensureTable } from "../../local/resources.js";
import { inject } from "vitest";
import { dynamoClient, s3Client } from "../../functions/adapters/clients.js";
import { DynamoTicketStore } from "../../functions/adapters/dynamo-ticket-store.js";
import { DynamoTicketWriter } from "../../functions/adapters/dynamo-ticket-writer.js";
import { S3Rest } from "../../functions/adapters/s3-rest.js";
import { s3Signer } from "../../functions/adapters/s3-signer.js";
import { DEMO_PROFILES } from "../../functions/domain/demo-profiles.js";
import type { SignDeps } from "../../functions/ports.js";
import type { Profile } from "../../functions/schemas.js";

export const strictS3 = inject("strictS3");
/** `npm start` on its defaults: its embedded S3 (behind the door) and its embedded store. */
export const localMode = inject("localMode");

/** The S3 servers the strict suites run the same tests against; `s3` is null when RGW is not installed. */
export const s3Targets = [
  { name: "Ceph RGW", s3: strictS3 },
  { name: "npm start's embedded S3", s3: localMode.s3 },
];

export type S3Target = NonNullable<typeof strictS3>;

const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/** A fresh table on the DynamoDB-compatible server. */
export async function ticketTable() {
  const endpoint = inject("dynamoEndpoint");
  const credentials = LOCAL_DYNAMO_CREDENTIALS;
  const client = dynamoClient({ region: "us-east-1", endpoint, credentials });
  const table = unique("tickets");
  await ensureTable(client, table);
  const where = { table, region: "us-east-1", endpoint, credentials };
  const store = new DynamoTicketStore(where);
  const writer = new DynamoTicketWriter(where);
  return { client, table, where, store, writer, get: (uploadId: string) => store.get(uploadId) };
}

/** An S3 client with the bucket owner's credentials on the strict server (or the target given). */
export function ownerS3(options: { systemClockOffset?: number } = {}, target: S3Target | null = strictS3): S3Client {
  if (!target) throw new Error("strict S3 is not running");
  const client = s3Client({
    region: target.region,
    endpoint: target.endpoint,
    credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey },
  });
  if (options.systemClockOffset) client.config.systemClockOffset = options.systemClockOffset;
  return client;
}

/** The lean S3 transport of the adapters, for `bucket` on the strict server (or the target given) as its owner. */
export function ownerRest(bucket: string, target: S3Target | null = strictS3): S3Rest {
  if (!target) throw new Error("strict S3 is not running");
  return new S3Rest({ bucket, region: target.region, endpoint: target.endpoint, credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey } });
}

/** Everything the sign handlers need, wired to the real servers (RGW, or the target given) with a fresh bucket and table. */
export async function strictDeps(profiles: Profile[] = DEMO_PROFILES, target: S3Target | null = strictS3) {
  if (!target) throw new Error("strict S3 is not running");
  const s3 = ownerS3({}, target);
  const bucket = unique("uploads");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const tickets = await ticketTable();
  const next = monotonicFactory();
  const deps: SignDeps = {
    profiles,
    signer: s3Signer({ bucket, region: target.region, endpoint: target.endpoint, credentials: target }),
    writer: tickets.writer,
    clock: { now: () => new Date() },
    ids: { next: () => next() },
  };
  const head = (key: string) => s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  const exists = (key: string) => head(key).then(() => true, () => false);
  return { deps, s3, rest: ownerRest(bucket, target), bucket, tickets, head, exists, target };
}
