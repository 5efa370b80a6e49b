/**
 * Part digests for `content-md5`: S3 (and every S3-compatible server) refuses a part whose bytes
 * do not have the MD5 its URL signed. Web Crypto has no MD5, so it is computed here: in a Worker
 * where the platform has one (browsers), on the calling thread elsewhere (React Native, Node).
 */

/**
 * The base64 MD5 (RFC 1321) of `data`. Self-contained (no outer name, no helper), so its source
 * also runs as a Worker's. Assumes a little-endian platform, as every browser and phone is.
 */
export function md5(data: Uint8Array): string {
  const K = new Int32Array([
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1,
    0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x2441453,
    0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942,
    0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x4881d05,
    0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d,
    0x85845dd1, 0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
  ]);
  const S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
  // The message word each step reads.
  const G = new Uint8Array(64).map((_, i) => (i < 16 ? i : i < 32 ? 5 * i + 1 : i < 48 ? 3 * i + 5 : 7 * i) & 15);
  const n = data.length;
  // The message, 0x80, zeros, and its length in bits (64-bit little-endian), in 64-byte blocks.
  const padded = new Uint8Array((((n + 8) >>> 6) + 1) * 64);
  padded.set(data);
  padded[n] = 0x80;
  const words = new Int32Array(padded.buffer);
  words[words.length - 2] = n << 3;
  words[words.length - 1] = Math.floor(n / 0x20000000);
  let h0 = 0x67452301, h1 = 0xefcdab89 | 0, h2 = 0x98badcfe | 0, h3 = 0x10325476;
  for (let block = 0; block < words.length; block += 16) {
    let a = h0, b = h1, c = h2, d = h3;
    for (let i = 0; i < 64; i++) {
      const f = i < 16 ? d ^ (b & (c ^ d)) : i < 32 ? c ^ (d & (b ^ c)) : i < 48 ? b ^ c ^ d : c ^ (b | ~d);
      const x = (a + f + K[i]! + words[block + G[i]!]!) | 0;
      const s = S[((i >> 4) << 2) | (i & 3)]!;
      a = d;
      d = c;
      c = b;
      b = (b + ((x << s) | (x >>> (32 - s)))) | 0;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
  }
  const bytes = new Uint8Array(new Int32Array([h0, h1, h2, h3]).buffer);
  const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  let out = "";
  for (let i = 0; i < 16; i += 3) {
    const v = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += abc[v >> 18]! + abc[(v >> 12) & 63]! + (i + 1 < 16 ? abc[(v >> 6) & 63]! : "=") + (i + 2 < 16 ? abc[v & 63]! : "=");
  }
  return out;
}

/** A Blob's bytes: `arrayBuffer()` where Blobs have it, a FileReader where they do not (older React Native). */
const bytesOf = (blob: Blob): Promise<ArrayBuffer> =>
  blob.arrayBuffer
    ? blob.arrayBuffer()
    : new Promise((resolve, reject) => {
        const reader = new FileReader();
        reader.onload = () => resolve(reader.result as ArrayBuffer);
        reader.onerror = () => reject(reader.error);
        reader.readAsArrayBuffer(blob);
      });

let worker: Worker | null | undefined;
/** The parts handed to the Worker, in order, with what waits for each digest. */
const waiting: Array<{ part: Blob; resolve: (digest: string) => void }> = [];

/** The digest on this thread (no Worker, or the Worker failed). */
const here = async (part: Blob) => md5(new Uint8Array(await bytesOf(part)));

/** One Worker running `md5` on the bytes it is handed (transferred, not copied); null where none can start. */
function md5Worker(): Worker | null {
  if (worker !== undefined) return worker;
  try {
    const source = `onmessage=e=>postMessage((${md5})(new Uint8Array(e.data)))`;
    worker = new Worker(URL.createObjectURL(new Blob([source], { type: "text/javascript" })));
    // Answers come back in the order the parts were sent.
    worker.onmessage = (e: MessageEvent<string>) => waiting.shift()!.resolve(e.data);
    // A blob: worker a CSP refuses fails to load with an error event, not an exception: hash
    // what it was handed here instead, and every part after it.
    worker.onerror = () => {
      worker = null;
      for (const { part, resolve } of waiting.splice(0)) void here(part).then(resolve);
    };
  } catch {
    worker = null; // no Worker (React Native, Node), or a CSP without blob: workers
  }
  return worker;
}

/** The base64 MD5 of a part (or a whole file), off the main thread where the platform allows it. */
export async function partMd5(part: Blob): Promise<string> {
  const w = md5Worker();
  if (!w) return here(part);
  const buffer = await bytesOf(part);
  if (worker !== w) return here(part); // the Worker failed meanwhile
  return new Promise((resolve) => {
    waiting.push({ part, resolve });
    w.postMessage(buffer, [buffer]);
  });
}
