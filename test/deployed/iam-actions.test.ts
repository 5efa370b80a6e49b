/** The call → IAM authorization table of the rehearsal, operation by operation. */
import { describe, expect, it } from "vitest";
import { mapCall, type AwsRequest } from "./iam-actions.js";

const T = "arn:aws:dynamodb:us-east-1:123456789012:table/tickets";
const dynamo = (operation: string, body: unknown): AwsRequest => ({
  service: "dynamodb", method: "POST", path: "/", query: new URLSearchParams(), headers: { "x-amz-target": `DynamoDB_20120810.${operation}` }, body: Buffer.from(JSON.stringify(body)),
});
const s3 = (method: string, path: string, query = "", headers: Record<string, string> = {}, body = ""): AwsRequest => ({
  service: "s3", method, path, query: new URLSearchParams(query), headers, body: Buffer.from(body),
});
const actions = (request: AwsRequest, keys = new Map()) => mapCall(request, keys).checks.map((c) => `${c.action} ${c.resource}`);

describe("DynamoDB", () => {
  it("a transaction is authorized item by item, ConditionCheck as dynamodb:ConditionCheckItem", () => {
    const body = { TransactItems: [{ Put: { TableName: "tickets" } }, { Update: { TableName: "tickets" } }, { ConditionCheck: { TableName: "tickets" } }, { Delete: { TableName: "tickets" } }] };
    expect(actions(dynamo("TransactWriteItems", body))).toEqual([`dynamodb:PutItem ${T}`, `dynamodb:UpdateItem ${T}`, `dynamodb:ConditionCheckItem ${T}`, `dynamodb:DeleteItem ${T}`]);
  });

  it("a query on an index names the index; BatchGetItem each table", () => {
    expect(actions(dynamo("Query", { TableName: "tickets", IndexName: "byOwner" }))).toEqual([`dynamodb:Query ${T}/index/byOwner`]);
    expect(actions(dynamo("Query", { TableName: "tickets" }))).toEqual([`dynamodb:Query ${T}`]);
    expect(actions(dynamo("BatchGetItem", { RequestItems: { tickets: {} } }))).toEqual([`dynamodb:BatchGetItem ${T}`]);
  });

  it("an operation nobody mapped fails instead of passing unchecked", () => {
    expect(() => mapCall(dynamo("RestoreTableFromBackup", {}))).toThrow("no IAM mapping for DynamoDB RestoreTableFromBackup");
  });
});

describe("S3", () => {
  const o = "arn:aws:s3:::b/uploads/k.png";
  it.each([
    [s3("HEAD", "/b/uploads/k.png"), "S3 HeadObject", [`s3:GetObject ${o}`]],
    [s3("GET", "/b/uploads/k.png", "uploadId=u"), "S3 ListParts", [`s3:ListMultipartUploadParts ${o}`]],
    [s3("PUT", "/b/uploads/k.png", "partNumber=1&uploadId=u"), "S3 UploadPart", [`s3:PutObject ${o}`]],
    [s3("POST", "/b/uploads/k.png", "uploads="), "S3 CreateMultipartUpload", [`s3:PutObject ${o}`]],
    [s3("POST", "/b/uploads/k.png", "uploadId=u"), "S3 CompleteMultipartUpload", [`s3:PutObject ${o}`]],
    [s3("DELETE", "/b/uploads/k.png", "uploadId=u"), "S3 AbortMultipartUpload", [`s3:AbortMultipartUpload ${o}`]],
    [s3("DELETE", "/b/uploads/k.png"), "S3 DeleteObject", [`s3:DeleteObject ${o}`]],
    [s3("PUT", "/b/public/a/k.png", "", { "x-amz-copy-source": "/b/uploads/k.png" }), "S3 CopyObject", ["s3:PutObject arn:aws:s3:::b/public/a/k.png", `s3:GetObject ${o}`]],
    [s3("GET", "/b", "list-type=2&prefix=uploads%2Fa%2F"), "S3 ListObjectsV2", ["s3:ListBucket arn:aws:s3:::b"]],
  ])("%#: %s", (request, operation, expected) => {
    expect(mapCall(request).operation).toBe(operation);
    expect(actions(request)).toEqual(expected);
  });

  it("ListObjectsV2 carries s3:prefix; a POST form upload is PutObject on the form's key", () => {
    expect(mapCall(s3("GET", "/b", "list-type=2&prefix=uploads%2Fa%2F")).checks[0]!.context["s3:prefix"]).toBe("uploads/a/");
    const post = { ...s3("POST", "/b"), form: { key: "uploads/a/${filename}", __filename: "x.png" } };
    expect(mapCall(post)).toMatchObject({ operation: "S3 PostObject", presigned: true });
    expect(actions(post)).toEqual(["s3:PutObject arn:aws:s3:::b/uploads/a/x.png"]);
  });

  it("on an SSE-KMS bucket S3 asks KMS as the caller: GenerateDataKey to write, Decrypt to read or complete", () => {
    const keys = new Map([["b", { keyArn: "arn:aws:kms:us-east-1:123456789012:key/k", bucketKey: true }]]);
    expect(actions(s3("PUT", "/b/uploads/k.png"), keys)).toEqual([`s3:PutObject ${o}`, "kms:GenerateDataKey arn:aws:kms:us-east-1:123456789012:key/k"]);
    expect(actions(s3("GET", "/b/uploads/k.png"), keys)).toEqual([`s3:GetObject ${o}`, "kms:Decrypt arn:aws:kms:us-east-1:123456789012:key/k"]);
    expect(actions(s3("HEAD", "/b/uploads/k.png"), keys)).toEqual([`s3:GetObject ${o}`]);
    expect(mapCall(s3("PUT", "/b/uploads/k.png"), keys).checks[1]!.context).toMatchObject({ "kms:ViaService": "s3.us-east-1.amazonaws.com", "kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::b" });
  });
});

describe("EventBridge, SQS, Secrets Manager, CloudFront", () => {
  const json = (service: string, target: string, body: unknown): AwsRequest => ({
    service, method: "POST", path: "/", query: new URLSearchParams(), headers: { "x-amz-target": target }, body: Buffer.from(JSON.stringify(body)),
  });
  it("maps each to its action and resource", () => {
    expect(actions(json("events", "AWSEvents.PutEvents", { Entries: [{}, { EventBusName: "arn:aws:events:us-east-1:123456789012:event-bus/b" }] }))).toEqual([
      "events:PutEvents arn:aws:events:us-east-1:123456789012:event-bus/default",
      "events:PutEvents arn:aws:events:us-east-1:123456789012:event-bus/b",
    ]);
    expect(actions(json("sqs", "AmazonSQS.SendMessageBatch", { QueueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/q" }))).toEqual(["sqs:SendMessage arn:aws:sqs:us-east-1:123456789012:q"]);
    expect(actions(json("secretsmanager", "secretsmanager.GetSecretValue", { SecretId: "arn:aws:secretsmanager:us-east-1:123456789012:secret:s-AbCdEf" }))).toEqual([
      "secretsmanager:GetSecretValue arn:aws:secretsmanager:us-east-1:123456789012:secret:s-AbCdEf",
    ]);
    const invalidation: AwsRequest = { service: "cloudfront", method: "POST", path: "/2020-05-31/distribution/E123/invalidation", query: new URLSearchParams(), headers: {}, body: Buffer.alloc(0) };
    expect(actions(invalidation)).toEqual(["cloudfront:CreateInvalidation arn:aws:cloudfront::123456789012:distribution/E123"]);
    expect(() => mapCall({ ...invalidation, service: "lambda" })).toThrow("no IAM mapping for service lambda");
  });
});
