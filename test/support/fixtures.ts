/** In-memory ports and event builders for unit tests: no network, no AWS. */
import { readFileSync } from "node:fs";
import { monotonicFactory } from "ulid";
import { s3Signer } from "../../functions/adapters/s3-signer.js";
import { DEMO_PROFILES } from "../../functions/domain/demo-profiles.js";
import type { HttpEvent } from "../../functions/http.js";
import { releaseFor } from "../../functions/domain/quotas.js";
import { sampleOf } from "./samples.js";
import { ValidationError } from "../../functions/errors.js";
import type { MultipartStore, ObjectInfo, ObjectStore, SignDeps, StoredPart, TicketPage, TicketQuery, TicketStore } from "../../functions/ports.js";
import type { Profile, Ticket } from "../../functions/schemas.js";

export const NOW = new Date("2026-11-21T10:00:00.000Z");

/** The DynamoDB store's semantics in memory: conditional create and versioned updates. */
export class MemoryTicketStore implements TicketStore {
  readonly items = new Map<string, Ticket>();
  async create(ticket: Ticket): Promise<void> {
    if (this.items.has(ticket.uploadId)) throw new Error(`duplicate ticket ${ticket.uploadId}`);
    this.items.set(ticket.uploadId, structuredClone(ticket));
  }
  async get(uploadId: string): Promise<Ticket | undefined> {
    return structuredClone(this.items.get(uploadId));
  }
  /** The quota counters' bytes by day key, as the store's atomic writes move them. */
  readonly counted = new Map<string, number>();
  async update(ticket: Ticket, changes: Partial<Ticket>): Promise<boolean> {
    const current = this.items.get(ticket.uploadId);
    if (!current || current.version !== ticket.version) return false;
    const release = releaseFor(current, changes);
    const next: Record<string, unknown> = { ...current, version: current.version + 1, ...(release ? { quotaBytes: release.quotaBytes } : {}) };
    if (release) this.counted.set(release.dayKey, (this.counted.get(release.dayKey) ?? 0) + release.bytesDelta);
    for (const [name, value] of Object.entries(changes)) {
      if (value === undefined) delete next[name];
      else next[name] = structuredClone(value);
    }
    this.items.set(ticket.uploadId, next as Ticket);
    return true;
  }
  async listByOwner(owner: string, query: TicketQuery): Promise<TicketPage> {
    const order = (t: Ticket) => `${t.createdAt}|${t.uploadId}`;
    const all = [...this.items.values()].filter((t) => t.owner === owner).sort((a, b) => order(b).localeCompare(order(a)));
    const from = query.after ? all.findIndex((t) => order(t) < `${query.after!.createdAt}|${query.after!.uploadId}`) : 0;
    const rest = from < 0 ? [] : all.slice(from);
    const matches = (t: Ticket) => {
      if (!query.status) return true;
      if (query.status !== "pending" && query.status !== "expired") return t.status === query.status;
      const expired = t.status === "pending" && t.expiresAt < query.expiredBefore;
      return t.status === "pending" && (query.status === "expired") === expired;
    };
    const items = rest.filter(matches).slice(0, query.limit);
    const last = items.at(-1);
    const more = last !== undefined && rest.filter(matches).length > query.limit;
    return { items: structuredClone(items), ...(more ? { next: { owner, createdAt: last.createdAt, uploadId: last.uploadId } } : {}) };
  }
}

/** A ticket store whose writes fail, as an unreachable table would. */
export const failingStore = (message: string) =>
  Object.assign(new MemoryTicketStore(), { create: async () => { throw new Error(message); } });

/**
 * S3 objects in memory, for the record logic's unit tests. An object's bytes are `bodies`'
 * entry for its key; without one they are a real sample of its content type (`sampleOf`), so a
 * test that is not about content stores only what HeadObject tells.
 */
export class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, ObjectInfo>();
  readonly bodies = new Map<string, Uint8Array>();
  readonly deleted: string[] = [];
  /** Every ranged read asked for, as the port was called. */
  readonly reads: Array<{ key: string; bytes: number; etag?: string }> = [];
  async head(key: string) {
    return structuredClone(this.objects.get(key));
  }
  async delete(key: string, etag?: string) {
    const current = this.objects.get(key);
    if (current && etag !== undefined && current.etag !== etag) return false;
    this.deleted.push(key);
    this.objects.delete(key);
    this.bodies.delete(key);
    return true;
  }
  async readHead(key: string, bytes: number, etag?: string) {
    this.reads.push({ key, bytes, ...(etag !== undefined ? { etag } : {}) });
    const current = this.objects.get(key);
    if (!current || (etag !== undefined && current.etag !== etag)) return undefined;
    const body = this.bodies.get(key) ?? sampleOf(current.contentType, current.size) ?? new Uint8Array();
    return body.slice(0, bytes);
  }
}

