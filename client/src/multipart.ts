import type { Routes } from "./api-types.js";
import { UploadError } from "./errors.js";
import { partMd5 } from "./md5.js";
import type { StoredUpload, UploadRecords } from "./store.js";
import { send, sleep, withoutLength } from "./transfer.js";
import type { Call, TicketView, UploadOptions } from "./types.js";

type PartUrl = Routes["signParts"]["response"]["parts"][number] & { expiresAt: string };

/** Part URLs asked for at once: the broker signs at most 100 per request. */
const BATCH = 100;
/** Retries of a part after a network error or a 5xx, with doubling waits from `RETRY_MS`. */
const RETRIES = 4;
const RETRY_MS = 500;
/** A part URL this close to its `expiresAt` is signed again before it is used. */
const FRESH_MS = 10_000;

export interface MultipartJob {
  call: Call;
  file: Blob;
  options: UploadOptions;
  body: Routes["signMultipart"]["body"];
  signal: AbortSignal;
  records: UploadRecords;
  /** The ticket's id, as soon as there is one (so an abort can delete it). */
  started(uploadId: string): void;
  /** Bytes sent so far. */
  progress(loaded: number): void;
}

/**
 * A stored upload of this very file and profile (same name, size, type and modification time).
 * A store that cannot be read (IndexedDB refused in a private window) holds none.
 */
async function storedFor(job: MultipartJob): Promise<StoredUpload | undefined> {
  const { body, file, records, options } = job;
  const lastModified = (file as Partial<File>).lastModified;
  const same = (u: StoredUpload) =>
    u.profile === body.profile && u.filename === body.filename && u.contentType === body.contentType && u.size === body.size && u.lastModified === lastModified;
  return (options.resumeUploadId ? records.get(options.resumeUploadId) : records.list().then((all) => all.find(same))).catch(() => undefined);
}

/** The pending multipart ticket to go on with, and the parts S3 (or, without ListParts, the store) holds. */
async function resume(job: MultipartJob, stored: StoredUpload | undefined): Promise<StoredUpload | undefined> {
  const { call, signal, records, options } = job;
  const id = options.resumeUploadId ?? stored?.uploadId;
  if (!id) return undefined;
  const view = await call<TicketView>("GET", `/uploads/${id}`, undefined, signal).catch((e: UploadError) => {
    if (e.status === 404 && !options.resumeUploadId) return undefined;
    throw e;
  });
  if (view?.status !== "pending" || !view.partSize || !view.partCount) {
    await records.remove(id);
    if (options.resumeUploadId) {
      throw new UploadError(409, "invalid_state", `Upload ${id} is a ${view?.status} ${view?.method} upload; only a pending multipart upload can be resumed.`);
    }
    return undefined;
  }
  const { partSize, partCount, expiresAt } = view;
  const upload: StoredUpload = stored ?? { uploadId: id, ...job.body, partSize, partCount, done: {}, expiresAt };
  // S3's list is the truth; a server without ListParts (501) leaves the store's.
  const held = await call<Routes["listParts"]["response"]>("GET", `/uploads/${id}/parts`, undefined, signal).catch((e: UploadError) => {
    if (e.status !== 501) throw e;
  });
  if (held) {
    upload.done = {};
    for (const p of held.parts) if (p.partNumber <= partCount && p.size === sizeOf(upload, p.partNumber)) upload.done[p.partNumber] = p.etag;
  }
  return upload;
}

const sizeOf = (u: StoredUpload, n: number) => Math.min(n * u.partSize, u.size) - (n - 1) * u.partSize;

