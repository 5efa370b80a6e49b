/** AbortMultipartUpload is bounded: a cancel answers even when the storage does not. */
import type { S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { S3MultipartStore } from "../../functions/adapters/s3-multipart-store.js";

describe("S3MultipartStore.abort", () => {
  it("gives up after abortTimeoutMs when S3 holds the request, and answers at once when S3 does", async () => {
    const held = { send: (_: unknown, options?: { abortSignal?: AbortSignal }) =>
      new Promise((_, reject) => options?.abortSignal?.addEventListener("abort", () => reject(options.abortSignal!.reason))) } as unknown as S3Client;
    const started = Date.now();
    await expect(new S3MultipartStore(held, "b", { abortTimeoutMs: 200 }).abort("k", "u")).rejects.toMatchObject({ name: "TimeoutError" });
    expect(Date.now() - started).toBeLessThan(1000);
    const quick = { send: async () => ({}) } as unknown as S3Client;
    await expect(new S3MultipartStore(quick, "b").abort("k", "u")).resolves.toBeUndefined();
  });
});
