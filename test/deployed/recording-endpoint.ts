/**
 * One function's AWS endpoint: every call the function makes (its SDK clients, its aws4-signed
 * requests) and every request made with a URL or POST policy it signed arrives here, on a port
 * of this function's own, so the caller is known without trusting anything in the request. Each
 * request is named (service from the SigV4 credential scope, operation from X-Amz-Target or the
 * S3 method, path and query), mapped to the IAM authorizations AWS would make, evaluated against
 * the function's role, recorded, and then forwarded byte for byte (Host header included, so the
 * signature still verifies) to Ceph RGW or DynamoDB Local, or answered by the service stubs. A
 * refused call gets AWS's AccessDenied, as it would in production.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { mapCall, type AwsRequest, type BucketKeys, type IamRequest } from "./iam-actions.js";
import type { Decision, IamEvaluator, Principal } from "./iam-check.js";
import type { StubServices } from "./stub-services.js";
import { ACCOUNT } from "./template.js";

export interface RecordedCall {
  function: string;
  operation: string;
  presigned: boolean;
  status: number;
  checks: Array<IamRequest & { decision: Decision }>;
  /** Set when the request could not be named or mapped. */
  error?: string;
}

export interface Upstreams {
  s3: string;
  dynamodb: string;
}

export interface ObjectCreated {
  bucket: string;
  key: string;
  /** `ObjectCreated:Put`, `:Post`, `:Copy`, `:CompleteMultipartUpload`. */
  eventName: string;
  /** The function whose role made or signed the request. */
  principal: Principal;
}

export interface EndpointHooks {
  onCall(call: RecordedCall): void;
  onObjectCreated(event: ObjectCreated): void;
  /** A fault to inject instead of forwarding (e.g. a DynamoDB outage), or undefined. */
  fault(functionName: string, service: string): { status: number; body: string } | undefined;
}

const CREATED: Record<string, string> = {
  "S3 PutObject": "ObjectCreated:Put",
  "S3 PostObject": "ObjectCreated:Post",
  "S3 CopyObject": "ObjectCreated:Copy",
  "S3 CompleteMultipartUpload": "ObjectCreated:CompleteMultipartUpload",
};

export class RecordingEndpoint {
  private server?: Server;
  url = "";

  constructor(
    private readonly principal: Principal,
    private readonly upstreams: Upstreams,
    private readonly evaluator: IamEvaluator,
    private readonly stubs: StubServices,
    private readonly bucketKeys: BucketKeys,
    private readonly hooks: EndpointHooks,
  ) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: Error) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        res.end(`recording endpoint: ${error.message}`);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server) return resolve();
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? "/", "http://local");
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(",") : (v ?? "")]));
    const form = await formOf(req.method ?? "GET", headers, body);
    const credential = (/Credential=([^,\s]+)/.exec(headers.authorization ?? "")?.[1] ?? url.searchParams.get("X-Amz-Credential") ?? form?.["x-amz-credential"]) ?? "";
    const service = credential.split("/")[3] ?? "";
    const call: RecordedCall = { function: this.principal.functionName, operation: "?", presigned: false, status: 0, checks: [] };
    let request: AwsRequest;
    try {
      if (!service) throw new Error(`unsigned request ${req.method} ${url.pathname}: every AWS call is signed`);
      request = { service, method: req.method ?? "GET", path: decodeURIComponent(url.pathname), query: url.searchParams, headers, body, ...(form ? { form } : {}) };
      const mapped = mapCall(request, this.bucketKeys);
      call.operation = mapped.operation;
      call.presigned = mapped.presigned;
      for (const check of mapped.checks) call.checks.push({ ...check, decision: await this.evaluator.decide(this.principal, check) });
    } catch (error) {
      call.error = (error as Error).message;
      call.status = 400;
      this.hooks.onCall(call);
      res.writeHead(400, { "content-type": "text/plain" }).end(call.error);
      return;
    }
    const refused = call.checks.find((c) => !c.decision.allowed);
    if (refused) {
      call.status = 403;
      this.hooks.onCall(call);
      const message = `User: arn:aws:sts::${ACCOUNT}:assumed-role/${this.principal.roleName}/${this.principal.functionName} is not authorized to perform: ${refused.action} on resource: ${refused.resource}`;
      if (service === "s3") res.writeHead(403, { "content-type": "application/xml" }).end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>${message}</Message></Error>`);
      else res.writeHead(400, { "content-type": "application/x-amz-json-1.0", "x-amzn-errortype": "AccessDeniedException" }).end(JSON.stringify({ __type: "com.amazon.coral.service#AccessDeniedException", message }));
      return;
    }
    const fault = this.hooks.fault(this.principal.functionName, service);
    if (fault) {
      call.status = fault.status;
      this.hooks.onCall(call);
      res.writeHead(fault.status, { "content-type": "application/x-amz-json-1.0" }).end(fault.body);
      return;
    }
    const upstream = service === "s3" ? this.upstreams.s3 : service === "dynamodb" ? this.upstreams.dynamodb : undefined;
    if (!upstream) {
      const answer = this.stubs.answer(request);
      call.status = answer.status;
      this.hooks.onCall(call);
      res.writeHead(answer.status, answer.headers).end(answer.body);
      return;
    }
    const target = new URL(upstream);
    await new Promise<void>((resolve, reject) => {
      const forward = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        call.status = answer.statusCode ?? 0;
        this.hooks.onCall(call);
        // Node frames the body itself: passing the upstream's framing headers on would frame it twice.
        const { "transfer-encoding": _framing, connection: _connection, ...headers } = answer.headers;
        res.writeHead(call.status, headers);
        answer.pipe(res);
        answer.on("end", () => {
          const created = CREATED[call.operation];
          if (created && call.status >= 200 && call.status < 300) {
            const objectKey = call.checks.find((c) => c.action === "s3:PutObject")!.resource.replace(/^arn:aws:s3:::[^/]+\//, "");
            this.hooks.onObjectCreated({ bucket: request.path.split("/")[1]!, key: objectKey, eventName: created, principal: this.principal });
          }
          resolve();
        });
        answer.on("error", reject);
      });
      forward.on("error", reject);
      forward.end(body);
    });
  }
}

/** The fields of an S3 POST upload (names lowercased), and the file's name as `__filename`. */
async function formOf(method: string, headers: Record<string, string>, body: Buffer): Promise<Record<string, string> | undefined> {
  if (method !== "POST" || !/^multipart\/form-data/i.test(headers["content-type"] ?? "")) return undefined;
  const data = await new Response(body, { headers: { "content-type": headers["content-type"]! } }).formData();
  const fields: Record<string, string> = {};
  for (const [name, value] of data) {
    if (typeof value === "string") fields[name.toLowerCase()] = value;
    else fields.__filename = value.name;
  }
  return fields;
}
