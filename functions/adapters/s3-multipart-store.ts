import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { StorageUnsupportedError, ValidationError } from "../errors.js";
import type { MultipartStore, StoredPart } from "../ports.js";
import { httpStatus } from "./aws.js";

export interface S3MultipartStoreOptions {
  /**
   * How long AbortMultipartUpload may take, retries included, before it fails (and the ticket
   * stays pending, so the delete can be retried): a cancel must answer, even while a part still
   * streams into the storage. @default 5000
   */
  abortTimeoutMs?: number;
}

/** S3's answer when an upload id names nothing (any more): completed or aborted. */
const gone = (error: unknown) => {
  const { name } = error as { name?: string };
  // AWS answers NoSuchUpload; Ceph RGW NoSuchKey (404) after completion or abort.
  return name === "NoSuchUpload" || name === "NoSuchKey" || httpStatus(error) === 404;
};

/**
 * An S3-compatible server without the operation answers 501 NotImplemented: the broker answers
 * 501 `storage_unsupported` naming it, not a 500.
 */
function unsupported(error: unknown, operation: string): never {
  if ((error as { name?: string }).name === "NotImplemented" || httpStatus(error) === 501) {
    throw new StorageUnsupportedError(`The S3-compatible server behind the broker has no ${operation} (it answered 501 NotImplemented); use one that has it, such as AWS S3, Ceph RGW or MinIO.`);
  }
  throw error;
}

/** S3 refused the part list: a wrong or missing part, parts out of order, a part too small. */
const refusedParts = (error: unknown) =>
  /^(InvalidPart|InvalidPartOrder|EntityTooSmall|MalformedXML)$/.test((error as { name?: string }).name ?? "");

/** Multipart uploads with the SDK's S3 client (the part URLs are presigned by `PutPresigner`). */
export class S3MultipartStore implements MultipartStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly options: S3MultipartStoreOptions = {},
  ) {}

  async create(key: string, contentType: string, metadata: Record<string, string>): Promise<string> {
    const { UploadId } = await this.client.send(
      new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key, ContentType: contentType, Metadata: metadata }),
    );
    if (!UploadId) throw new Error("CreateMultipartUpload answered without an UploadId");
    return UploadId;
  }

  async listParts(key: string, s3UploadId: string): Promise<StoredPart[]> {
    const parts: StoredPart[] = [];
    let marker: string | undefined;
    try {
      do {
        const page = await this.client.send(
          new ListPartsCommand({ Bucket: this.bucket, Key: key, UploadId: s3UploadId, ...(marker ? { PartNumberMarker: marker } : {}) }),
        );
        for (const p of page.Parts ?? []) parts.push({ partNumber: p.PartNumber!, size: p.Size ?? 0, etag: (p.ETag ?? "").replace(/^"|"$/g, "") });
        marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
      } while (marker);
    } catch (error) {
      if (gone(error)) return [];
      unsupported(error, "ListParts");
    }
    return parts;
  }

  async complete(key: string, s3UploadId: string, parts: Array<{ partNumber: number; etag: string }>): Promise<void> {
    try {
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: key,
          UploadId: s3UploadId,
          // The key is the ticket's own: never let completing replace an object there (AWS
          // honours this; Ceph RGW 16 ignores it, and the record step checks what is there).
          IfNoneMatch: "*",
          MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: `"${p.etag.replace(/^"|"$/g, "")}"` })) },
        }),
      );
    } catch (error) {
      // Completed already (a retry after a lost answer): AWS refuses the repeat with 412 (the
      // key now exists) or NoSuchUpload. The record step then looks at what is there.
      if (gone(error) || httpStatus(error) === 412) return;
      if (refusedParts(error)) {
        throw new ValidationError([{ path: "parts", message: `S3 refused the part list: ${(error as Error).message}` }]);
      }
      throw error;
    }
  }

  async abort(key: string, s3UploadId: string): Promise<void> {
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: s3UploadId }), {
        abortSignal: AbortSignal.timeout(this.options.abortTimeoutMs ?? 5000),
      });
    } catch (error) {
      if (!gone(error)) unsupported(error, "AbortMultipartUpload");
    }
  }
}
