/**
 * Content-MD5 and x-amz-checksum-* at the embedded bucket's door: a body that carries one is
 * written to a temporary file while the SDK's own checksum classes hash it, and refused with
 * S3's BadDigest when a digest differs (InvalidDigest / InvalidRequest when one is malformed).
 */
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Crc32, Crc32c, Crc64Nvme } from "@aws-sdk/checksums/crc";
import { Md5, Sha256 } from "@smithy/core/checksum";
import { header } from "./s3-door-auth.js";
import { s3Errors } from "./s3-door-errors.js";

interface Hash {
  update(data: Uint8Array): void;
  digest(): Promise<Uint8Array>;
}

class Sha1 implements Hash {
  private readonly hash = createHash("sha1");
  update(data: Uint8Array) {
    this.hash.update(data);
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
}

/** Each digest header S3 checks a body against: its name in S3's messages, hash and length. */
const DIGESTS: Record<string, { name: string; hash: () => Hash; bytes: number }> = {
  "content-md5": { name: "Content-MD5", hash: () => new Md5(), bytes: 16 },
  "x-amz-checksum-crc32": { name: "CRC32", hash: () => new Crc32(), bytes: 4 },
  "x-amz-checksum-crc32c": { name: "CRC32C", hash: () => new Crc32c(), bytes: 4 },
  "x-amz-checksum-crc64nvme": { name: "CRC64NVME", hash: () => new Crc64Nvme(), bytes: 8 },
  "x-amz-checksum-sha1": { name: "SHA1", hash: () => new Sha1(), bytes: 20 },
  "x-amz-checksum-sha256": { name: "SHA256", hash: () => new Sha256(), bytes: 32 },
};

/** The digest headers a request carries. */
export const digestHeaders = (headers: IncomingHttpHeaders) => Object.keys(DIGESTS).filter((name) => header(headers, name) !== undefined);

/**
 * Writes the body to a temporary file, hashing it on the way; answers the file (to hand on) or
 * throws S3's refusal. `dispose` removes the file.
 */
export async function checkedBody(req: IncomingMessage, names: string[]): Promise<{ path: string; dispose: () => Promise<void> }> {
  const expected = names.map((name) => {
    const value = header(req.headers, name)!;
    const bytes = Buffer.from(value, "base64");
    if (bytes.length !== DIGESTS[name]!.bytes || bytes.toString("base64") !== value) {
      throw name === "content-md5" ? s3Errors.invalidDigest() : s3Errors.invalidRequest(`Value for ${name} header is invalid.`);
    }
    return { name, value, hash: DIGESTS[name]!.hash() };
  });
  const dir = await mkdtemp(join(tmpdir(), "upload-broker-put-"));
  const path = join(dir, "body");
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        for (const e of expected) e.hash.update(chunk);
        done(null, chunk);
      },
    });
    await pipeline(req, hashing, createWriteStream(path));
    for (const e of expected) {
      if (Buffer.from(await e.hash.digest()).toString("base64") !== e.value) throw s3Errors.badDigest(DIGESTS[e.name]!.name);
    }
    return { path, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}
