import type { Routes } from "./api-types.js";
import { aborted, answerError, UploadError, unreachable } from "./errors.js";
import { partMd5 } from "./md5.js";
import { uploadMultipart } from "./multipart.js";
import { indexedDbStore, memoryStore, uploadRecords, type ResumeStore, type StoredUpload } from "./store.js";
import { send, sleep, withoutLength } from "./transfer.js";
import type { Call, ListUploadsQuery, ListUploadsResponse, PublicProfile, TicketView, UploadOptions } from "./types.js";

export interface UploadClientOptions {
  /** The broker's API, e.g. `https://api.example.com` (no trailing path needed). */
  baseUrl: string;
  /** The caller's bearer token (a JWT), asked for before every request. */
  getToken(): string | Promise<string>;
  /**
   * Where unfinished multipart uploads are kept, so they go on after a reload or a restart
   * (React Native: pass `AsyncStorage`). @default IndexedDB where there is one, else memory
   */
  store?: ResumeStore;
}

export interface UploadClient {
  /** Uploads a file and resolves with its final ticket (`completed` or `rejected`). */
  upload(file: Blob, options: UploadOptions): Promise<TicketView>;
  getUpload(uploadId: string): Promise<TicketView>;
  /** The caller's uploads, newest first. */
  listUploads(query?: ListUploadsQuery): Promise<ListUploadsResponse>;
  /** Aborts a pending upload or deletes a completed object; idempotent. */
  deleteUpload(uploadId: string): Promise<TicketView>;
  /** A presigned GET (valid 5 minutes) that saves a completed upload under its original name. */
  downloadUrl(uploadId: string): Promise<string>;
  /**
   * The unfinished multipart uploads in the store whose tickets still live (after a reload, say):
   * `upload(file, { profile, resumeUploadId })` finishes one, sending only the parts S3 lacks.
   */
  resumeUploads(): Promise<StoredUpload[]>;
}

const MiB = 1024 * 1024;
/** How long a PUT or POST upload may stay pending once S3 has it. */
const SETTLE_MS = 60_000;
/** How long an abort waits for the broker to delete the ticket before it gives up on it. */
const ABORT_MS = 5_000;

/** A typed client of the broker, for browsers and React Native (no Node-only API). */
export function createUploadClient({ baseUrl, getToken, store }: UploadClientOptions): UploadClient {
  const base = baseUrl.replace(/\/+$/, "");
  const records = uploadRecords(store ?? (typeof indexedDB === "undefined" ? memoryStore() : indexedDbStore()));
  const call: Call = async (method, path, body, signal) => {
    const headers: Record<string, string> = { authorization: `Bearer ${await getToken()}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await fetch(base + path, { method, headers, body: body === undefined ? null : JSON.stringify(body), signal: signal ?? null });
    } catch {
      throw signal?.aborted ? aborted() : unreachable("The upload API");
    }
    const text = await res.text();
    if (!res.ok) throw answerError(res.status, text);
    return JSON.parse(text);
  };
  const ticket = (id: string) => `/uploads/${encodeURIComponent(id)}`;

  let profiles: Promise<PublicProfile[]> | undefined;
  const methodFor = async (name: string, size: number, threshold: number) => {
    profiles ??= call<Routes["listProfiles"]["response"]>("GET", "/profiles").then(
      (r) => r.profiles,
      (error: unknown) => ((profiles = undefined), Promise.reject(error)),
    );
    const methods = (await profiles).find((p) => p.name === name)?.methods ?? ["put"];
    if (methods.includes("multipart") && (size > threshold || methods.length === 1)) return "multipart";
    return methods.includes("put") || !methods.includes("post") ? "put" : "post";
  };

  /** Polls the ticket until S3's event has been recorded. */
  const settle = async (id: string, signal: AbortSignal) => {
    const deadline = Date.now() + SETTLE_MS;
    for (let wait = 200; ; wait = Math.min(wait * 2, 2000)) {
      const view = await call<TicketView>("GET", ticket(id), undefined, signal);
      if (view.status !== "pending") return view;
      if (Date.now() > deadline) throw new UploadError(0, "timeout", `Upload ${id} was still pending after ${SETTLE_MS / 1000} s.`);
      await sleep(wait, signal);
    }
  };

  async function upload(file: Blob, options: UploadOptions): Promise<TicketView> {
    const { profile, metadata, onProgress } = options;
    const signal = options.signal ?? new AbortController().signal;
    const total = file.size;
    const filename = options.filename ?? (file as Partial<File>).name ?? "file";
    const contentType = options.contentType || file.type || "application/octet-stream";
    let sent = -1;
    const progress = (loaded: number) => {
      if (loaded > sent) onProgress?.({ loaded: (sent = Math.min(loaded, total)), total });
    };
    let id: string | undefined;
    try {
      const method = options.resumeUploadId ? "multipart" : options.method && options.method !== "auto"
        ? options.method
        : await methodFor(profile, total, options.multipartThreshold ?? 100 * MiB);
      const body = { profile, filename, contentType, size: total, ...(metadata ? { metadata } : {}) };
      if (method === "multipart") {
        const done = await uploadMultipart({ call, file, options, body, signal, records, started: (uploadId) => (id = uploadId), progress });
        progress(total);
        return done;
      }
      progress(0);
      const toShare = (share: number) => progress(Math.round(share * total));
      if (method === "put") {
        const contentMd5 = options.integrity ? await partMd5(file) : undefined;
        const t = await call<Routes["signPut"]["response"]>("POST", "/sign/put", contentMd5 ? { ...body, contentMd5 } : body, signal);
        id = t.uploadId;
        await send("PUT", t.url, file, withoutLength(t.headers), signal, toShare);
      } else {
        const { size: _, ...postBody } = body;
        const t = await call<Routes["signPost"]["response"]>("POST", "/sign/post", postBody, signal);
        id = t.uploadId;
        const form = new FormData();
        for (const name in t.fields) form.append(name, t.fields[name]!);
        form.append("file", file, filename);
        await send("POST", t.url, form, {}, signal, toShare);
      }
      progress(total);
      return await settle(id, signal);
    } catch (error) {
      if (!signal.aborted) throw error;
      if (id) {
        // The parts in flight were stopped by the same signal; the delete gets ABORT_MS at most.
        const limit = new AbortController();
        const timer = setTimeout(() => limit.abort(), ABORT_MS);
        await call("DELETE", ticket(id), undefined, limit.signal).catch(() => undefined);
        clearTimeout(timer);
        await records.remove(id);
      }
      throw aborted();
    }
  }

  return {
    upload,
    getUpload: (id) => call("GET", ticket(id)),
    listUploads: (query = {}) => {
      const search = new URLSearchParams();
      for (const [name, value] of Object.entries(query)) if (value !== undefined) search.set(name, String(value));
      const qs = search.toString();
      return call("GET", `/uploads${qs ? `?${qs}` : ""}`);
    },
    deleteUpload: (id) => call("DELETE", ticket(id)),
    downloadUrl: async (id) => (await call<Routes["downloadUpload"]["response"]>("GET", `${ticket(id)}/download`)).url,
    resumeUploads: () => records.list(),
  };
}
