/**
 * Which IAM actions on which resources AWS authorizes for one API request: the rehearsal's table
 * of every operation of S3, DynamoDB, EventBridge, SQS, Secrets Manager, KMS and CloudFront a
 * function could call. An operation missing here fails the run ("no IAM mapping for …") instead
 * of passing unchecked, so a new AWS call is caught the day it is made.
 *
 * Sources: the Service Authorization Reference (actions, resource types, condition keys) and the
 * services' guides: HeadObject is authorized as s3:GetObject, CreateMultipartUpload, UploadPart,
 * CompleteMultipartUpload and CopyObject's target as s3:PutObject, ListObjectsV2 as s3:ListBucket
 * with `s3:prefix`; TransactWriteItems by each item's own action (ConditionCheck as
 * dynamodb:ConditionCheckItem); on an SSE-KMS bucket S3 itself calls KMS as the caller
 * (GenerateDataKey to write, Decrypt to read or complete a multipart upload).
 */
import { ACCOUNT, PARTITION, REGION } from "./template.js";

/** One authorization AWS makes for a request. */
export interface IamRequest {
  action: string;
  resource: string;
  context: Record<string, string | string[]>;
}

/** A request as the recording endpoint saw it. */
export interface AwsRequest {
  /** The SigV4 signing name of the credential scope (`s3`, `dynamodb`, `events`, …). */
  service: string;
  method: string;
  /** Decoded path, without the query. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: Buffer;
  /** Form fields of an S3 POST upload. */
  form?: Record<string, string>;
}

export interface MappedCall {
  /** `S3 PutObject`, `DynamoDB TransactWriteItems`, … */
  operation: string;
  /** Signed by query string or POST policy: someone used a URL the function handed out. */
  presigned: boolean;
  checks: IamRequest[];
}

/** The bucket's default encryption key, when it is SSE-KMS (from the template). */
export type BucketKeys = ReadonlyMap<string, { keyArn: string; bucketKey: boolean }>;

const SECURE = { "aws:SecureTransport": "true" };
const regional = (service: string, resource: string) => `arn:${PARTITION}:${service}:${REGION}:${ACCOUNT}:${resource}`;
const tableArn = (table: string) => (table.startsWith("arn:") ? table : regional("dynamodb", `table/${table}`));
const check = (action: string, resource: string, context: Record<string, string | string[]> = {}): IamRequest => ({ action, resource, context: { ...SECURE, ...context } });

export function mapCall(request: AwsRequest, bucketKeys: BucketKeys = new Map()): MappedCall {
  switch (request.service) {
    case "s3":
      return mapS3(request, bucketKeys);
    case "dynamodb":
      return jsonTarget(request, "DynamoDB", DYNAMODB);
    case "events":
      return jsonTarget(request, "EventBridge", EVENTBRIDGE);
    case "sqs":
      return mapSqs(request);
    case "secretsmanager":
      return jsonTarget(request, "SecretsManager", SECRETS_MANAGER);
    case "kms":
      return jsonTarget(request, "KMS", KMS);
    case "cloudfront":
      return mapCloudFront(request);
    default:
      throw new Error(`no IAM mapping for service ${request.service} (${request.method} ${request.path})`);
  }
}

// ---------------------------------------------------------------- JSON protocol services

type JsonMapper = (body: Record<string, unknown>) => IamRequest[];

function jsonTarget(request: AwsRequest, label: string, table: Record<string, JsonMapper>): MappedCall {
  const target = request.headers["x-amz-target"] ?? "";
  const operation = target.split(".").at(-1) ?? "";
  const mapper = table[operation];
  if (!mapper) throw new Error(`no IAM mapping for ${label} ${operation || `(no X-Amz-Target: ${request.method} ${request.path})`}`);
  const body = request.body.length ? (JSON.parse(request.body.toString("utf8")) as Record<string, unknown>) : {};
  return { operation: `${label} ${operation}`, presigned: false, checks: mapper(body) };
}

const onTable = (action: string, withIndex = false): JsonMapper => (b) => [
  check(`dynamodb:${action}`, withIndex && b.IndexName ? `${tableArn(String(b.TableName))}/index/${String(b.IndexName)}` : tableArn(String(b.TableName))),
];
const perRequestedTable = (action: string): JsonMapper => (b) => Object.keys((b.RequestItems ?? {}) as object).map((t) => check(`dynamodb:${action}`, tableArn(t)));
const TRANSACT_WRITE: Record<string, string> = { Put: "PutItem", Update: "UpdateItem", Delete: "DeleteItem", ConditionCheck: "ConditionCheckItem" };

