/** S3MultipartStore's answers to what an S3-compatible server may refuse, and its bounded abort. */
import { describe, expect, it } from "vitest";
import { S3MultipartStore } from "../../functions/adapters/s3-multipart-store.js";
import type { S3Rest } from "../../functions/adapters/s3-rest.js";
import { StorageUnsupportedError } from "../../functions/errors.js";

/** A transport whose every request fails as a server answering `name` with `status` would. */
const failing = (name: string, status: number) => {
  const fail = async () => Promise.reject(Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } }));
  return { send: fail, xml: fail } as unknown as S3Rest;
};

describe("S3MultipartStore", () => {
  it.each([
    ["ListParts", (store: S3MultipartStore) => store.listParts("k", "u")],
    ["AbortMultipartUpload", (store: S3MultipartStore) => store.abort("k", "u")],
  ])("turns a server's 501 NotImplemented for %s into 501 storage_unsupported naming it", async (operation, call) => {
    const refused = call(new S3MultipartStore(failing("NotImplemented", 501)));
    await expect(refused).rejects.toBeInstanceOf(StorageUnsupportedError);
    await expect(refused).rejects.toMatchObject({ status: 501, code: "storage_unsupported", message: expect.stringContaining(operation) });
  });

  it("treats an upload that is gone as no parts, and an abort of it as done", async () => {
    const store = new S3MultipartStore(failing("NoSuchUpload", 404));
    expect(await store.listParts("k", "u")).toEqual([]);
    await expect(store.abort("k", "u")).resolves.toBeUndefined();
  });

  it("lets any other failure through", async () => {
    await expect(new S3MultipartStore(failing("InternalError", 500)).listParts("k", "u")).rejects.toMatchObject({ name: "InternalError" });
  });

  it("gives up an abort after abortTimeoutMs when S3 holds the request, and answers at once when S3 does", async () => {
    const held = { send: () => new Promise(() => {}) } as unknown as S3Rest;
    const started = Date.now();
    await expect(new S3MultipartStore(held, { abortTimeoutMs: 200 }).abort("k", "u")).rejects.toMatchObject({ name: "TimeoutError" });
    expect(Date.now() - started).toBeLessThan(1000);
    const quick = { send: async () => ({ status: 204, headers: {}, body: Buffer.alloc(0) }) } as unknown as S3Rest;
    await expect(new S3MultipartStore(quick).abort("k", "u")).resolves.toBeUndefined();
  });
});
