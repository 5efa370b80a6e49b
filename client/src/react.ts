/**
 * `upload-broker-client/react`: `useUpload()`, one upload's state as React state. Works in
 * React (DOM) and React Native alike: it only wraps `UploadClient.upload`, which uses
 * XMLHttpRequest and fetch, no DOM API.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import type { UploadClient } from "./client.js";
import { UploadError } from "./errors.js";
import type { TicketView, UploadOptions, UploadProgress } from "./types.js";

/**
 * `uploading` until the broker has judged the upload; then the ticket's verdict (`completed`, or
 * `rejected` with `result.rejectReason`; `scanning` while a malware scan still runs), `aborted`
 * after `abort()`, or `error` (`error` says why).
 */
export type UseUploadStatus = "idle" | "uploading" | "scanning" | "completed" | "rejected" | "aborted" | "error";
const VERDICTS = new Set<string>(["scanning", "completed", "rejected"]);

export interface UseUploadState {
  status: UseUploadStatus;
  /** Bytes sent of the file, while uploading and after; `null` before the first upload. */
  progress: UploadProgress | null;
  /** Why the last upload failed (`status` `error` or `aborted`), as the client reports it. */
  error: UploadError | null;
  /** The broker's ticket of the last upload once judged (`completed`, `rejected` or `scanning`). */
  result: TicketView | null;
}

/** What every upload of this hook uses unless `start` says otherwise. */
export type UseUploadOptions = Omit<UploadOptions, "signal" | "onProgress" | "resumeUploadId">;

export interface UseUpload extends UseUploadState {
  /**
   * Uploads `file`; resolves with the final ticket, or `null` when it failed or was aborted
   * (`error` says why). One upload at a time per hook: call `abort()` first, or use one hook per file.
   */
  start(file: Blob, options?: Partial<UseUploadOptions>): Promise<TicketView | null>;
  /** Finishes a pending multipart upload of this `file`: only the parts S3 lacks are sent. */
  resume(uploadId: string, file: Blob, options?: Partial<UseUploadOptions>): Promise<TicketView | null>;
  /** Stops the upload in flight and deletes its ticket; `status` becomes `aborted`. */
  abort(): void;
  /** Back to `idle` (not while uploading). */
  reset(): void;
}

const IDLE: UseUploadState = { status: "idle", progress: null, error: null, result: null };

/**
 * One upload's state for a component. Leaving the component does not cancel the upload (it
 * goes on, unseen); call `abort()` in your own effect cleanup if it should.
 */
export function useUpload(client: UploadClient, defaults: UseUploadOptions): UseUpload {
  const [state, setState] = useState<UseUploadState>(IDLE);
  const running = useRef<AbortController | null>(null);
  const mounted = useRef(true);
  const latest = useRef({ client, defaults });
  latest.current = { client, defaults };
  useEffect(() => {
    mounted.current = true;
    return () => void (mounted.current = false);
  }, []);
  const update = (next: Partial<UseUploadState>) => mounted.current && setState((s) => ({ ...s, ...next }));

  const run = useCallback(async (file: Blob, options: Partial<UseUploadOptions> | undefined, resumeUploadId?: string) => {
    if (running.current) throw new Error("useUpload: an upload is already running; abort() it first, or use one useUpload per file.");
    const controller = (running.current = new AbortController());
    update({ status: "uploading", progress: { loaded: 0, total: file.size }, error: null, result: null });
    try {
      const view = await latest.current.client.upload(file, {
        ...latest.current.defaults,
        ...options,
        ...(resumeUploadId ? { resumeUploadId } : {}),
        signal: controller.signal,
        onProgress: (progress) => update({ progress }),
      });
      if (!VERDICTS.has(view.status)) throw new UploadError(0, "unexpected_status", `Upload ${view.uploadId} ended ${view.status}.`);
      update({ status: view.status as UseUploadStatus, result: view });
      return view;
    } catch (thrown) {
      const error = thrown instanceof UploadError ? thrown : new UploadError(0, "unexpected_error", String((thrown as Error)?.message ?? thrown));
      update({ status: error.code === "aborted" ? "aborted" : "error", error });
      return null;
    } finally {
      running.current = null;
    }
  }, []);

  return {
    ...state,
    start: useCallback((file, options) => run(file, options), [run]),
    resume: useCallback((uploadId, file, options) => run(file, options, uploadId), [run]),
    abort: useCallback(() => running.current?.abort(), []),
    reset: useCallback(() => void (running.current || update(IDLE)), []),
  };
}