const DYNAMODB: Record<string, JsonMapper> = {
  GetItem: onTable("GetItem"),
  PutItem: onTable("PutItem"),
  UpdateItem: onTable("UpdateItem"),
  DeleteItem: onTable("DeleteItem"),
  Query: onTable("Query", true),
  Scan: onTable("Scan", true),
  DescribeTable: onTable("DescribeTable"),
  DescribeTimeToLive: onTable("DescribeTimeToLive"),
  BatchGetItem: perRequestedTable("BatchGetItem"),
  BatchWriteItem: perRequestedTable("BatchWriteItem"),
  // A transaction is authorized item by item, each by its own action on its own table.
  TransactWriteItems: (b) =>
    ((b.TransactItems ?? []) as Array<Record<string, { TableName: string }>>).map((item) => {
      const [kind, spec] = Object.entries(item)[0]!;
      const action = TRANSACT_WRITE[kind];
      if (!action) throw new Error(`no IAM mapping for DynamoDB TransactWriteItems item ${kind}`);
      return check(`dynamodb:${action}`, tableArn(spec.TableName));
    }),
  TransactGetItems: (b) => ((b.TransactItems ?? []) as Array<{ Get: { TableName: string } }>).map((item) => check("dynamodb:GetItem", tableArn(item.Get.TableName))),
  ExecuteStatement: () => {
    throw new Error("no IAM mapping for DynamoDB ExecuteStatement (PartiQL authorizes dynamodb:PartiQL* per statement kind; the broker never uses it)");
  },
  // Streams (signing name dynamodb): what Lambda's event source mapping calls with the function's role.
  ListStreams: () => [check("dynamodb:ListStreams", "*")],
  DescribeStream: (b) => [check("dynamodb:DescribeStream", String(b.StreamArn))],
  GetShardIterator: (b) => [check("dynamodb:GetShardIterator", String(b.StreamArn))],
  GetRecords: (b) => [check("dynamodb:GetRecords", String(b.ShardIterator).split("|")[0]!)],
};

const busArn = (bus: unknown) => (typeof bus === "string" && bus.startsWith("arn:") ? bus : regional("events", `event-bus/${typeof bus === "string" && bus ? bus : "default"}`));
const EVENTBRIDGE: Record<string, JsonMapper> = {
  PutEvents: (b) => [...new Set(((b.Entries ?? []) as Array<{ EventBusName?: string }>).map((e) => busArn(e.EventBusName)))].map((bus) => check("events:PutEvents", bus)),
};

const secretArn = (id: unknown) => (String(id).startsWith("arn:") ? String(id) : regional("secretsmanager", `secret:${String(id)}`));
const SECRETS_MANAGER: Record<string, JsonMapper> = {
  GetSecretValue: (b) => [check("secretsmanager:GetSecretValue", secretArn(b.SecretId))],
  DescribeSecret: (b) => [check("secretsmanager:DescribeSecret", secretArn(b.SecretId))],
  PutSecretValue: (b) => [check("secretsmanager:PutSecretValue", secretArn(b.SecretId))],
};

const keyArn = (id: unknown) => (String(id).startsWith("arn:") ? String(id) : regional("kms", `key/${String(id)}`));
const KMS: Record<string, JsonMapper> = Object.fromEntries(
  ["Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "DescribeKey", "Sign", "Verify", "GenerateMac", "VerifyMac"].map((op) => [
    op,
    (b: Record<string, unknown>) => [check(`kms:${op}`, keyArn(b.KeyId ?? "unknown-key"))],
  ]),
);

// ---------------------------------------------------------------- SQS (JSON or query protocol)

const queueArn = (url: string) => {
  const [, account, name] = new URL(url).pathname.split("/");
  return `arn:${PARTITION}:sqs:${REGION}:${account}:${name}`;
};
const SQS_ACTIONS = new Set(["SendMessage", "SendMessageBatch", "ReceiveMessage", "DeleteMessage", "DeleteMessageBatch", "GetQueueAttributes", "GetQueueUrl", "ChangeMessageVisibility"]);
/** SendMessageBatch and DeleteMessageBatch are authorized as the single-message actions. */
const SQS_IAM: Record<string, string> = { SendMessageBatch: "SendMessage", DeleteMessageBatch: "DeleteMessage" };

function mapSqs(request: AwsRequest): MappedCall {
  const target = request.headers["x-amz-target"];
  let operation: string;
  let queueUrl: string;
  if (target) {
    operation = target.split(".").at(-1)!;
    const body = JSON.parse(request.body.toString("utf8")) as { QueueUrl?: string; QueueName?: string; QueueOwnerAWSAccountId?: string };
    queueUrl = body.QueueUrl ?? `https://sqs.${REGION}.amazonaws.com/${body.QueueOwnerAWSAccountId ?? ACCOUNT}/${body.QueueName}`;
  } else {
    const form = new URLSearchParams(request.body.toString("utf8"));
    operation = form.get("Action") ?? "";
    queueUrl = form.get("QueueUrl") ?? `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${form.get("QueueName")}`;
  }
  if (!SQS_ACTIONS.has(operation)) throw new Error(`no IAM mapping for SQS ${operation}`);
  return { operation: `SQS ${operation}`, presigned: false, checks: [check(`sqs:${SQS_IAM[operation] ?? operation}`, queueArn(queueUrl))] };
}

