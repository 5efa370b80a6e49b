/**
 * DynamoDB's `TransactWriteItems` for the embedded dynalite, which has none: a proxy in front of
 * it that runs every request one at a time (this process is the store's only client) and applies
 * a transaction's items as conditional writes, undoing the applied ones when any condition fails.
 * What callers see is DynamoDB's contract: all items or none, `TransactionCanceledException` with
 * one `CancellationReasons` entry per item (`None` or `ConditionalCheckFailed`, with the old
 * item under `ReturnValuesOnConditionCheckFailure: ALL_OLD`), `ValidationException` for two
 * operations on one item, and `ClientRequestToken` idempotency for ten minutes.
 */
import { createHash } from "node:crypto";
import { createServer, request, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import aws4 from "aws4";

type AttributeMap = Record<string, unknown>;
type Op = "Put" | "Update" | "Delete" | "ConditionCheck";
interface TransactItem {
  Put?: { TableName: string; Item: AttributeMap };
  Update?: { TableName: string; Key: AttributeMap };
  Delete?: { TableName: string; Key: AttributeMap };
  ConditionCheck?: { TableName: string; Key: AttributeMap };
}
type Conditional = { TableName: string; ConditionExpression?: string; ExpressionAttributeNames?: unknown; ExpressionAttributeValues?: unknown; ReturnValuesOnConditionCheckFailure?: string };
interface Answer {
  status: number;
  body: string;
}

const PREFIX = "DynamoDB_20120810.";
const MAX_ITEMS = 100;
const TOKEN_TTL_MS = 10 * 60 * 1000;
const CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

/** Starts the proxy on 127.0.0.1 in front of the dynalite at `target`; `close` stops the proxy only. */
export async function startTransactionProxy(target: string): Promise<{ endpoint: string; close(): Promise<void> }> {
  const backend = new URL(target);
  let queue: Promise<unknown> = Promise.resolve();
  const serialized = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work, work);
    queue = run.catch(() => undefined);
    return run;
  };
  const keys = new Map<string, string[]>();
  const tokens = new Map<string, { digest: string; answer: Answer; at: number }>();

  const call = (operation: string, input: unknown): Promise<Answer> => forward(backend, signedHeaders(backend, operation, JSON.stringify(input)), JSON.stringify(input));
  const json = async (operation: string, input: unknown) => {
    const answer = await call(operation, input);
    if (answer.status !== 200) throw Object.assign(new Error(answer.body), { answer });
    return JSON.parse(answer.body) as Record<string, unknown>;
  };
  const keyOf = async (table: string, item: AttributeMap) => {
    if (!keys.has(table)) {
      const { Table } = (await json("DescribeTable", { TableName: table })) as { Table: { KeySchema: Array<{ AttributeName: string }> } };
      keys.set(table, Table.KeySchema.map((k) => k.AttributeName));
    }
    return Object.fromEntries(keys.get(table)!.map((name) => [name, item[name]]));
  };

  async function transact(text: string): Promise<Answer> {
    let input: { TransactItems?: TransactItem[]; ClientRequestToken?: string };
    try {
      input = JSON.parse(text) as typeof input;
    } catch {
      return error(400, "SerializationException", "The request body is not JSON.");
    }
    const items = input.TransactItems;
    if (!Array.isArray(items) || items.length < 1 || items.length > MAX_ITEMS) {
      return error(400, "ValidationException", `1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length between 1 and ${MAX_ITEMS}`);
    }
    const token = input.ClientRequestToken;
    const digest = createHash("sha256").update(JSON.stringify(items)).digest("hex");
    const now = Date.now();
    for (const [t, seen] of tokens) if (now - seen.at > TOKEN_TTL_MS) tokens.delete(t);
    const seen = token ? tokens.get(token) : undefined;
    if (seen) return seen.digest === digest ? seen.answer : error(400, "IdempotentParameterMismatchException", "The ClientRequestToken was used with other parameters.");

    const ops: Array<{ op: Op; spec: Conditional & AttributeMap; key: AttributeMap }> = [];
    const touched = new Set<string>();
    for (const item of items) {
      const present = (["Put", "Update", "Delete", "ConditionCheck"] as const).filter((op) => item?.[op] !== undefined);
      if (present.length !== 1) return error(400, "ValidationException", "Each TransactItem must hold exactly one of Put, Update, Delete or ConditionCheck.");
      const op = present[0]!;
      const spec = item[op] as unknown as Conditional & AttributeMap;
      let key: AttributeMap;
      try {
        key = await keyOf(spec.TableName, (op === "Put" ? spec.Item : spec.Key) as AttributeMap);
      } catch (e) {
        return (e as { answer?: Answer }).answer ?? error(400, "ValidationException", String(e));
      }
      const id = JSON.stringify([spec.TableName, key]);
      if (touched.has(id)) return error(400, "ValidationException", "Transaction request cannot include multiple operations on one item");
      touched.add(id);
      ops.push({ op, spec, key });
    }

    const before = await Promise.all(ops.map(async ({ spec, key }) => (await json("GetItem", { TableName: spec.TableName, Key: key, ConsistentRead: true })).Item as AttributeMap | undefined));
    const applied: number[] = [];
    const reasons: Array<Record<string, unknown>> = [];
    let refusal: Answer | undefined;
    for (const [i, { op, spec, key }] of ops.entries()) {
      const condition = pick(spec, ["ConditionExpression", "ExpressionAttributeNames", "ExpressionAttributeValues"]);
      const old = before[i];
      const [operation, request] =
        op === "Put" ? ["PutItem", { TableName: spec.TableName, Item: spec.Item, ...condition }]
        : op === "Update" ? ["UpdateItem", { TableName: spec.TableName, Key: key, UpdateExpression: spec.UpdateExpression, ...condition }]
        : op === "Delete" ? ["DeleteItem", { TableName: spec.TableName, Key: key, ...condition }]
        // A condition check writes what is there back (or deletes nothing) under the condition.
        : old ? ["PutItem", { TableName: spec.TableName, Item: old, ...condition }] : ["DeleteItem", { TableName: spec.TableName, Key: key, ...condition }];
      const answer = await call(operation, request);
      if (answer.status === 200) {
        if (op !== "ConditionCheck") applied.push(i);
        reasons.push({ Code: "None" });
      } else if (typeOf(answer) === "ConditionalCheckFailedException") {
        reasons.push({ Code: "ConditionalCheckFailed", Message: "The conditional request failed", ...(old && spec.ReturnValuesOnConditionCheckFailure === "ALL_OLD" ? { Item: old } : {}) });
      } else {
        refusal = answer;
        break;
      }
    }
    const failed = refusal !== undefined || reasons.some((r) => r.Code !== "None");
    if (failed) {
      for (const i of applied.reverse()) {
        const { spec, key } = ops[i]!;
        await json(before[i] ? "PutItem" : "DeleteItem", before[i] ? { TableName: spec.TableName, Item: before[i] } : { TableName: spec.TableName, Key: key });
      }
    }
    const answer: Answer = refusal ?? (failed
      ? {
          status: 400,
          body: JSON.stringify({
            __type: "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
            Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(", ")}]`,
            CancellationReasons: reasons,
          }),
        }
      : { status: 200, body: "{}" });
    if (token && answer.status === 200) tokens.set(token, { digest, answer, at: now });
    return answer;
  }

  const server: Server = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
      const body = Buffer.concat(chunks);
      const target = String(req.headers["x-amz-target"] ?? "");
      const answer = await serialized(() =>
        target === `${PREFIX}TransactWriteItems` && req.headers.authorization ? transact(body.toString("utf8")) : forward(backend, req.headers, body),
      ).catch((e: unknown) => error(500, "InternalServerError", (e as Error).message));
      res.writeHead(answer.status, { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": createHash("md5").update(`${Date.now()}${Math.random()}`).digest("hex") }).end(answer.body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function signedHeaders(backend: URL, operation: string, body: string): Record<string, string> {
  const signed = aws4.sign(
    { host: backend.host, method: "POST", path: "/", service: "dynamodb", region: "us-east-1", headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": `${PREFIX}${operation}` }, body },
    CREDENTIALS,
  );
  return signed.headers as Record<string, string>;
}

/** One request to dynalite, with the caller's headers (its signature and target) and body. */
function forward(backend: URL, headers: IncomingMessage["headers"] | Record<string, string>, body: Buffer | string): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const { host: _host, connection: _connection, ...rest } = headers as Record<string, string>;
    const req = request({ hostname: backend.hostname, port: backend.port, method: "POST", path: "/", headers: { ...rest, host: backend.host } }, async (res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of res as AsyncIterable<Buffer>) chunks.push(chunk);
      resolve({ status: res.statusCode ?? 500, body: Buffer.concat(chunks).toString("utf8") });
    });
    req.on("error", reject);
    req.end(body);
  });
}

const typeOf = (answer: Answer) => {
  try {
    return String((JSON.parse(answer.body) as { __type?: string }).__type ?? "").split("#").pop();
  } catch {
    return "";
  }
};

const error = (status: number, type: string, message: string): Answer => ({ status, body: JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message }) });

const pick = (object: AttributeMap, names: string[]) => Object.fromEntries(names.filter((n) => object[n] !== undefined).map((n) => [n, object[n]]));
