/**
 * The lean adapters against the SDK on the wire: for every S3, DynamoDB, EventBridge and
 * CloudFront operation the functions send, the SDK's command and the adapter's request for the
 * same inputs arrive at a loopback server with the same method, path, query, headers that matter
 * and body, signed alike (the SDK's SignatureV4 computes the adapter's signature from what
 * arrived); and for the same error answers both throw errors with the same name, status, fault,
 * message (and a cancelled transaction's reasons).
 */
import { CloudFrontClient, CreateInvalidationCommand } from "@aws-sdk/client-cloudfront";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { BatchGetCommand, DeleteCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { s3Client } from "../../functions/adapters/clients.js";
import { DynamoPendingIndex } from "../../functions/adapters/dynamo-pending-index.js";
import { DynamoTicketStore } from "../../functions/adapters/dynamo-ticket-store.js";
import { EventBridgePublisher } from "../../functions/adapters/eventbridge-publisher.js";
import { S3FileServer } from "../../functions/adapters/s3-file-server.js";
import { S3MultipartStore } from "../../functions/adapters/s3-multipart-store.js";
import { S3ObjectLister } from "../../functions/adapters/s3-object-lister.js";
import { S3ObjectStore } from "../../functions/adapters/s3-object-store.js";
import { S3Rest, type S3Request } from "../../functions/adapters/s3-rest.js";
import { SecretReader } from "../../functions/adapters/secret-reader.js";
import { SERVED_CACHE_CONTROL } from "../../functions/domain/public-files.js";
import { transitionEvent } from "../../functions/domain/events.js";
import type { Ticket } from "../../functions/schemas.js";
import { sdkSignature, essence, wireServer, type Answer, type Captured } from "../support/wire.js";

const region = "eu-west-1";
const bucket = "wire-bucket";
const key = "uploads/alice/01KAGX5Z2N3Q4R5S6T7V8W9XYZ/my file (1)+ü*'!.png";
const uploadId = "2~a/b+c=d";
const credentials = { accessKeyId: "ASIAEXAMPLE", secretAccessKey: "c2VjcmV0+/=", sessionToken: "IQoJb3JpZ2luX2VjE+/=long//token" };
const table = "tickets";

beforeEach(() => {
  // Both sides sign at the same instant.
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date("2026-11-21T10:00:00.000Z"));
});
afterEach(() => vi.useRealTimers());

/**
 * Sends `sdk` and `ours` each to a fresh loopback server answering with `answer`; expects the
 * same request on the wire, and our signature to be SignatureV4's for it. Returns both outcomes.
 */
async function sameRequest<A, B>(service: string, answer: (r: Captured) => Answer, sdk: (endpoint: string) => Promise<A>, ours: (endpoint: string) => Promise<B>) {
  const theirs = await wireServer(answer);
  const mine = await wireServer(answer);
  try {
    const a = await sdk(theirs.endpoint).then((v) => ({ value: v }), (error: unknown) => ({ error }));
    const b = await ours(mine.endpoint).then((v) => ({ value: v }), (error: unknown) => ({ error }));
    expect(mine.requests.length).toBe(theirs.requests.length);
    expect(mine.requests.length).toBeGreaterThan(0);
    mine.requests.forEach((request, i) => {
      const normalized = (r: Captured) => ({ ...essence(r), headers: { ...essence(r).headers, host: "" } });
      expect(normalized(request)).toEqual(normalized(theirs.requests[i]!));
      expect(request.headers["x-amz-security-token"]).toBe(credentials.sessionToken);
      // The same headers signed, but for the SDK's own bookkeeping ones.
      const signed = (r: Captured) => /SignedHeaders=([^,]+)/.exec(String(r.headers.authorization))![1]!.split(";").filter((n) => !/^(amz-sdk-|x-amz-user-agent$)/.test(n));
      expect(signed(request)).toEqual(signed(theirs.requests[i]!));
    });
    for (const request of mine.requests) {
      const { expected, actual } = await sdkSignature(request, service, service === "cloudfront" ? "us-east-1" : region, credentials);
      expect(actual, `${request.method} ${request.url}`).toBe(expected);
    }
    return { sdk: a, ours: b };
  } finally {
    await theirs.close();
    await mine.close();
  }
}