// ---------------------------------------------------------------- CloudFront (REST)

function mapCloudFront(request: AwsRequest): MappedCall {
  const m = /^\/\d{4}-\d{2}-\d{2}\/distribution\/([^/]+)(\/invalidation(?:\/[^/]+)?)?$/.exec(request.path);
  if (!m) throw new Error(`no IAM mapping for CloudFront ${request.method} ${request.path}`);
  const distribution = `arn:${PARTITION}:cloudfront::${ACCOUNT}:distribution/${m[1]}`;
  const operation =
    m[2] === "/invalidation" ? (request.method === "POST" ? "CreateInvalidation" : "ListInvalidations") : m[2] ? "GetInvalidation" : request.method === "GET" ? "GetDistribution" : "";
  if (!operation) throw new Error(`no IAM mapping for CloudFront ${request.method} ${request.path}`);
  return { operation: `CloudFront ${operation}`, presigned: false, checks: [check(`cloudfront:${operation}`, distribution)] };
}

// ---------------------------------------------------------------- S3 (REST, path-style)

const objectArn = (bucket: string, key: string) => `arn:${PARTITION}:s3:::${bucket}/${key}`;
const bucketArn = (bucket: string) => `arn:${PARTITION}:s3:::${bucket}`;
/** Sub-resources of an object or bucket request that name another operation (and IAM action). */
const OBJECT_SUBRESOURCES: Record<string, Partial<Record<string, [string, string]>>> = {
  tagging: { GET: ["GetObjectTagging", "s3:GetObjectTagging"], PUT: ["PutObjectTagging", "s3:PutObjectTagging"], DELETE: ["DeleteObjectTagging", "s3:DeleteObjectTagging"] },
  acl: { GET: ["GetObjectAcl", "s3:GetObjectAcl"], PUT: ["PutObjectAcl", "s3:PutObjectAcl"] },
  retention: { GET: ["GetObjectRetention", "s3:GetObjectRetention"], PUT: ["PutObjectRetention", "s3:PutObjectRetention"] },
  "legal-hold": { GET: ["GetObjectLegalHold", "s3:GetObjectLegalHold"], PUT: ["PutObjectLegalHold", "s3:PutObjectLegalHold"] },
  attributes: { GET: ["GetObjectAttributes", "s3:GetObjectAttributes"] },
};

