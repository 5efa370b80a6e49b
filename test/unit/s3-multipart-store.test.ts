/** S3MultipartStore's answers to what an S3-compatible server may refuse, and its bounded abort. */
import type { S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { S3MultipartStore } from "../../functions/adapters/s3-multipart-store.js";
import { StorageUnsupportedError } from "../../functions/errors.js";

/** A client whose every request fails as a server answering `name` with `status` would. */
const failing = (name: string, status: number) =>
  ({ send: async () => Promise.reject(Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } })) }) as unknown as S3Client;

describe("S3MultipartStore", () => {
  it.each([
    ["ListParts", (store: S3MultipartStore) => store.listParts("k", "u")],
    ["AbortMultipartUpload", (store: S3MultipartStore) => store.abort("k", "u")],
  ])("turns a server's 501 NotImplemented for %s into 501 storage_unsupported naming it", async (operation, call) => {
    const refused = call(new S3MultipartStore(failing("NotImplemented", 501), "b"));
    await expect(refused).rejects.toBeInstanceOf(StorageUnsupportedError);
    await expect(refused).rejects.toMatchObject({ status: 501, code: "storage_unsupported", message: expect.stringContaining(operation) });
  });

  it("treats an upload that is gone as no parts, and an abort of it as done", async () => {
    const store = new S3MultipartStore(failing("NoSuchUpload", 404), "b");
    expect(await store.listParts("k", "u")).toEqual([]);
    await expect(store.abort("k", "u")).resolves.toBeUndefined();
  });

  it("lets any other failure through", async () => {
    await expect(new S3MultipartStore(failing("InternalError", 500), "b").listParts("k", "u")).rejects.toMatchObject({ name: "InternalError" });
  });
});
