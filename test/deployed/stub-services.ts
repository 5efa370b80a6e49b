/**
 * The AWS services the rehearsal has no local server for, answered as AWS answers the calls the
 * functions make (EventBridge PutEvents, SQS, Secrets Manager, CloudFront invalidations). What
 * they receive is kept, so the flows can assert on it: events on a bus, messages in a queue.
 */
import { createHash, randomUUID } from "node:crypto";
import type { AwsRequest } from "./iam-actions.js";
import { ACCOUNT, REGION } from "./template.js";

export interface BusEvent {
  bus: string;
  source: string;
  "detail-type": string;
  detail: Record<string, unknown>;
  time: string;
}

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const json = (body: unknown, status = 200): Answer => ({ status, headers: { "content-type": "application/x-amz-json-1.1" }, body: JSON.stringify(body) });

export class StubServices {
  /** Every event put on any bus, in order. */
  readonly events: BusEvent[] = [];
  /** Messages by queue ARN. */
  readonly queues = new Map<string, Array<{ MessageId: string; ReceiptHandle: string; Body: string }>>();
  readonly invalidations: Array<{ distributionId: string; paths: string[] }> = [];
  readonly secrets = new Map<string, string>();
  /** Called for each event put on a bus (the rules of the template route it on). */
  onEvent: (event: BusEvent) => void = () => undefined;

  send(queueArn: string, body: string): string {
    const id = randomUUID();
    const list = this.queues.get(queueArn) ?? [];
    list.push({ MessageId: id, ReceiptHandle: id, Body: body });
    this.queues.set(queueArn, list);
    return id;
  }

  answer(request: AwsRequest): Answer {
    const target = request.headers["x-amz-target"]?.split(".").at(-1);
    const body = () => JSON.parse(request.body.toString("utf8") || "{}") as Record<string, unknown>;
    switch (request.service) {
      case "events": {
        if (target !== "PutEvents") break;
        const entries = (body().Entries ?? []) as Array<{ EventBusName?: string; Source: string; DetailType: string; Detail: string; Time?: number | string }>;
        for (const e of entries) {
          const event: BusEvent = {
            bus: e.EventBusName ?? "default",
            source: e.Source,
            "detail-type": e.DetailType,
            detail: JSON.parse(e.Detail) as Record<string, unknown>,
            time: new Date(typeof e.Time === "number" ? e.Time * 1000 : (e.Time ?? Date.now())).toISOString(),
          };
          this.events.push(event);
          this.onEvent(event);
        }
        return json({ FailedEntryCount: 0, Entries: entries.map(() => ({ EventId: randomUUID() })) });
      }
      case "sqs": {
        if (target !== "SendMessage") break;
        const b = body() as { QueueUrl: string; MessageBody: string };
        const [, account, name] = new URL(b.QueueUrl).pathname.split("/");
        const id = this.send(`arn:aws:sqs:${REGION}:${account}:${name}`, b.MessageBody);
        return json({ MessageId: id, MD5OfMessageBody: createHash("md5").update(b.MessageBody).digest("hex") }, 200);
      }
      case "secretsmanager": {
        if (target !== "GetSecretValue") break;
        const id = String(body().SecretId);
        const value = this.secrets.get(id);
        if (value === undefined) return json({ __type: "ResourceNotFoundException", message: "Secrets Manager can't find the specified secret." }, 400);
        return json({ ARN: id, Name: id.split(":").at(-1), SecretString: value, VersionId: randomUUID(), CreatedDate: Date.now() / 1000 });
      }
      case "cloudfront": {
        const m = /^\/2020-05-31\/distribution\/([^/]+)\/invalidation$/.exec(request.path);
        if (!m || request.method !== "POST") break;
        const paths = [...request.body.toString("utf8").matchAll(/<Path>([^<]*)<\/Path>/g)].map((p) => p[1]!);
        this.invalidations.push({ distributionId: m[1]!, paths });
        const id = `I${randomUUID().replace(/-/g, "").slice(0, 13).toUpperCase()}`;
        const xml =
          `<?xml version="1.0" encoding="UTF-8"?><Invalidation xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Id>${id}</Id><Status>InProgress</Status>` +
          `<CreateTime>${new Date().toISOString()}</CreateTime><InvalidationBatch><Paths><Quantity>${paths.length}</Quantity><Items>${paths.map((p) => `<Path>${p}</Path>`).join("")}</Items></Paths>` +
          `<CallerReference>${/<CallerReference>([^<]*)</.exec(request.body.toString("utf8"))?.[1] ?? ""}</CallerReference></InvalidationBatch></Invalidation>`;
        return { status: 201, headers: { "content-type": "text/xml", location: `https://cloudfront.amazonaws.com/2020-05-31/distribution/${m[1]}/invalidation/${id}` }, body: xml };
      }
    }
    return json({ __type: "UnknownOperationException", message: `the rehearsal has no stub for ${request.service} ${target ?? `${request.method} ${request.path}`} (account ${ACCOUNT})` }, 400);
  }
}