function mapS3(request: AwsRequest, bucketKeys: BucketKeys): MappedCall {
  const { method, query } = request;
  const [, bucket = "", ...rest] = request.path.split("/");
  const key = rest.join("/");
  const presigned = query.has("X-Amz-Signature") || (method === "POST" && request.form !== undefined);
  /** What S3 asks of KMS, as the caller, for an object of an SSE-KMS bucket. */
  const viaKms = (use: "read" | "write", objectKey: string, ofBucket = bucket): IamRequest[] => {
    const k = bucketKeys.get(ofBucket);
    if (!k) return [];
    return [
      check(use === "read" ? "kms:Decrypt" : "kms:GenerateDataKey", k.keyArn, {
        "kms:ViaService": `s3.${REGION}.amazonaws.com`,
        "kms:EncryptionContext:aws:s3:arn": k.bucketKey ? bucketArn(ofBucket) : objectArn(ofBucket, objectKey),
        "kms:CallerAccount": ACCOUNT,
      }),
    ];
  };
  const s3 = (operation: string, checks: IamRequest[]): MappedCall => ({ operation: `S3 ${operation}`, presigned, checks });
  const tls = { "s3:TlsVersion": "1.3", "s3:authType": presigned ? (method === "POST" ? "POST" : "REST-QUERY-STRING") : "REST-HEADER", "s3:signatureversion": "AWS4-HMAC-SHA256" };
  const onObject = (action: string, objectKey = key) => check(action, objectArn(bucket, objectKey), tls);

  if (!bucket) throw new Error(`no IAM mapping for S3 ${method} / (ListBuckets: the broker never lists buckets)`);
  if (!key) {
    // Bucket operations.
    if (method === "POST" && request.form) {
      const name = request.form.key ?? "";
      const objectKey = name.replace("${filename}", request.form.__filename ?? "");
      return s3("PostObject", [onObject("s3:PutObject", objectKey), ...viaKms("write", objectKey)]);
    }
    if (method === "POST" && query.has("delete")) {
      const keys = [...request.body.toString("utf8").matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => decodeXml(m[1]!));
      return s3("DeleteObjects", keys.map((k) => onObject("s3:DeleteObject", k)));
    }
    if ((method === "GET" || method === "HEAD") && !query.has("uploads") && !query.has("versions") && [...query.keys()].every((q) => LIST_PARAMS.has(q) || q.startsWith("X-Amz-"))) {
      if (method === "HEAD") return s3("HeadBucket", [check("s3:ListBucket", bucketArn(bucket), tls)]);
      const context: Record<string, string> = { ...tls };
      if (query.has("prefix")) context["s3:prefix"] = query.get("prefix")!;
      if (query.has("delimiter")) context["s3:delimiter"] = query.get("delimiter")!;
      if (query.has("max-keys")) context["s3:max-keys"] = query.get("max-keys")!;
      return s3(query.get("list-type") === "2" ? "ListObjectsV2" : "ListObjects", [check("s3:ListBucket", bucketArn(bucket), context)]);
    }
    if (method === "GET" && query.has("uploads")) return s3("ListMultipartUploads", [check("s3:ListBucketMultipartUploads", bucketArn(bucket), tls)]);
    if (method === "GET" && query.has("versions")) return s3("ListObjectVersions", [check("s3:ListBucketVersions", bucketArn(bucket), tls)]);
    throw new Error(`no IAM mapping for S3 bucket request ${method} /${bucket}?${query.toString()}`);
  }

  for (const [sub, byMethod] of Object.entries(OBJECT_SUBRESOURCES)) {
    if (query.has(sub)) {
      const entry = byMethod[method];
      if (!entry) throw new Error(`no IAM mapping for S3 ${method} ?${sub}`);
      return s3(entry[0], [onObject(entry[1])]);
    }
  }
  const uploadId = query.get("uploadId");
  switch (method) {
    case "HEAD":
      return s3("HeadObject", [onObject(query.has("versionId") ? "s3:GetObjectVersion" : "s3:GetObject")]);
    case "GET":
      if (uploadId) return s3("ListParts", [onObject("s3:ListMultipartUploadParts")]);
      return s3("GetObject", [onObject(query.has("versionId") ? "s3:GetObjectVersion" : "s3:GetObject"), ...viaKms("read", key)]);
    case "PUT": {
      if (uploadId && query.has("partNumber")) {
        const copy = request.headers["x-amz-copy-source"];
        if (copy) return s3("UploadPartCopy", [onObject("s3:PutObject"), ...copySource(copy, tls, viaKms), ...viaKms("write", key)]);
        return s3("UploadPart", [onObject("s3:PutObject"), ...viaKms("write", key)]);
      }
      const copy = request.headers["x-amz-copy-source"];
      const tagged = request.headers["x-amz-tagging"] ? [onObject("s3:PutObjectTagging")] : [];
      const acl = request.headers["x-amz-acl"] ? [onObject("s3:PutObjectAcl")] : [];
      if (copy) return s3("CopyObject", [onObject("s3:PutObject"), ...copySource(copy, tls, viaKms), ...viaKms("write", key), ...tagged, ...acl]);
      return s3("PutObject", [onObject("s3:PutObject"), ...viaKms("write", key), ...tagged, ...acl]);
    }
    case "POST":
      if (query.has("uploads")) return s3("CreateMultipartUpload", [onObject("s3:PutObject"), ...viaKms("write", key)]);
      if (uploadId) return s3("CompleteMultipartUpload", [onObject("s3:PutObject"), ...viaKms("read", key)]);
      if (query.has("restore")) return s3("RestoreObject", [onObject("s3:RestoreObject")]);
      break;
    case "DELETE":
      if (uploadId) return s3("AbortMultipartUpload", [onObject("s3:AbortMultipartUpload")]);
      return s3("DeleteObject", [onObject(query.has("versionId") ? "s3:DeleteObjectVersion" : "s3:DeleteObject")]);
  }
  throw new Error(`no IAM mapping for S3 object request ${method} /${bucket}/${key}?${query.toString()}`);
}

const LIST_PARAMS = new Set(["list-type", "prefix", "delimiter", "max-keys", "continuation-token", "start-after", "encoding-type", "fetch-owner", "marker", "x-id"]);

function copySource(header: string, tls: Record<string, string>, viaKms: (use: "read" | "write", key: string, bucket?: string) => IamRequest[]): IamRequest[] {
  const [path, version] = decodeURIComponent(header.replace(/^\//, "")).split("?versionId=");
  const [bucket, ...rest] = path!.split("/");
  const key = rest.join("/");
  return [check(version ? "s3:GetObjectVersion" : "s3:GetObject", objectArn(bucket!, key), tls), ...viaKms("read", key, bucket)];
}

const decodeXml = (s: string) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");
