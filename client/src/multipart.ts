import type { Routes } from "./api-types.js";
import { UploadError } from "./errors.js";
import { send, sleep, withoutLength } from "./transfer.js";
import type { Call, TicketView, UploadOptions } from "./types.js";

type PartUrl = Routes["signParts"]["response"]["parts"][number];

/** Part URLs asked for at once: the broker signs at most 100 per request. */
const BATCH = 100;
/** Retries of a part after a network error or a 5xx, with doubling waits from `RETRY_MS`. */
const RETRIES = 4;
const RETRY_MS = 500;

export interface MultipartJob {
  call: Call;
  file: Blob;
  options: UploadOptions;
  body: Routes["signMultipart"]["body"];
  signal: AbortSignal;
  /** The ticket's id, as soon as there is one (so an abort can delete it). */
  started(uploadId: string): void;
  /** Bytes sent so far. */
  progress(loaded: number): void;
}

/** Starts (or resumes) a multipart upload, sends the missing parts in parallel and completes it. */
export async function uploadMultipart(job: MultipartJob): Promise<TicketView> {
  const { call, file, signal, options } = job;
  const etags: string[] = [];
  let id = options.resumeUploadId;
  let partSize: number;
  let partCount: number;
  if (id) {
    const view = await call<TicketView>("GET", `/uploads/${id}`, undefined, signal);
    if (view.status !== "pending" || !view.partSize || !view.partCount) {
      throw new UploadError(409, "invalid_state", `Upload ${id} is a ${view.status} ${view.method} upload; only a pending multipart upload can be resumed.`);
    }
    ({ partSize, partCount } = view);
  } else {
    ({ uploadId: id, partSize, partCount } = await call<Routes["signMultipart"]["response"]>("POST", "/sign/multipart", job.body, signal));
  }
  const uploadId = id;
  job.started(uploadId);
  const range = (n: number) => [(n - 1) * partSize, Math.min(n * partSize, file.size)] as const;
  const sizeOf = (n: number) => range(n)[1] - range(n)[0];
  if (options.resumeUploadId) {
    const held = await call<Routes["listParts"]["response"]>("GET", `/uploads/${uploadId}/parts`, undefined, signal);
    for (const p of held.parts) if (p.partNumber <= partCount && p.size === sizeOf(p.partNumber)) etags[p.partNumber] = p.etag;
  }

  const loaded: number[] = [];
  const report = () => job.progress(loaded.reduce((a, b) => a + b, 0));
  const todo: number[] = [];
  for (let n = 1; n <= partCount; n++) etags[n] ? (loaded[n] = sizeOf(n)) : todo.push(n);
  report();

  // One failed part stops the others; the upload stays pending, so it can be resumed.
  const stop = new AbortController();
  const halt = () => stop.abort();
  signal.addEventListener("abort", halt);
  const urls = new Map<number, Promise<PartUrl>>();
  const urlOf = (n: number): Promise<PartUrl> => {
    if (!urls.has(n)) {
      const batch = todo.filter((m) => m >= n && !urls.has(m)).slice(0, BATCH);
      const signed = call<Routes["signParts"]["response"]>("POST", `/uploads/${uploadId}/parts`, { partNumbers: batch }, stop.signal);
      for (const m of batch) urls.set(m, signed.then((r) => r.parts.find((p) => p.partNumber === m)!));
    }
    return urls.get(n)!;
  };
  const sendPart = async (n: number): Promise<string> => {
    const [start, end] = range(n);
    for (let attempt = 0; ; attempt++) {
      const { url, headers } = await urlOf(n);
      try {
        const etag = await send("PUT", url, file.slice(start, end), withoutLength(headers), stop.signal, (share) => {
          loaded[n] = Math.max(loaded[n] ?? 0, Math.round(share * (end - start)));
          report();
        });
        if (!etag) throw new UploadError(0, "missing_etag", "S3's ETag header is not readable: the bucket's CORS rule must expose ETag.");
        return etag;
      } catch (error) {
        const e = error as UploadError;
        if (attempt >= RETRIES || !(e.status >= 500 || e.code === "network_error")) throw e;
        await sleep(RETRY_MS * 2 ** attempt, stop.signal);
      }
    }
  };
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const n = todo[next++]!;
      etags[n] = await sendPart(n);
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
  const parts = etags.flatMap((etag, partNumber) => (etag ? [{ partNumber, etag: etag.replace(/"/g, "") }] : []));
  return call<TicketView>("POST", `/uploads/${uploadId}/complete`, { parts }, signal);
}
