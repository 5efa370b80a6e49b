import { aborted, answerError, unreachable } from "./errors.js";

/**
 * Sends bytes to S3 with XMLHttpRequest: the one API with upload progress in browsers and
 * React Native alike (fetch has none). Resolves with the `ETag` header; any answer but 2xx
 * rejects with an `UploadError`. `onProgress` gets the share sent, 0..1.
 */
export function send(
  method: "PUT" | "POST",
  url: string,
  body: Blob | FormData,
  headers: Record<string, string>,
  signal: AbortSignal,
  onProgress: (share: number) => void,
): Promise<string | null> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(aborted());
    const xhr = new XMLHttpRequest();
    const abort = () => xhr.abort();
    const end = (settle: () => void) => {
      signal.removeEventListener("abort", abort);
      settle();
    };
    xhr.open(method, url);
    for (const name in headers) xhr.setRequestHeader(name, headers[name]!);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () =>
      end(() => (xhr.status >= 200 && xhr.status < 300 ? resolve(xhr.getResponseHeader("etag")) : reject(answerError(xhr.status, xhr.responseText))));
    xhr.onerror = () => end(() => reject(unreachable("S3")));
    xhr.onabort = () => end(() => reject(aborted()));
    signal.addEventListener("abort", abort);
    xhr.send(body);
  });
}

/** Waits `ms`, or rejects as soon as `signal` aborts. */
export const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const stop = () => (clearTimeout(timer), reject(aborted()));
    const timer = setTimeout(() => (signal.removeEventListener("abort", stop), resolve()), ms);
    if (signal.aborted) stop();
    else signal.addEventListener("abort", stop, { once: true });
  });

/** Every header to send but `content-length`, which browsers set (and refuse to be given). */
export function withoutLength(headers: Record<string, string>): Record<string, string> {
  const { "content-length": _, ...rest } = headers;
  return rest;
}
