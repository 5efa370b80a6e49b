import { DeleteMessageCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import type { InvokeCommand } from "@aws-sdk/client-lambda";
import { describe, expect, it } from "vitest";
import { replayDeadLetters, type ReplayClients } from "../../bin/replay-dlq.js";

const QUEUE = "https://sqs.eu-west-1.amazonaws.com/123456789012/record-dlq";
const FN = "arn:aws:lambda:eu-west-1:123456789012:function:RecordUpload";

/** A Lambda on-failure destination record around an S3 event. */
const onFailure = (key: string) => JSON.stringify({
  version: "1.0",
  requestContext: { requestId: "r", functionArn: `${FN}:$LATEST`, condition: "RetriesExhausted", approximateInvokeCount: 3 },
  requestPayload: { Records: [{ eventName: "ObjectCreated:Put", s3: { bucket: { name: "uploads" }, object: { key } } }] },
  responseContext: { statusCode: 200, functionError: "Unhandled" },
});

/** A queue in memory (received messages stay in flight until deleted), and a function that fails some keys. */
function fakes(keys: string[], failing: Set<string>) {
  const queue = keys.map((key, i) => ({ MessageId: `m${i}`, ReceiptHandle: `h${i}`, Body: onFailure(key) }));
  const inFlight = new Set<string>();
  const deleted: string[] = [];
  const invoked: Array<{ FunctionName?: string; InvocationType?: string; key: string }> = [];
  let receives = 0;
  const clients: ReplayClients = {
    sqs: {
      send: async (command) => {
        if (command instanceof ReceiveMessageCommand) {
          receives++;
          const page = queue.filter((m) => !inFlight.has(m.MessageId)).slice(0, Math.min(command.input.MaxNumberOfMessages ?? 1, 3));
          page.forEach((m) => inFlight.add(m.MessageId));
          return { Messages: page };
        }
        if (command instanceof DeleteMessageCommand) {
          const at = queue.findIndex((m) => m.ReceiptHandle === command.input.ReceiptHandle);
          deleted.push(queue[at]!.MessageId);
          queue.splice(at, 1);
        }
        return {};
      },
    },
    lambda: {
      send: async (command: InvokeCommand) => {
        const payload = JSON.parse(new TextDecoder().decode(command.input.Payload as Uint8Array));
        const key = payload.Records[0].s3.object.key as string;
        invoked.push({ FunctionName: command.input.FunctionName, InvocationType: command.input.InvocationType, key });
        return failing.has(key)
          ? { StatusCode: 200, FunctionError: "Unhandled", Payload: new TextEncoder().encode('{"errorMessage":"1 of 1 S3 event records failed"}') }
          : { StatusCode: 200 };
      },
    },
  };
  return { clients, queue, deleted, invoked, receives: () => receives };
}

describe("replay-dlq", () => {
  it("invokes the original event synchronously, deletes only the messages whose invoke succeeded, and pages until empty", async () => {
    const keys = Array.from({ length: 8 }, (_, i) => `uploads/alice/01KAGX5Z2N3Q4R5S6T7V8W9X${i}0/me.png`);
    const f = fakes(keys, new Set([keys[2]!, keys[5]!]));
    const lines: string[] = [];
    const summary = await replayDeadLetters(f.clients, { queueUrl: QUEUE, log: (l) => lines.push(l) });
    expect(summary).toEqual({ received: 8, replayed: 6, failed: 2, skipped: 0 });
    expect(f.invoked.map((i) => i.key)).toEqual(keys);
    expect(f.invoked.every((i) => i.InvocationType === "RequestResponse" && i.FunctionName === `${FN}:$LATEST`)).toBe(true);
    expect(f.deleted).toEqual(["m0", "m1", "m3", "m4", "m6", "m7"]);
    expect(f.queue.map((m) => m.MessageId)).toEqual(["m2", "m5"]);
    expect(f.receives()).toBe(4); // three pages of up to three, then an empty answer
    expect(lines.filter((l) => l.startsWith("failed"))).toHaveLength(2);
  });

  it("invokes --function when given, and keeps a message that is not an on-failure record", async () => {
    const f = fakes(["uploads/a/b/c.png"], new Set());
    f.queue.push({ MessageId: "junk", ReceiptHandle: "hj", Body: "not json" });
    const summary = await replayDeadLetters(f.clients, { queueUrl: QUEUE, functionName: "upload-broker-record" });
    expect(summary).toEqual({ received: 2, replayed: 1, failed: 0, skipped: 1 });
    expect(f.invoked[0]?.FunctionName).toBe("upload-broker-record");
    expect(f.queue.map((m) => m.MessageId)).toEqual(["junk"]);
  });

  it("keeps the message when the invoke itself fails (throttled, no permission)", async () => {
    const f = fakes(["uploads/a/b/c.png"], new Set());
    f.clients.lambda.send = async () => {
      throw Object.assign(new Error("Rate exceeded"), { name: "TooManyRequestsException" });
    };
    expect(await replayDeadLetters(f.clients, { queueUrl: QUEUE })).toEqual({ received: 1, replayed: 0, failed: 1, skipped: 0 });
    expect(f.deleted).toEqual([]);
  });
});
