// The page of the Uppy browser test: the real @uppy/core and @uppy/aws-s3, unpatched, bundled by
// esbuild. The only addition is the fetch wrapper of docs/uppy.md, which adds the bearer token to
// requests under the Companion endpoint. Plain JS: the project's tsconfig has no DOM types.
import Uppy from "@uppy/core";
import AwsS3 from "@uppy/aws-s3";

const realFetch = window.fetch.bind(window);

/**
 * Uploads one generated file through Uppy and answers what happened: each file's outcome and
 * every endpoint request with its status and JSON answer. `cancelAfterParts` calls cancelAll()
 * once that many parts are uploaded (no part in flight); `cancelAtBytes` once that many bytes
 * are sent (a part streaming).
 */
window.runUppy = async ({ endpoint, token, name, type, size, caption, multipart, cancelAfterParts, cancelAtBytes }) => {
  const log = [];
  // docs/uppy.md: the bearer token for requests under the endpoint only.
  window.fetch = async (input, init = {}) => {
    const url = typeof input === "string" ? input : input.url;
    if (!url.startsWith(`${endpoint}/`)) return realFetch(input, init);
    const headers = new Headers(init.headers);
    if (token) headers.set("authorization", `Bearer ${token}`);
    // Logged when sent (status 0 until answered), with the times a cancel's answer is judged by.
    const entry = { method: (init.method ?? "GET").toUpperCase(), url, status: 0, body: null, sentAt: performance.now(), answeredAt: undefined };
    log.push(entry);
    const res = await realFetch(input, { ...init, headers });
    entry.answeredAt = performance.now();
    entry.body = await res.clone().json().catch(() => null);
    // The status last: an entry with one has its body read too (the log may be read at any time).
    entry.status = res.status;
    return res;
  };
  try {
    const uppy = new Uppy({ autoProceed: false });
    uppy.use(AwsS3, { companionEndpoint: endpoint, shouldUseMultipart: () => multipart });
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i++) bytes[i] = (i * 31 + 7) % 251;
    // An MP4 file type box first: the record step checks the bytes are what the type says.
    bytes.set([0, 0, 0, 24, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d, 0, 0, 2, 0, 0x69, 0x73, 0x6f, 0x6d, 0x69, 0x73, 0x6f, 0x32].slice(0, size));
    uppy.addFile({ name, type, data: new Blob([bytes], { type }), meta: { caption } });
    let parts = 0;
    let cancelled;
    let sent = 0;
    if (cancelAfterParts !== undefined || cancelAtBytes !== undefined) {
      cancelled = new Promise((resolve) => {
        const cancel = () => {
          uppy.cancelAll();
          resolve(true);
        };
        uppy.on("s3-multipart:part-uploaded", () => ++parts === cancelAfterParts && cancel());
        uppy.on("upload-progress", (_file, progress) => {
          if (cancelAtBytes !== undefined && sent < cancelAtBytes && (sent = progress.bytesUploaded) >= cancelAtBytes) cancel();
        });
      });
    }
    const uploaded = uppy.upload();
    if (cancelled) {
      const done = await Promise.race([cancelled, uploaded.then(() => false)]);
      // The DELETE is fire-and-forget: wait up to 15 s for its answer.
      const answered = () => log.some((e) => e.method === "DELETE" && e.status !== 0);
      for (let i = 0; i < 300 && !answered(); i++) await new Promise((r) => setTimeout(r, 50));
      return { cancelled: done, log };
    }
    const result = await uploaded;
    return {
      successful: (result?.successful ?? []).map((f) => ({ name: f.name, key: f.response?.body?.key, location: f.response?.body?.location, uploadURL: f.response?.uploadURL })),
      failed: (result?.failed ?? []).map((f) => ({ name: f.name, error: String(f.error) })),
      log,
    };
  } finally {
    window.fetch = realFetch;
  }
};