const sdkS3 = (endpoint: string): S3Client => s3Client({ region, endpoint, credentials });
const rest = (endpoint: string) => new S3Rest({ bucket, region, endpoint, credentials });
const xml = (body: string, status = 200): Answer => ({ status, headers: { "content-type": "application/xml" }, body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}` });
const ok = () => ({});

describe("S3 requests are the SDK's", () => {
  it("HeadObject", async () => {
    const answer = () => ({ headers: { "content-length": "12", "content-type": "image/png", etag: '"abc"', "last-modified": "Sat, 21 Nov 2026 09:59:00 GMT", "x-amz-meta-upload-id": "01K" } });
    const { sdk, ours } = await sameRequest("s3", answer, (e) => sdkS3(e).send(new HeadObjectCommand({ Bucket: bucket, Key: key })), (e) => new S3ObjectStore(rest(e)).head(key));
    const head = (sdk as { value: { ContentLength: number; ContentType: string; ETag: string; LastModified: Date; Metadata: Record<string, string> } }).value;
    expect((ours as { value: unknown }).value).toEqual({ size: head.ContentLength, contentType: head.ContentType, etag: "abc", lastModified: head.LastModified, metadata: head.Metadata });
  });

  it("GetObject of a range, If-Match", async () => {
    const answer = () => ({ status: 206, headers: { "content-range": "bytes 0-3/12" }, body: "\x89PNG" });
    const { sdk, ours } = await sameRequest(
      "s3", answer,
      (e) => sdkS3(e).send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: "bytes=0-3", IfMatch: '"abc"' })).then((r) => r.Body?.transformToByteArray()),
      (e) => new S3ObjectStore(rest(e)).readHead(key, 4, "abc"),
    );
    expect(Buffer.from((ours as { value: Uint8Array }).value)).toEqual(Buffer.from((sdk as { value: Uint8Array }).value.subarray(0, 4)));
  });

  it("DeleteObject, with and without If-Match", async () => {
    for (const etag of ["abc", undefined]) {
      await sameRequest(
        "s3", () => ({ status: 204 }),
        (e) => sdkS3(e).send(new DeleteObjectCommand({ Bucket: bucket, Key: key, ...(etag ? { IfMatch: `"${etag}"` } : {}) })),
        (e) => new S3ObjectStore(rest(e)).delete(key, etag),
      );
    }
  });

  it("CreateMultipartUpload with type and metadata", async () => {
    const answer = () => xml(`<InitiateMultipartUploadResult><Bucket>${bucket}</Bucket><Key>k</Key><UploadId>${uploadId}</UploadId></InitiateMultipartUploadResult>`);
    const metadata = { "upload-id": "01KAGX5Z2N3Q4R5S6T7V8W9XYZ", caption: "hi there" };
    const { sdk, ours } = await sameRequest(
      "s3", answer,
      (e) => sdkS3(e).send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: "video/mp4", Metadata: metadata })),
      (e) => new S3MultipartStore(rest(e)).create(key, "video/mp4", metadata),
    );
    expect((ours as { value: string }).value).toBe((sdk as { value: { UploadId: string } }).value.UploadId);
  });

  it("ListParts, page after page", async () => {
    const answer = (r: Captured) =>
      r.url.includes("part-number-marker")
        ? xml(`<ListPartsResult><IsTruncated>false</IsTruncated><Part><PartNumber>2</PartNumber><ETag>"e2"</ETag><Size>7</Size></Part></ListPartsResult>`)
        : xml(`<ListPartsResult><IsTruncated>true</IsTruncated><NextPartNumberMarker>1</NextPartNumberMarker><Part><PartNumber>1</PartNumber><ETag>"e1"</ETag><Size>5242880</Size></Part></ListPartsResult>`);
    const { ours } = await sameRequest(
      "s3", answer,
      async (e) => {
        const client = sdkS3(e);
        const first = await client.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
        return client.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumberMarker: first.NextPartNumberMarker! }));
      },
      (e) => new S3MultipartStore(rest(e)).listParts(key, uploadId),
    );
    expect((ours as { value: unknown }).value).toEqual([{ partNumber: 1, size: 5242880, etag: "e1" }, { partNumber: 2, size: 7, etag: "e2" }]);
  });

  it("CompleteMultipartUpload, If-None-Match", async () => {
    const parts = [{ partNumber: 1, etag: "e&1" }, { partNumber: 2, etag: '"e2"' }];
    await sameRequest(
      "s3", () => xml(`<CompleteMultipartUploadResult><ETag>"x-2"</ETag></CompleteMultipartUploadResult>`),
      (e) => sdkS3(e).send(new CompleteMultipartUploadCommand({
        Bucket: bucket, Key: key, UploadId: uploadId, IfNoneMatch: "*",
        MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: `"${p.etag.replace(/^"|"$/g, "")}"` })) },
      })),
      (e) => new S3MultipartStore(rest(e)).complete(key, uploadId, parts),
    );
  });

  it("AbortMultipartUpload", async () => {
    await sameRequest("s3", () => ({ status: 204 }), (e) => sdkS3(e).send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })), (e) => new S3MultipartStore(rest(e)).abort(key, uploadId));
  });

  it("ListObjectsV2 under a prefix", async () => {
    const answer = () => xml(`<ListBucketResult><Contents><Key>uploads/a/b &amp; c.png</Key></Contents><Contents><Key>uploads/a/d.png</Key></Contents></ListBucketResult>`);
    const prefix = "uploads/alice/01KAGX5Z2N3Q4R5S6T7V8W9XYZ/";
    const { sdk, ours } = await sameRequest("s3", answer, (e) => sdkS3(e).send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 5 })), (e) => new S3ObjectLister(rest(e)).keys(prefix, 5));
    expect((ours as { value: string[] }).value).toEqual((sdk as { value: { Contents: Array<{ Key: string }> } }).value.Contents.map((c) => c.Key));
  });

  it("HeadObject If-Match, CopyObject and DeleteObject of a served copy", async () => {
    const to = "public/avatar/01KAGX5Z2N3Q4R5S6T7V8W9XYZ/my file.png";
    const answer = (r: Captured) => (r.method === "HEAD" ? { headers: { "content-type": "image/png", etag: '"abc"' } } : r.method === "PUT" ? xml(`<CopyObjectResult><ETag>"abc"</ETag></CopyObjectResult>`) : { status: 204 });
    await sameRequest(
      "s3", answer,
      async (e) => {
        const client = sdkS3(e);
        const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key, IfMatch: '"abc"' }));
        await client.send(new CopyObjectCommand({
          Bucket: bucket, Key: to, CopySource: `${bucket}/${encodeURIComponent(key).replace(/%2F/g, "/")}`, CopySourceIfMatch: '"abc"',
          MetadataDirective: "REPLACE", TaggingDirective: "REPLACE", ContentType: head.ContentType!, CacheControl: SERVED_CACHE_CONTROL,
        }));
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: to }));
      },
      async (e) => {
        const server = new S3FileServer(rest(e), bucket);
        expect(await server.copy(key, to, "abc")).toBe(true);
        await server.remove([to]);
      },
    );
  });

  it("CloudFront CreateInvalidation", async () => {
    const answer = () => ({ status: 201, headers: { "content-type": "text/xml" }, body: `<Invalidation><Id>I1</Id><Status>InProgress</Status></Invalidation>` });
    const paths = ["/avatar/01K/my file.png", "/avatar/01K/b&c.png"];
    await sameRequest(
      "cloudfront", answer,
      (e) => new CloudFrontClient({ region, endpoint: e, credentials }).send(new CreateInvalidationCommand({ DistributionId: "E2ABC", InvalidationBatch: { CallerReference: "01K-completed", Paths: { Quantity: paths.length, Items: paths } } })),
      (e) => new S3FileServer(rest(e), bucket, { distributionId: "E2ABC", endpoint: e, credentials }).invalidate(paths, "01K-completed"),
    );
  });
});

const ticket: Ticket = {
  uploadId: "01KAGX5Z2N3Q4R5S6T7V8W9XYZ", owner: "alice", profile: "avatar", method: "put", key: "uploads/alice/01KAGX5Z2N3Q4R5S6T7V8W9XYZ/me.png",
  filename: "me.png", contentType: "image/png", size: 5, maxBytes: 5, status: "pending", createdAt: "2026-11-21T10:00:00.000Z",
  expiresAt: "2026-11-21T10:05:00.000Z", ttl: 1800000000, version: 3, metadata: { caption: "hi" },
} as unknown as Ticket;
const doc = (endpoint: string) => DynamoDBDocumentClient.from(new DynamoDBClient({ region, endpoint, credentials }), { marshallOptions: { removeUndefinedValues: true } });
const where = (endpoint: string) => ({ table, region, endpoint, credentials });
const json = (body: unknown, status = 200): Answer => ({ status, headers: { "content-type": "application/x-amz-json-1.0" }, body: JSON.stringify(body) });

describe("DynamoDB requests are the SDK's", () => {
  it("GetItem", async () => {
    const answer = () => json({ Item: { uploadId: { S: ticket.uploadId }, version: { N: "3" } } });
    const { sdk, ours } = await sameRequest("dynamodb", answer, (e) => doc(e).send(new GetCommand({ TableName: table, Key: { uploadId: ticket.uploadId }, ConsistentRead: true })), (e) => new DynamoTicketStore(where(e)).get(ticket.uploadId));
    expect((ours as { value: unknown }).value).toEqual((sdk as { value: { Item: unknown } }).value.Item);
  });

  it("UpdateItem (a conditional change, attributes removed)", async () => {
    const changes = { status: "completed", size: 5, rejectReason: undefined } as const;
    await sameRequest(
      "dynamodb", () => json({}),
      (e) => doc(e).send(new UpdateCommand({
        TableName: table, Key: { uploadId: ticket.uploadId },
        UpdateExpression: "SET #version = #version + :one, #a0 = :v0, #a1 = :v1 REMOVE #a2, #sweep",
        ConditionExpression: "#version = :expected",
        ExpressionAttributeNames: { "#version": "version", "#a0": "status", "#a1": "size", "#a2": "rejectReason", "#sweep": "sweepShard" },
        ExpressionAttributeValues: { ":expected": 3, ":one": 1, ":v0": "completed", ":v1": 5 },
      })),
      (e) => new DynamoTicketStore(where(e)).update(ticket, changes),
    );
  });

  it("TransactWriteItems and DeleteItem (bytes given back, the pending slot freed)", async () => {
    const quotaTicket = { ...ticket, quotaDay: "2026-11-21", quotaBytes: 5, quotaLimit: 100, quotaSlot: 0 } as Ticket;
    const store = (e: string) => new DynamoTicketStore(where(e));
    // What the store sends, captured, is what the document client sends for the same inputs.
    const captured = await wireServer(() => json({}));
    await store(captured.endpoint).update(quotaTicket, { status: "rejected", rejectReason: "too big" });
    await captured.close();
    const [transact, remove] = captured.requests.map((r) => JSON.parse(r.body));
    const plain = (item: Record<string, unknown>) => JSON.parse(JSON.stringify(item), (_, v) => (v && typeof v === "object" && "S" in v ? v.S : v && typeof v === "object" && "N" in v ? Number(v.N) : v));
    await sameRequest(
      "dynamodb", () => json({}),
      async (e) => {
        const client = doc(e);
        await client.send(new TransactWriteCommand({
          TransactItems: transact.TransactItems.map((t: { Update: Record<string, unknown> }) => ({
            Update: { ...t.Update, Key: plain(t.Update.Key as never), ExpressionAttributeValues: plain(t.Update.ExpressionAttributeValues as never) },
          })),
        }));
        await client.send(new DeleteCommand({ ...remove, Key: plain(remove.Key), ExpressionAttributeValues: plain(remove.ExpressionAttributeValues) }));
      },
      (e) => store(e).update(quotaTicket, { status: "rejected", rejectReason: "too big" }),
    );
  });

  it("GetItem and BatchGetItem of GET /usage", async () => {
    const answer = (r: Captured) => (r.headers["x-amz-target"] === "DynamoDB_20120810.GetItem" ? json({ Item: { uploadId: { S: "d" }, uploads: { N: "2" }, bytes: { N: "10" } } }) : json({ Responses: { [table]: [{ uploadId: { S: "s0" }, holder: { S: "01K" }, leaseUntil: { S: "2026" } }] } }));
    const { ours } = await sameRequest(
      "dynamodb", answer,
      async (e) => {
        const client = doc(e);
        await client.send(new GetCommand({ TableName: table, Key: { uploadId: "day#alice" }, ConsistentRead: true }));
        await client.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: [{ uploadId: "slot#0" }, { uploadId: "slot#1" }], ConsistentRead: true } } }));
      },
      (e) => new DynamoTicketStore(where(e)).usage("day#alice", ["slot#0", "slot#1"]),
    );
    expect((ours as { value: unknown }).value).toEqual({ uploads: 2, bytes: 10, slots: [{ uploadId: "s0", holder: "01K", leaseUntil: "2026" }] });
  });

  it("Query of an owner's tickets, page after page", async () => {
    const answer = (r: Captured) => (JSON.parse(r.body).ExclusiveStartKey ? json({ Items: [] }) : json({ Items: [], LastEvaluatedKey: { uploadId: { S: "u1" }, owner: { S: "alice" }, createdAt: { S: "2026" } } }));
    await sameRequest(
      "dynamodb", answer,
      async (e) => {
        const client = doc(e);
        const input = {
          TableName: table, IndexName: "byOwner", KeyConditionExpression: "#owner = :owner", ScanIndexForward: false, Limit: 4,
          FilterExpression: "#status = :status", ExpressionAttributeNames: { "#owner": "owner", "#status": "status" }, ExpressionAttributeValues: { ":owner": "alice", ":status": "completed" },
        };
        const first = await client.send(new QueryCommand(input));
        await client.send(new QueryCommand({ ...input, ExclusiveStartKey: first.LastEvaluatedKey! }));
      },
      (e) => new DynamoTicketStore(where(e)).listByOwner("alice", { limit: 4, status: "completed" } as never),
    );
  });

  it("Query of the sweep index and the UpdateItem that unlists", async () => {
    await sameRequest(
      "dynamodb", () => json({ Items: [] }),
      async (e) => {
        const client = doc(e);
        for (let shard = 0; shard < 4; shard++) {
          await client.send(new QueryCommand({
            TableName: table, IndexName: "pendingByExpiry", KeyConditionExpression: "#shard = :shard AND #expires < :before",
            ExpressionAttributeNames: { "#shard": "sweepShard", "#expires": "expiresAt" }, ExpressionAttributeValues: { ":shard": String(shard), ":before": "2026-11-21T10:00:00.000Z" }, Limit: 10,
          }));
        }
        await client.send(new UpdateCommand({
          TableName: table, Key: { uploadId: ticket.uploadId }, UpdateExpression: "SET #version = #version + :one REMOVE #shard",
          ConditionExpression: "#version = :expected AND #status = :pending",
          ExpressionAttributeNames: { "#version": "version", "#shard": "sweepShard", "#status": "status" }, ExpressionAttributeValues: { ":one": 1, ":expected": 3, ":pending": "pending" },
        }));
      },
      async (e) => {
        const index = new DynamoPendingIndex(where(e));
        await index.expiredBefore("2026-11-21T10:00:00.000Z", 10);
        await index.unlist(ticket);
      },
    );
  });
});

describe("EventBridge PutEvents is the SDK's", () => {
  it("with a named bus", async () => {
    const completed = { ...ticket, status: "completed", completedAt: "2026-11-21T10:00:03.000Z", version: 4 } as Ticket;
    const event = transitionEvent(ticket, completed, bucket)!;
    const bus = "arn:aws:events:eu-west-1:123456789012:event-bus/uploads";
    await sameRequest(
      "events", () => ({ headers: { "content-type": "application/x-amz-json-1.1" }, body: JSON.stringify({ FailedEntryCount: 0, Entries: [{ EventId: "e1" }] }) }),
      (e) => new EventBridgeClient({ region, endpoint: e, credentials }).send(new PutEventsCommand({
        Entries: [{ Source: event.source, DetailType: event.detailType, Detail: JSON.stringify(event.detail), Time: new Date(event.detail.at), EventBusName: bus }],
      })),
      (e) => new EventBridgePublisher({ region, endpoint: e, credentials, eventBus: bus }).publish([event]),
    );
  });
});

describe("Secrets Manager GetSecretValue is the SDK's", () => {
  const secretId = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:upload-broker-webhook-AbCdEf";
  const json = (body: unknown, status = 200): Answer => ({ status, headers: { "content-type": "application/x-amz-json-1.1" }, body: JSON.stringify(body) });
  const sdk = (e: string) => new SecretsManagerClient({ region, endpoint: e, credentials, maxAttempts: 1 }).send(new GetSecretValueCommand({ SecretId: secretId }));
  const ours = (e: string) => new SecretReader({ region, secretId, endpoint: e, credentials }).value();

  it("reads the SecretString", async () => {
    const { sdk: a, ours: b } = await sameRequest("secretsmanager", () => json({ ARN: secretId, Name: "upload-broker-webhook", SecretString: "whsec_abc", VersionId: "v1" }), sdk, ours);
    expect((a as { value: { SecretString: string } }).value.SecretString).toBe("whsec_abc");
    expect(b).toEqual({ value: "whsec_abc" });
  });

  it("throws the SDK's error for a missing secret or a denied read", async () => {
    for (const [type, status] of [["ResourceNotFoundException", 400], ["AccessDeniedException", 400]] as const) {
      const outcome = await sameRequest("secretsmanager", () => json({ __type: type, message: `${type} happened` }, status), sdk, ours);
      expect(shape(outcome.ours as { error?: unknown })).toEqual(shape(outcome.sdk as { error?: unknown }));
    }
  });
});

/** What of an error callers look at. */
const shape = (outcome: { error?: unknown }) => {
  const e = outcome.error as { name?: string; message?: string; $fault?: string; $metadata?: { httpStatusCode?: number }; CancellationReasons?: unknown } | undefined;
  expect(e, "an error").toBeDefined();
  return { name: e!.name, message: e!.message, fault: e!.$fault, status: e!.$metadata?.httpStatusCode, ...(e!.CancellationReasons ? { reasons: e!.CancellationReasons } : {}) };
};

const s3Error = (code: string, status: number, message = `${code} happened`) => () => xml(`<Error><Code>${code}</Code><Message>${message}</Message><RequestId>R1</RequestId></Error>`, status);

describe("S3 errors are the SDK's", () => {
  const complete = { method: "POST", key, query: `uploadId=${encodeURIComponent(uploadId)}`, headers: { "content-type": "application/xml" }, body: "<CompleteMultipartUpload/>", errorIn200: true } as const satisfies S3Request;
  const cases: Array<[string, () => Answer, "complete" | "head" | "get" | "list"]> = [
    ["NoSuchUpload 404", s3Error("NoSuchUpload", 404), "complete"],
    ["NoSuchKey 404", s3Error("NoSuchKey", 404), "list"],
    ["InvalidPart 400", s3Error("InvalidPart", 400), "complete"],
    ["InvalidPartOrder 400", s3Error("InvalidPartOrder", 400), "complete"],
    ["EntityTooSmall 400", s3Error("EntityTooSmall", 400), "complete"],
    ["MalformedXML 400", s3Error("MalformedXML", 400), "complete"],
    ["PreconditionFailed 412", s3Error("PreconditionFailed", 412), "complete"],
    ["AccessDenied 403", s3Error("AccessDenied", 403), "get"],
    ["InvalidRange 416", s3Error("InvalidRange", 416), "get"],
    ["PreconditionFailed 412 on GET", s3Error("PreconditionFailed", 412), "get"],
    ["a HEAD 404 without a body", () => ({ status: 404 }), "head"],
    ["a HEAD 412 without a body", () => ({ status: 412 }), "head"],
    ["a HEAD 403 without a body", () => ({ status: 403 }), "head"],
    ["an error in a 200 of CompleteMultipartUpload", () => xml(`<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>`), "complete"],
    ["an empty 200 of CompleteMultipartUpload", () => ({ status: 200 }), "complete"],
    ["SlowDown 503 (after the retries)", s3Error("SlowDown", 503), "get"],
    ["a proxy's HTML 502", () => ({ status: 502, body: "<html>bad gateway</html>" }), "get"],
  ];
  // The SDK's backoff before its retries takes seconds on throttling.
  it.each(cases)("%s", { timeout: 20_000 }, async (_, answer, operation) => {
    const sdk = (e: string) => {
      const client = sdkS3(e);
      if (operation === "complete") return client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: {} }));
      if (operation === "head") return client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      if (operation === "list") return client.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
      return client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    };
    const request: S3Request =
      operation === "complete" ? complete
      : operation === "head" ? { method: "HEAD", key }
      : operation === "list" ? { method: "GET", key, query: `uploadId=${encodeURIComponent(uploadId)}&x-id=ListParts` }
      : { method: "GET", key, query: "x-id=GetObject" };
    const theirs = await wireServer(answer);
    const mine = await wireServer(answer);
    const a = await sdk(theirs.endpoint).then(() => ({}), (error: unknown) => ({ error }));
    const b = await rest(mine.endpoint).send(request).then(() => ({}), (error: unknown) => ({ error }));
    await theirs.close();
    await mine.close();
    expect(shape(b)).toEqual(shape(a));
    // Retried as often as the SDK retries it.
    expect(mine.requests.length).toBe(theirs.requests.length);
  });
});

describe("DynamoDB errors are the SDK's", () => {
  const cases: Array<[string, Answer]> = [
    ["ConditionalCheckFailedException", json({ __type: "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException", message: "The conditional request failed" }, 400)],
    [
      "TransactionCanceledException with its reasons",
      json({
        __type: "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
        Message: "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]",
        CancellationReasons: [{ Code: "None" }, { Code: "ConditionalCheckFailed", Message: "The conditional request failed", Item: { uploads: { N: "10" } } }],
      }, 400),
    ],
    ["ValidationException", json({ __type: "com.amazon.coral.validate#ValidationException", message: "One or more parameter values were invalid" }, 400)],
    ["ResourceNotFoundException", json({ __type: "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", message: "Requested resource not found" }, 400)],
    ["AccessDeniedException", json({ __type: "com.amazon.coral.service#AccessDeniedException", Message: "User is not authorized" }, 400)],
    ["ProvisionedThroughputExceededException (after the retries)", json({ __type: "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException", message: "slow down" }, 400)],
    ["InternalServerError 500 (after the retries)", json({ __type: "com.amazonaws.dynamodb.v20120810#InternalServerError", message: "Internal server error" }, 500)],
  ];
  it.each(cases)("%s", { timeout: 20_000 }, async (_, answer) => {
    const theirs = await wireServer(() => answer);
    const mine = await wireServer(() => answer);
    const input = { TableName: table, Key: { uploadId: ticket.uploadId }, UpdateExpression: "SET a = :a", ExpressionAttributeValues: { ":a": 1 } };
    const a = await doc(theirs.endpoint).send(new UpdateCommand(input)).then(() => ({}), (error: unknown) => ({ error }));
    const store = new DynamoTicketStore(where(mine.endpoint)) as unknown as { call: (op: string, input: unknown) => Promise<unknown> };
    const b = await store.call("UpdateItem", { ...input, Key: { uploadId: { S: ticket.uploadId } }, ExpressionAttributeValues: { ":a": { N: "1" } } }).then(() => ({}), (error: unknown) => ({ error }));
    await theirs.close();
    await mine.close();
    expect(shape(b)).toEqual(shape(a));
    expect(mine.requests.length).toBe(theirs.requests.length);
  });
});
