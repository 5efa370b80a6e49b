/**
 * The part of XMLHttpRequest that upload-broker-client's transfers use (open, setRequestHeader,
 * upload.onprogress, onload/onerror/onabort, status, responseText, getResponseHeader, send of
 * a Blob), over node:http with a keep-alive agent as a browser keeps its connections: the
 * client's transport when the bench runs it under Node, which has fetch but no XHR. Bench-only: the client ships no transport of its own for Node.
 */
import { Agent, request, type ClientRequest, type IncomingMessage } from "node:http";

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

type Handler = ((event: { lengthComputable: boolean; loaded: number; total: number }) => void) | null;

export class NodeXhr {
  status = 0;
  responseText = "";
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  readonly upload: { onprogress: Handler } = { onprogress: null };
  private method = "GET";
  private url = "";
  private readonly headers: Record<string, string> = {};
  private answer?: IncomingMessage;
  private outgoing?: ClientRequest;

  open(method: string, url: string): void {
    this.method = method;
    this.url = url;
  }

  setRequestHeader(name: string, value: string): void {
    this.headers[name.toLowerCase()] = value;
  }

  getResponseHeader(name: string): string | null {
    const value = this.answer?.headers[name.toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
  }

  private aborted = false;

  abort(): void {
    this.aborted = true;
    this.outgoing?.destroy();
    this.onabort?.();
  }

  send(body: Blob): void {
    const url = new URL(this.url);
    const total = body.size;
    const outgoing = request(
      { method: this.method, hostname: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, agent, headers: { ...this.headers, "content-length": String(total) } },
      (answer) => {
        this.answer = answer;
        const chunks: Buffer[] = [];
        answer.on("data", (c: Buffer) => chunks.push(c));
        answer.on("end", () => {
          this.status = answer.statusCode ?? 0;
          this.responseText = Buffer.concat(chunks).toString("utf8");
          this.upload.onprogress?.({ lengthComputable: true, loaded: total, total });
          this.onload?.();
        });
      },
    );
    this.outgoing = outgoing;
    outgoing.on("error", () => this.aborted || this.onerror?.());
    // Read whole, as a browser reads a Blob slice; its web stream (64 KiB chunks) halves the throughput.
    body.arrayBuffer().then((b) => outgoing.end(Buffer.from(b)), () => this.onerror?.());
  }
}
