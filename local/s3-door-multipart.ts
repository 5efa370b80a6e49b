/**
 * The multipart operations s3rver lacks or gets wrong, answered at the embedded bucket's door
 * from s3rver's own files: an upload is the folder `<dir>/<bucket>/._S3rver_uploads/<uploadId>/`
 * holding `key`, `metadata` (the initiating request's headers) and each part as `<N>` with its
 * hex MD5 in `<N>.md5` (s3rver 3's FilesystemStore). ListParts and AbortMultipartUpload are
 * answered here; UploadPart and CompleteMultipartUpload are checked here (NoSuchUpload,
 * InvalidPart, InvalidPartOrder, EntityTooSmall, as S3 answers them) and then left to s3rver.
 */
import { readdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { parseXML, XmlNode } from "@aws-sdk/xml-builder";
import { MIN_PART_BYTES } from "../functions/domain/limits.js";
import { S3_NAMESPACE, s3Errors, XML_DECLARATION } from "./s3-door-errors.js";

/** s3rver names its upload ids so: 16 random bytes in hex. Anything else names no upload (and no path). */
const UPLOAD_ID = /^[0-9a-f]{32}$/;
const MAX_PARTS_PER_PAGE = 1000;
/** s3rver's account, as it names the owner of everything. */
const OWNER = { id: "123456789000", name: "S3rver" };

interface Part {
  partNumber: number;
  size: number;
  etag: string;
  lastModified: Date;
}

export class EmbeddedUploads {
  constructor(private readonly dir: string) {}

  /** The upload's folder, when `uploadId` names an upload of `key` in `bucket`; else NoSuchUpload. */
  async folder(bucket: string, key: string, uploadId: string): Promise<string> {
    const folder = join(this.dir, bucket, "._S3rver_uploads", uploadId);
    const stored = UPLOAD_ID.test(uploadId) ? await readFile(join(folder, "key"), "utf8").catch(() => undefined) : undefined;
    if (stored !== key) throw s3Errors.noSuchUpload(uploadId);
    return folder;
  }

  async parts(folder: string): Promise<Part[]> {
    const names = (await readdir(folder)).filter((name) => /^[1-9]\d{0,4}$/.test(name));
    const parts = await Promise.all(
      names.map(async (name) => {
        const [info, md5] = await Promise.all([stat(join(folder, name)), readFile(join(folder, `${name}.md5`), "utf8").catch(() => undefined)]);
        return md5 === undefined ? undefined : { partNumber: Number(name), size: info.size, etag: md5.trim(), lastModified: info.mtime };
      }),
    );
    // A part still being written has no MD5 yet: S3 lists a part once it is stored.
    return parts.filter((p): p is Part => p !== undefined).sort((a, b) => a.partNumber - b.partNumber);
  }

  /** ListParts: `max-parts` (at most 1000) from after `part-number-marker`, in S3's XML. */
  async listParts(bucket: string, key: string, uploadId: string, query: { maxParts?: string; marker?: string }): Promise<string> {
    const folder = await this.folder(bucket, key, uploadId);
    const maxParts = integer(query.maxParts, "max-parts", MAX_PARTS_PER_PAGE);
    const marker = integer(query.marker, "part-number-marker", 0);
    const after = (await this.parts(folder)).filter((p) => p.partNumber > marker);
    const page = after.slice(0, Math.min(maxParts, MAX_PARTS_PER_PAGE));
    const truncated = after.length > page.length;
    const owner = (name: string) => new XmlNode(name).c(XmlNode.of("ID", OWNER.id)).c(XmlNode.of("DisplayName", OWNER.name));
    const root = new XmlNode("ListPartsResult")
      .a("xmlns", S3_NAMESPACE)
      .c(XmlNode.of("Bucket", bucket))
      .c(XmlNode.of("Key", key))
      .c(XmlNode.of("UploadId", uploadId))
      .c(owner("Initiator"))
      .c(owner("Owner"))
      .c(XmlNode.of("StorageClass", "STANDARD"))
      .c(XmlNode.of("PartNumberMarker", String(marker)))
      .c(XmlNode.of("NextPartNumberMarker", String(page.at(-1)?.partNumber ?? 0)))
      .c(XmlNode.of("MaxParts", String(maxParts)))
      .c(XmlNode.of("IsTruncated", String(truncated)));
    for (const p of page) {
      root.c(
        new XmlNode("Part")
          .c(XmlNode.of("PartNumber", String(p.partNumber)))
          .c(XmlNode.of("LastModified", p.lastModified.toISOString()))
          .c(XmlNode.of("ETag", `"${p.etag}"`))
          .c(XmlNode.of("Size", String(p.size))),
      );
    }
    return XML_DECLARATION + root.toString();
  }

  /** Whether `key` holds an object (s3rver keeps it as `<folders>/<name>._S3rver_object`). */
  async objectExists(bucket: string, key: string): Promise<boolean> {
    const folders = key.split("/");
    const name = folders.pop()!;
    return stat(join(this.dir, bucket, ...folders, `${name}._S3rver_object`)).then(
      (info) => info.isFile(),
      () => false,
    );
  }

  /** AbortMultipartUpload: the upload and every part it holds are gone. */
  async abort(bucket: string, key: string, uploadId: string): Promise<void> {
    await rm(await this.folder(bucket, key, uploadId), { recursive: true, force: true });
  }

  /**
   * What S3 checks of a CompleteMultipartUpload body before it builds the object: parts in
   * ascending order, each one stored with the ETag given, each but the last at least 5 MiB.
   */
  async checkComplete(bucket: string, key: string, uploadId: string, body: string): Promise<void> {
    const folder = await this.folder(bucket, key, uploadId);
    let listed: Array<{ partNumber: number; etag: string }>;
    try {
      const parts = (parseXML(body) as { CompleteMultipartUpload?: { Part?: unknown } }).CompleteMultipartUpload?.Part;
      listed = (Array.isArray(parts) ? parts : parts === undefined ? [] : [parts]).map((p: { PartNumber?: unknown; ETag?: unknown }) => ({
        partNumber: /^\d+$/.test(String(p.PartNumber)) ? Number(p.PartNumber) : NaN,
        etag: typeof p.ETag === "string" ? p.ETag.replace(/"/g, "") : "",
      }));
    } catch {
      throw s3Errors.malformedXml();
    }
    if (listed.length === 0 || listed.some((p) => Number.isNaN(p.partNumber))) throw s3Errors.malformedXml();
    if (listed.some((p, i) => i > 0 && p.partNumber <= listed[i - 1]!.partNumber)) throw s3Errors.invalidPartOrder();
    const stored = new Map((await this.parts(folder)).map((p) => [p.partNumber, p]));
    const found = listed.map((p) => stored.get(p.partNumber));
    if (found.some((part, i) => part?.etag !== listed[i]!.etag)) throw s3Errors.invalidPart();
    const small = found.findIndex((part, i) => i < found.length - 1 && part!.size < MIN_PART_BYTES);
    if (small >= 0) throw s3Errors.tooSmall(found[small]!.size, MIN_PART_BYTES);
  }
}

function integer(raw: string | undefined, name: string, fallback: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d{1,9}$/.test(raw)) throw s3Errors.invalidArgument(`Provided ${name} not an integer or within integer range`);
  return Number(raw);
}
