/**
 * Part digests for `content-md5`: S3 (and every S3-compatible server) refuses a part whose bytes
 * do not have the MD5 its URL signed. Web Crypto has no MD5, so it is computed here: in a Worker
 * where the platform has one (browsers), on the calling thread elsewhere (React Native, Node).
 */

/**
 * The base64 MD5 (RFC 1321) of `data`. Self-contained (no outer name, no helper), so its source
 * also runs as a Worker's. Assumes a little-endian platform, as every browser and phone is.
 * Whole 64-byte blocks are read in place as 32-bit words and the 64 steps are written out (some
 * 5× the speed of a loop over the step tables, which matters where no Worker runs it); only the
 * last block or two, with the padding and the length, are copied.
 */
export function md5(data: Uint8Array): string {
  let h0 = 0x67452301, h1 = 0xefcdab89 | 0, h2 = 0x98badcfe | 0, h3 = 0x10325476;
  const blocks = (x: Int32Array) => {
    for (let o = 0; o < x.length; o += 16) {
      let a = h0, b = h1, c = h2, d = h3;
      a = (a + (d ^ (b & (c ^ d))) + x[o + 0]! + -680876936) | 0; a = (((a << 7) | (a >>> 25)) + b) | 0;
      d = (d + (c ^ (a & (b ^ c))) + x[o + 1]! + -389564586) | 0; d = (((d << 12) | (d >>> 20)) + a) | 0;
      c = (c + (b ^ (d & (a ^ b))) + x[o + 2]! + 606105819) | 0; c = (((c << 17) | (c >>> 15)) + d) | 0;
      b = (b + (a ^ (c & (d ^ a))) + x[o + 3]! + -1044525330) | 0; b = (((b << 22) | (b >>> 10)) + c) | 0;
      a = (a + (d ^ (b & (c ^ d))) + x[o + 4]! + -176418897) | 0; a = (((a << 7) | (a >>> 25)) + b) | 0;
      d = (d + (c ^ (a & (b ^ c))) + x[o + 5]! + 1200080426) | 0; d = (((d << 12) | (d >>> 20)) + a) | 0;
      c = (c + (b ^ (d & (a ^ b))) + x[o + 6]! + -1473231341) | 0; c = (((c << 17) | (c >>> 15)) + d) | 0;
      b = (b + (a ^ (c & (d ^ a))) + x[o + 7]! + -45705983) | 0; b = (((b << 22) | (b >>> 10)) + c) | 0;
      a = (a + (d ^ (b & (c ^ d))) + x[o + 8]! + 1770035416) | 0; a = (((a << 7) | (a >>> 25)) + b) | 0;
      d = (d + (c ^ (a & (b ^ c))) + x[o + 9]! + -1958414417) | 0; d = (((d << 12) | (d >>> 20)) + a) | 0;
      c = (c + (b ^ (d & (a ^ b))) + x[o + 10]! + -42063) | 0; c = (((c << 17) | (c >>> 15)) + d) | 0;
      b = (b + (a ^ (c & (d ^ a))) + x[o + 11]! + -1990404162) | 0; b = (((b << 22) | (b >>> 10)) + c) | 0;
      a = (a + (d ^ (b & (c ^ d))) + x[o + 12]! + 1804603682) | 0; a = (((a << 7) | (a >>> 25)) + b) | 0;
      d = (d + (c ^ (a & (b ^ c))) + x[o + 13]! + -40341101) | 0; d = (((d << 12) | (d >>> 20)) + a) | 0;
      c = (c + (b ^ (d & (a ^ b))) + x[o + 14]! + -1502002290) | 0; c = (((c << 17) | (c >>> 15)) + d) | 0;
      b = (b + (a ^ (c & (d ^ a))) + x[o + 15]! + 1236535329) | 0; b = (((b << 22) | (b >>> 10)) + c) | 0;
      a = (a + (c ^ (d & (b ^ c))) + x[o + 1]! + -165796510) | 0; a = (((a << 5) | (a >>> 27)) + b) | 0;
      d = (d + (b ^ (c & (a ^ b))) + x[o + 6]! + -1069501632) | 0; d = (((d << 9) | (d >>> 23)) + a) | 0;
      c = (c + (a ^ (b & (d ^ a))) + x[o + 11]! + 643717713) | 0; c = (((c << 14) | (c >>> 18)) + d) | 0;
      b = (b + (d ^ (a & (c ^ d))) + x[o + 0]! + -373897302) | 0; b = (((b << 20) | (b >>> 12)) + c) | 0;
      a = (a + (c ^ (d & (b ^ c))) + x[o + 5]! + -701558691) | 0; a = (((a << 5) | (a >>> 27)) + b) | 0;
      d = (d + (b ^ (c & (a ^ b))) + x[o + 10]! + 38016083) | 0; d = (((d << 9) | (d >>> 23)) + a) | 0;
      c = (c + (a ^ (b & (d ^ a))) + x[o + 15]! + -660478335) | 0; c = (((c << 14) | (c >>> 18)) + d) | 0;
      b = (b + (d ^ (a & (c ^ d))) + x[o + 4]! + -405537848) | 0; b = (((b << 20) | (b >>> 12)) + c) | 0;
      a = (a + (c ^ (d & (b ^ c))) + x[o + 9]! + 568446438) | 0; a = (((a << 5) | (a >>> 27)) + b) | 0;
      d = (d + (b ^ (c & (a ^ b))) + x[o + 14]! + -1019803690) | 0; d = (((d << 9) | (d >>> 23)) + a) | 0;
      c = (c + (a ^ (b & (d ^ a))) + x[o + 3]! + -187363961) | 0; c = (((c << 14) | (c >>> 18)) + d) | 0;
      b = (b + (d ^ (a & (c ^ d))) + x[o + 8]! + 1163531501) | 0; b = (((b << 20) | (b >>> 12)) + c) | 0;
      a = (a + (c ^ (d & (b ^ c))) + x[o + 13]! + -1444681467) | 0; a = (((a << 5) | (a >>> 27)) + b) | 0;
      d = (d + (b ^ (c & (a ^ b))) + x[o + 2]! + -51403784) | 0; d = (((d << 9) | (d >>> 23)) + a) | 0;
      c = (c + (a ^ (b & (d ^ a))) + x[o + 7]! + 1735328473) | 0; c = (((c << 14) | (c >>> 18)) + d) | 0;
      b = (b + (d ^ (a & (c ^ d))) + x[o + 12]! + -1926607734) | 0; b = (((b << 20) | (b >>> 12)) + c) | 0;
      a = (a + (b ^ c ^ d) + x[o + 5]! + -378558) | 0; a = (((a << 4) | (a >>> 28)) + b) | 0;
      d = (d + (a ^ b ^ c) + x[o + 8]! + -2022574463) | 0; d = (((d << 11) | (d >>> 21)) + a) | 0;
      c = (c + (d ^ a ^ b) + x[o + 11]! + 1839030562) | 0; c = (((c << 16) | (c >>> 16)) + d) | 0;
      b = (b + (c ^ d ^ a) + x[o + 14]! + -35309556) | 0; b = (((b << 23) | (b >>> 9)) + c) | 0;
      a = (a + (b ^ c ^ d) + x[o + 1]! + -1530992060) | 0; a = (((a << 4) | (a >>> 28)) + b) | 0;
      d = (d + (a ^ b ^ c) + x[o + 4]! + 1272893353) | 0; d = (((d << 11) | (d >>> 21)) + a) | 0;
      c = (c + (d ^ a ^ b) + x[o + 7]! + -155497632) | 0; c = (((c << 16) | (c >>> 16)) + d) | 0;
      b = (b + (c ^ d ^ a) + x[o + 10]! + -1094730640) | 0; b = (((b << 23) | (b >>> 9)) + c) | 0;
      a = (a + (b ^ c ^ d) + x[o + 13]! + 681279174) | 0; a = (((a << 4) | (a >>> 28)) + b) | 0;
      d = (d + (a ^ b ^ c) + x[o + 0]! + -358537222) | 0; d = (((d << 11) | (d >>> 21)) + a) | 0;
      c = (c + (d ^ a ^ b) + x[o + 3]! + -722521979) | 0; c = (((c << 16) | (c >>> 16)) + d) | 0;
      b = (b + (c ^ d ^ a) + x[o + 6]! + 76029189) | 0; b = (((b << 23) | (b >>> 9)) + c) | 0;
      a = (a + (b ^ c ^ d) + x[o + 9]! + -640364487) | 0; a = (((a << 4) | (a >>> 28)) + b) | 0;
      d = (d + (a ^ b ^ c) + x[o + 12]! + -421815835) | 0; d = (((d << 11) | (d >>> 21)) + a) | 0;
      c = (c + (d ^ a ^ b) + x[o + 15]! + 530742520) | 0; c = (((c << 16) | (c >>> 16)) + d) | 0;
      b = (b + (c ^ d ^ a) + x[o + 2]! + -995338651) | 0; b = (((b << 23) | (b >>> 9)) + c) | 0;
      a = (a + (c ^ (b | ~d)) + x[o + 0]! + -198630844) | 0; a = (((a << 6) | (a >>> 26)) + b) | 0;
      d = (d + (b ^ (a | ~c)) + x[o + 7]! + 1126891415) | 0; d = (((d << 10) | (d >>> 22)) + a) | 0;
      c = (c + (a ^ (d | ~b)) + x[o + 14]! + -1416354905) | 0; c = (((c << 15) | (c >>> 17)) + d) | 0;
      b = (b + (d ^ (c | ~a)) + x[o + 5]! + -57434055) | 0; b = (((b << 21) | (b >>> 11)) + c) | 0;
      a = (a + (c ^ (b | ~d)) + x[o + 12]! + 1700485571) | 0; a = (((a << 6) | (a >>> 26)) + b) | 0;
      d = (d + (b ^ (a | ~c)) + x[o + 3]! + -1894986606) | 0; d = (((d << 10) | (d >>> 22)) + a) | 0;
      c = (c + (a ^ (d | ~b)) + x[o + 10]! + -1051523) | 0; c = (((c << 15) | (c >>> 17)) + d) | 0;
      b = (b + (d ^ (c | ~a)) + x[o + 1]! + -2054922799) | 0; b = (((b << 21) | (b >>> 11)) + c) | 0;
      a = (a + (c ^ (b | ~d)) + x[o + 8]! + 1873313359) | 0; a = (((a << 6) | (a >>> 26)) + b) | 0;
      d = (d + (b ^ (a | ~c)) + x[o + 15]! + -30611744) | 0; d = (((d << 10) | (d >>> 22)) + a) | 0;
      c = (c + (a ^ (d | ~b)) + x[o + 6]! + -1560198380) | 0; c = (((c << 15) | (c >>> 17)) + d) | 0;
      b = (b + (d ^ (c | ~a)) + x[o + 13]! + 1309151649) | 0; b = (((b << 21) | (b >>> 11)) + c) | 0;
      a = (a + (c ^ (b | ~d)) + x[o + 4]! + -145523070) | 0; a = (((a << 6) | (a >>> 26)) + b) | 0;
      d = (d + (b ^ (a | ~c)) + x[o + 11]! + -1120210379) | 0; d = (((d << 10) | (d >>> 22)) + a) | 0;
      c = (c + (a ^ (d | ~b)) + x[o + 2]! + 718787259) | 0; c = (((c << 15) | (c >>> 17)) + d) | 0;
      b = (b + (d ^ (c | ~a)) + x[o + 9]! + -343485551) | 0; b = (((b << 21) | (b >>> 11)) + c) | 0;
      h0 = (h0 + a) | 0;
      h1 = (h1 + b) | 0;
      h2 = (h2 + c) | 0;
      h3 = (h3 + d) | 0;
    }
  };
  const n = data.length;
  const whole = n - (n & 63);
  // In place where the bytes start on a word boundary (a Blob's buffer does), else copied.
  blocks((data.byteOffset & 3) === 0 ? new Int32Array(data.buffer, data.byteOffset, whole >>> 2) : new Int32Array(data.slice(0, whole).buffer));
  // The rest, 0x80, zeros, and the length in bits (64-bit little-endian): one or two blocks.
  const tail = new Uint8Array((n & 63) < 56 ? 64 : 128);
  tail.set(data.subarray(whole));
  tail[n & 63] = 0x80;
  const words = new Int32Array(tail.buffer);
  words[words.length - 2] = n << 3;
  words[words.length - 1] = Math.floor(n / 0x20000000);
  blocks(words);
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
