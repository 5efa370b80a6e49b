/**
 * The webhook's other end in the rehearsal: an HTTP server on 127.0.0.1 that keeps every request
 * exactly as received (headers, raw body) and answers each with the next status the test queued,
 * else `outage()` when one is declared, else 204. The deliverer is sent here instead of the
 * template's WEBHOOK_URL, which is kept in `configured`.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedDelivery {
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** What the receiver answered. */
  status: number;
}

export class WebhookReceiver {
  readonly received: ReceivedDelivery[] = [];
  /** The WEBHOOK_URL of each function whose template sets one. */
  readonly configured: string[] = [];
  /** Statuses to answer the next requests with, in order. */
  readonly answers: number[] = [];
  private server?: Server;
  url = "";

  constructor(private readonly outage: () => number | undefined = () => undefined) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const status = this.answers.shift() ?? this.outage() ?? 204;
        this.received.push({ method: req.method ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), status });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/upload-broker`;
    return this.url;
  }

  /** The template's WEBHOOK_URL replaced by this receiver's, and kept. */
  redirect(environment: Record<string, string>): Record<string, string> {
    if (environment.WEBHOOK_URL === undefined) return environment;
    this.configured.push(environment.WEBHOOK_URL);
    return { ...environment, WEBHOOK_URL: this.url };
  }

  stop(): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  }
}
