/**
 * Real files of a few KB, made in code, for the content checks: their headers are what the
 * formats specify, so a detection library identifies them as any real file of their type.
 */
import { randomBytes } from "node:crypto";
import { deflateSync } from "node:zlib";

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (bytes: Uint8Array) => {
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const u32 = (n: number) => Buffer.from([n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);

const pngChunk = (type: string, data: Uint8Array) => {
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  return Buffer.concat([u32(data.length), body, u32(crc32(body))]);
};

/** A valid RGB PNG of `width`×`height` noisy pixels (noise keeps it a few KB after deflate). */
export function png(width = 32, height = 32, seed = 1): Uint8Array {
  const rows = Buffer.alloc(height * (1 + width * 3));
  let x = seed;
  for (let i = 0; i < rows.length; i++) rows[i] = i % (1 + width * 3) === 0 ? 0 : (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  const ihdr = Buffer.concat([u32(width), u32(height), Buffer.from([8, 2, 0, 0, 0])]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr), pngChunk("IDAT", deflateSync(rows)), pngChunk("IEND", new Uint8Array()),
  ]);
}

/** A baseline JPEG's markers for a 1×1 grey image: SOI, APP0 (JFIF), DQT, SOF0, DHT, SOS, the scan, EOI. */
export function jpeg(padding = 2000): Uint8Array {
  const segment = (marker: number, data: number[]) => [0xff, marker, (data.length + 2) >> 8, (data.length + 2) & 0xff, ...data];
  return Uint8Array.from([
    0xff, 0xd8,
    ...segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0]),
    ...segment(0xfe, Array.from({ length: padding }, (_, i) => 0x20 + (i % 90))), // a comment, for size
    ...segment(0xdb, [0, ...Array.from({ length: 64 }, () => 1)]),
    ...segment(0xc0, [8, 0, 1, 0, 1, 1, 1, 0x11, 0]),
    ...segment(0xc4, [0x00, 1, ...Array.from({ length: 15 }, () => 0), 0]),
    ...segment(0xda, [1, 1, 0x00, 0, 63, 0]),
    0x00, 0xff, 0xd9,
  ]);
}

/** A one-page PDF 1.4 with a line of text. */
export function pdf(): Uint8Array {
  const text = "BT /F1 12 Tf 72 720 Td (Trust the bytes, not the label.) Tj ET";
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
    `<< /Length ${text.length} >>\nstream\n${text}\nendstream`,
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  ];
  let out = "%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n";
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, "latin1"));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, "latin1");
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("")}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, "latin1");
}

/** An MP4: an `ftyp` box (brand isom) and an `mdat` box of `size` bytes. */
export function mp4(size = 3000): Uint8Array {
  const box = (type: string, data: Uint8Array) => Buffer.concat([u32(8 + data.length), Buffer.from(type, "latin1"), data]);
  return Buffer.concat([box("ftyp", Buffer.from("isom\0\0\x02\0isomiso2mp41", "latin1")), box("mdat", randomBytes(size))]);
}

/** The header of a 64-bit little-endian ELF executable, padded to `size` bytes. */
export function elf(size = 2048): Uint8Array {
  const bytes = new Uint8Array(size);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
  bytes.set([2, 0, 0x3e, 0, 1, 0, 0, 0], 16); // ET_EXEC, x86-64, version 1
  return bytes;
}

/** An HTML page, the usual disguise of a script uploaded as an image. */
export const html = () => Buffer.from(`<!DOCTYPE html>\n<html><head><title>x</title></head><body><script>alert(document.cookie)</script>${"<p>hi</p>".repeat(200)}</body></html>\n`);

/** A CSV file of `rows` rows. */
export const csv = (rows = 100) => Buffer.from(["id,name,amount", ...Array.from({ length: rows }, (_, i) => `${i},item ${i},${(i * 3.7).toFixed(2)}`)].join("\n") + "\n");

/** Bytes with no structure at all. */
export const noise = (size = 2048) => new Uint8Array(randomBytes(size));

/**
 * A file of `contentType` whose bytes are what the type says, as big as asked where the format
 * allows padding (PNG rows, JPEG comment, MP4 mdat), or `undefined` for a type made here of none.
 */
export function sampleOf(contentType: string, size?: number): Uint8Array | undefined {
  switch (contentType.split(";")[0]!.trim().toLowerCase()) {
    case "image/png": return png();
    case "image/jpeg": return jpeg(size !== undefined ? Math.max(0, Math.min(60_000, size - 200)) : undefined);
    case "application/pdf": return pdf();
    case "video/mp4": return mp4(size);
    case "text/csv": return csv();
    default: return undefined;
  }
}

/** `body` with `head` written over its first bytes: a file of `body`'s size whose type is `head`'s. */
export function withHead(head: Uint8Array, body: Uint8Array): Uint8Array {
  body.set(head.subarray(0, body.length));
  return body;
}
