/**
 * Ceph RGW bucket notifications pushed to a listener on 127.0.0.1: an SNS-style topic
 * with `push-endpoint`, then a bucket notification for `s3:ObjectCreated:*`.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { PutBucketNotificationConfigurationCommand, type S3Client } from "@aws-sdk/client-s3";
import { CreateTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import type { StrictS3Info } from "./global-setup.js";

export interface Notifications {
  /** Records received so far. */
  readonly received: number;
  /** Resolves once `count` records have been received and handled; rejects if handling failed. */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Pushes every notification body to `handle`, one at a time, as Lambda would. */
export async function pushNotifications(
  server: StrictS3Info,
  s3: S3Client,
  bucket: string,
  handle: (body: unknown) => Promise<unknown>,
): Promise<Notifications> {
  let received = 0;
  let handled = 0;
  const errors: unknown[] = [];
  let queue = Promise.resolve();
  const http = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      res.writeHead(200).end();
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { Records?: unknown[] };
      const count = body.Records?.length ?? 0;
      received += count;
      queue = queue
        .then(() => handle(body))
        .catch((error: unknown) => void errors.push(error))
        .then(() => void (handled += count));
    });
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const port = (http.address() as AddressInfo).port;
  await notifyOnCreate(server, s3, bucket, `http://127.0.0.1:${port}/events`);

  return {
    get received() {
      return received;
    },
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (errors.length > 0) throw new AggregateError(errors.splice(0), "the record handler failed on a pushed notification");
        if (handled >= count) return;
        if (Date.now() > deadline) throw new Error(`expected ${count} notification records, handled ${handled}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () => new Promise<void>((resolve) => http.close(() => resolve())),
  };
}

/** Makes RGW POST every `s3:ObjectCreated:*` notification of `bucket` to `pushEndpoint`. */
export async function notifyOnCreate(server: StrictS3Info, s3: S3Client, bucket: string, pushEndpoint: string): Promise<void> {
  const sns = new SNSClient({
    region: server.region,
    endpoint: server.endpoint,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
  });
  const { TopicArn } = await sns.send(
    new CreateTopicCommand({ Name: `${bucket}-created`, Attributes: { "push-endpoint": pushEndpoint } }),
  );
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: { TopicConfigurations: [{ Id: "record", TopicArn: TopicArn!, Events: ["s3:ObjectCreated:*"] }] },
    }),
  );
}
