/**
 * A loopback HTTP server that records every request (method, path and query, headers, body)
 * and answers each with what `answer` says: the other end of the wire tests, which send the
 * SDK's command and the lean adapter's request to it and compare what arrived.
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { HttpRequest } from "@smithy/core/protocols";
import { Hash } from "@smithy/core/serde";
import { SignatureV4 } from "@smithy/signature-v4";

export interface Captured {
  method: string;
  /** Path and query as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Answer {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
}

export async function wireServer(answer: (request: Captured) => Answer = () => ({})) {
  const requests: Captured[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const captured = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      requests.push(captured);
      const a = answer(captured);
      // The time of the test's clock (which may be faked): the SDK corrects its clock by this header.
      res.writeHead(a.status ?? 200, { date: new Date().toUTCString(), ...a.headers });
      res.end(req.method === "HEAD" ? undefined : (a.body ?? ""));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Headers only the SDK sends (telemetry, retry bookkeeping) and the signature's own. */
const SDK_ONLY = /^(user-agent|x-amz-user-agent|amz-sdk-invocation-id|amz-sdk-request|authorization|x-amz-date|connection|x-amz-content-sha256|accept-encoding|x-amz-security-token)$/;

/** What of a request must be the same whoever sent it: method, path, query (sorted), headers that matter, body. */
export function essence(request: Captured) {
  const url = new URL(request.url, "http://x");
  const query = [...url.searchParams.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const headers = Object.fromEntries(
    Object.entries(request.headers)
      .filter(([name]) => !SDK_ONLY.test(name))
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );
  // JSON protocols: members in any order mean the same; S3's XML is compared as sent.
  const json = /json/.test(String(request.headers["content-type"]));
  const body = json ? withoutToken(JSON.parse(request.body)) : request.body;
  if (json) delete headers["content-length"];
  return { method: request.method, path: url.pathname, query, headers, body };
}

/** A transaction's idempotency token is random on both sides: it must be there, a UUID. */
function withoutToken(body: Record<string, unknown>) {
  if (!("TransactItems" in body)) return body;
  const { ClientRequestToken, ...rest } = body;
  return { ...rest, token: /^[0-9a-f-]{36}$/.test(String(ClientRequestToken)) };
}

/**
 * The signature the SDK's SignatureV4 computes for the request as it arrived (its signed
 * headers, its date), with `credentials`: the wire test expects the request's own.
 */
export async function sdkSignature(request: Captured, service: string, region: string, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) {
  const authorization = String(request.headers.authorization);
  const names = /SignedHeaders=([^,]+)/.exec(authorization)![1]!.split(";");
  const headers = Object.fromEntries(names.map((name) => [name, String(request.headers[name])]));
  const amzDate = String(request.headers["x-amz-date"]);
  const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13)}`);
  const url = new URL(request.url, "http://x");
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) query[name] = value;
  const signer = new SignatureV4({ credentials, region, service, sha256: Hash.bind(null, "sha256"), applyChecksum: false, uriEscapePath: service !== "s3" });
  const signed = await signer.sign(
    new HttpRequest({ method: request.method, protocol: "http:", hostname: "127.0.0.1", path: url.pathname, query, headers, body: request.body }),
    { signingDate },
  );
  return { expected: signed.headers.authorization, actual: authorization };
}