/** Starts (or resumes) a multipart upload, sends the missing parts in parallel and completes it. */
export async function uploadMultipart(job: MultipartJob): Promise<TicketView> {
  const { call, file, signal, options, records } = job;
  let upload = await resume(job, await storedFor(job));
  if (!upload) {
    const t = await call<Routes["signMultipart"]["response"]>("POST", "/sign/multipart", job.body, signal);
    const lastModified = (file as Partial<File>).lastModified;
    upload = { uploadId: t.uploadId, ...job.body, ...(lastModified ? { lastModified } : {}), partSize: t.partSize, partCount: t.partCount, done: {}, expiresAt: t.expiresAt };
  }
  const u = upload;
  const { uploadId, partCount, done } = u;
  job.started(uploadId);
  await records.save(u);

  const loaded: number[] = [];
  const report = () => job.progress(loaded.reduce((a, b) => a + b, 0));
  const todo: number[] = [];
  for (let n = 1; n <= partCount; n++) done[n] ? (loaded[n] = sizeOf(u, n)) : todo.push(n);
  report();

  // One failed part stops the others; the upload stays pending (and stored), so it can be resumed.
  const stop = new AbortController();
  const halt = () => stop.abort();
  signal.addEventListener("abort", halt);
  const urls = new Map<number, Promise<PartUrl>>();
  const sign = (parts: Array<{ partNumber: number; contentMd5?: string }>) => {
    const signed = call<Routes["signParts"]["response"]>("POST", `/uploads/${uploadId}/parts`, { parts }, stop.signal);
    for (const { partNumber } of parts) {
      const url = signed.then((r) => ({ ...r.parts.find((p) => p.partNumber === partNumber)!, expiresAt: r.expiresAt }));
      url.catch(() => undefined); // a part never reached (one failed first) is no unhandled rejection
      urls.set(partNumber, url);
    }
  };
  /** A URL for part `n` that will not expire before it is used; with `integrity`, one that signs its MD5. */
  const urlOf = async (n: number, bytes: Blob, stale?: PartUrl): Promise<PartUrl> => {
    // Checked before any await: the workers that start together share the first batch's call.
    const pending = urls.get(n);
    const cached = pending && (await pending.catch(() => undefined));
    if (!cached || cached === stale || Date.parse(cached.expiresAt) - FRESH_MS < Date.now()) {
      if (options.integrity) sign([{ partNumber: n, contentMd5: await partMd5(bytes) }]);
      else sign(todo.filter((m) => m === n || (m > n && !done[m] && !urls.has(m))).slice(0, BATCH).map((partNumber) => ({ partNumber })));
    }
    return urls.get(n)!;
  };
  const sendPart = async (n: number): Promise<string> => {
    const start = (n - 1) * u.partSize;
    const bytes = file.slice(start, start + sizeOf(u, n));
    let stale: PartUrl | undefined;
    for (let attempt = 0; ; attempt++) {
      const part = await urlOf(n, bytes, stale);
      try {
        const etag = await send("PUT", part.url, bytes, withoutLength(part.headers), stop.signal, (share) => {
          loaded[n] = Math.max(loaded[n] ?? 0, Math.round(share * bytes.size));
          report();
        });
        if (!etag) throw new UploadError(0, "missing_etag", "S3's ETag header is not readable: the bucket's CORS rule must expose ETag.");
        return etag;
      } catch (error) {
        const e = error as UploadError;
        // 403 from S3: the URL expired (or its credentials did); it is signed again once.
        const expired = e.status === 403 && attempt === 0;
        if (attempt >= RETRIES || !(expired || e.status >= 500 || e.code === "network_error")) throw e;
        if (expired) stale = part; // the next urlOf signs it anew
        else await sleep(RETRY_MS * 2 ** attempt, stop.signal);
      }
    }
  };
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const n = todo[next++]!;
      done[n] = await sendPart(n);
      await records.save(u);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.partConcurrency ?? 4, todo.length) }, worker));
  } catch (error) {
    stop.abort();
    throw error;
  } finally {
    signal.removeEventListener("abort", halt);
  }
  const parts = Object.entries(done).map(([n, etag]) => ({ partNumber: Number(n), etag: etag.replace(/"/g, "") }));
  const view = await call<TicketView>("POST", `/uploads/${uploadId}/complete`, { parts }, signal);
  await records.remove(uploadId);
  return view;
}