/** S3's multipart operations in memory: uploads by id, parts as uploaded, completion into `objects`. */
export class MemoryMultipartStore implements MultipartStore {
  readonly uploads = new Map<string, { key: string; contentType: string; metadata: Record<string, string>; parts: Map<number, StoredPart> }>();
  readonly aborted: string[] = [];
  private next = 0;
  constructor(private readonly objects?: MemoryObjectStore) {}
  async create(key: string, contentType: string, metadata: Record<string, string>) {
    const id = `s3-upload-${++this.next}`;
    this.uploads.set(id, { key, contentType, metadata, parts: new Map() });
    return id;
  }
  /** What a client's PUT to a part URL does. */
  uploadPart(id: string, partNumber: number, size: number) {
    this.uploads.get(id)!.parts.set(partNumber, { partNumber, size, etag: `etag-${partNumber}-${size}` });
  }
  async listParts(_key: string, id: string) {
    return [...(this.uploads.get(id)?.parts.values() ?? [])].sort((a, b) => a.partNumber - b.partNumber);
  }
  async complete(key: string, id: string, parts: Array<{ partNumber: number; etag: string }>) {
    const upload = this.uploads.get(id);
    if (!upload) return;
    for (const p of parts) {
      if (upload.parts.get(p.partNumber)?.etag !== p.etag) throw new ValidationError([{ path: "parts", message: `S3 refused the part list: InvalidPart ${p.partNumber}` }]);
    }
    const size = parts.reduce((sum, p) => sum + upload.parts.get(p.partNumber)!.size, 0);
    this.objects?.objects.set(key, { size, contentType: upload.contentType, etag: `mp-${parts.length}`, lastModified: new Date(), metadata: upload.metadata });
    this.uploads.delete(id);
  }
  async abort(_key: string, id: string) {
    this.aborted.push(id);
    this.uploads.delete(id);
  }
}

/** AWS's documentation example key pair: signing with it is pure computation. */
export const EXAMPLE_CREDENTIALS = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };

/** A signer with static credentials: no request is sent. */
export const offlineSigner = () =>
  s3Signer({ bucket: "uploads", region: "us-east-1", endpoint: "http://127.0.0.1:9", credentials: EXAMPLE_CREDENTIALS });

export function memoryDeps(overrides: Partial<SignDeps> & { profiles?: Profile[] } = {}) {
  const tickets = new MemoryTicketStore();
  const next = monotonicFactory();
  const deps: SignDeps = {
    profiles: DEMO_PROFILES,
    signer: offlineSigner(),
    writer: tickets,
    clock: { now: () => NOW },
    ids: { next: () => next(NOW.getTime()) },
    ...overrides,
  };
  return { deps, tickets };
}

const captured = JSON.parse(
  readFileSync(new URL("../events/http-api-sign-put.json", import.meta.url), "utf8"),
) as HttpEvent & { requestContext: { authorizer: { jwt: { claims: Record<string, unknown> } } } };

/** The claims of the captured event's token, as the token itself holds them (JSON values). */
export const CAPTURED_TOKEN_CLAIMS: Record<string, unknown> = {
  ...captured.requestContext.authorizer.jwt.claims,
  "cognito:groups": ["staff", "editors"],
  auth_time: 1763719000,
  exp: 1763722600,
  iat: 1763719000,
};

/** A compact JWT holding `claims` (signature not verifiable: the authorizer's job). */
export const tokenFor = (claims: Record<string, unknown>) =>
  [{ alg: "RS256", kid: "test" }, claims].map((part) => Buffer.from(JSON.stringify(part)).toString("base64url")).join(".") + ".c2ln";

/** The authorizer context API Gateway builds from a token's claims: strings, arrays as `[a b]`. */
export const apiGatewayClaims = (claims: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(claims).map(([k, v]) => [k, Array.isArray(v) ? `[${v.map(claimText).join(" ")}]` : claimText(v)]),
  );

const claimText = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v) ?? "");

/**
 * The captured API Gateway event with another body and/or token claims: `claims` are the
 * token's own (JSON values), with the captured `iss`, `exp` and `iat` unless given (API
 * Gateway accepts no token without `exp`); the header carries that token and the authorizer
 * context its flattened claims, as API Gateway passes them. `claims: null` = no authorizer;
 * `authorization` overrides the header alone.
 */
export function httpEvent(
  opts: { body?: unknown; claims?: Record<string, unknown> | null; authorization?: string; raw?: string; base64?: boolean } = {},
): HttpEvent {
  const event = structuredClone(captured);
  if ("raw" in opts) event.body = opts.raw;
  else if ("body" in opts) event.body = JSON.stringify(opts.body);
  if (opts.base64) {
    event.body = Buffer.from(event.body ?? "").toString("base64");
    event.isBase64Encoded = true;
  }
  const { iss, exp, iat } = CAPTURED_TOKEN_CLAIMS;
  const claims = opts.claims === undefined ? CAPTURED_TOKEN_CLAIMS : opts.claims && { iss, exp, iat, ...opts.claims };
  if (claims === null) delete (event.requestContext as { authorizer?: unknown }).authorizer;
  else {
    event.requestContext.authorizer.jwt.claims = apiGatewayClaims(claims);
    event.headers.authorization = `Bearer ${tokenFor(claims)}`;
  }
  if (opts.authorization !== undefined) event.headers.authorization = opts.authorization;
  return event;
}

/** Parses a handler result's JSON body. */
export const bodyOf = (result: { body?: string }) => JSON.parse(result.body ?? "null") as Record<string, any>;
