import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { keyPrefix, ownerSegment, parseObjectKey, sanitizeFilename } from "../../functions/domain/keys.js";

const SAFE_NAME = /^[A-Za-z0-9._-]{1,128}$/;
/** Stems that no ASCII-only generator makes: CJK, accents, emoji, spaces, symbols, invisible marks. */
const STEM_PIECES = ["报告", "東京", "タワー", "한국어", "é", "e\u0301", "ß", "Ω", "Привет", "😀", "👩‍👩‍👧", "🇫🇷", " ", "?", "*", ":", "\"", "<>", "|", "½", "\u200E", "\u202E", "\u0000", "\t", ".", "..", "_", "-", "a", "Z", "9"];

describe("sanitizeFilename", () => {
  it.each([
    ["me.png", "me.png"],
    ["../../etc/passwd", "passwd"],
    ["a/b\\c", "c"],
    ["C:\\Users\\bob\\photo.jpg", "photo.jpg"],
    ["dir/", "dir"],
    ["nul\u0000byte.png", "nulbyte.png"],
    ["tab\tand\nnewline.txt", "tabandnewline.txt"],
    ["evil\u202Egnp.exe", "evilgnp.exe"],
    ["\u200Fright-to-left\u200E.pdf", "right-to-left.pdf"],
    ["my photo (1).png", "my_photo_1.png"],
    ["😀😀party.png", "party.png"],
    ["😀", "file"],
    ["", "file"],
    [".", "file"],
    ["..", "file"],
    ["...", "file"],
    ["/", "file"],
    [".env", "env"],
    ["trailing.dots...", "trailing.dots"],
    ["Cafe\u0301.png", "Cafe.png"],
    ["报告.png", "BaoGao.png"],
    ["résumé final.png", "resume_final.png"],
    ["????.png", "file.png"],
    ["😀.png", "file.png"],
    ["..png", "file.png"],
    ["\u200E.png", "file.png"],
    ["Привет мир.docx", "Privet_mir.docx"],
    ["photo.JPG", "photo.JPG"],
    ["archive.tar.gz", "archive.tar.gz"],
    ["a (b).c.png", "a_b.c.png"],
    ["__init__.py", "__init__.py"],
    ["report.报告", "report.BaoGao"],
    ["a.b c", "a.b_c"],
    ["½.txt", "1_2.txt"],
  ])("%j → %j", (input, expected) => {
    expect(sanitizeFilename(input)).toBe(expected);
  });

  it("cuts 1,000-character names to 128 characters and keeps the extension", () => {
    const name = sanitizeFilename(`${"a".repeat(1000)}.jpeg`);
    expect(name).toHaveLength(128);
    expect(name.endsWith(".jpeg")).toBe(true);
  });

  it("cuts long transliterated names to 128 characters and keeps the extension", () => {
    const name = sanitizeFilename(`${"报告".repeat(200)}.png`);
    expect(name).toHaveLength(128);
    expect(name).toMatch(/^(BaoGao)+(Bao|BaoGao|Ba|B|BaoG|BaoGa)?\.png$/);
  });

  it("always yields 1-128 safe characters, never . or .., for any input", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 1500 }), (input) => {
        const name = sanitizeFilename(input);
        expect(name).toMatch(SAFE_NAME);
        expect(name).not.toBe(".");
        expect(name).not.toBe("..");
        expect(name.startsWith(".")).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it("always yields 1-128 safe characters for names full of letters outside ASCII", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...STEM_PIECES), { maxLength: 300 }), (pieces) => {
        const name = sanitizeFilename(pieces.join(""));
        expect(name).toMatch(SAFE_NAME);
        expect(name.startsWith(".")).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it("keeps an ASCII extension for any stem", () => {
    const stem = fc.oneof(
      fc.string({ unit: "binary", minLength: 1, maxLength: 300 }),
      fc.array(fc.constantFrom(...STEM_PIECES), { minLength: 1, maxLength: 100 }).map((pieces) => pieces.join("")),
    );
    fc.assert(
      fc.property(stem.filter((s) => !/[/\\]/.test(s)), fc.stringMatching(/^[A-Za-z0-9]{1,16}$/), (rawStem, ext) => {
        const name = sanitizeFilename(`${rawStem}.${ext}`);
        expect(name).toMatch(SAFE_NAME);
        expect(name.endsWith(`.${ext}`)).toBe(true);
        expect(name.length).toBeGreaterThan(ext.length + 1);
      }),
      { numRuns: 2000 },
    );
  });

  it("leaves ASCII-only safe names as they are", () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/);
    const safe = fc
      .array(segment, { minLength: 1, maxLength: 8 })
      .map((segments) => segments.join("."))
      .filter((name) => name.length <= 128);
    fc.assert(
      fc.property(safe, (name) => {
        expect(sanitizeFilename(name)).toBe(name);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("ownerSegment", () => {
  it.each([
    ["alice", "alice"],
    ["3c1d8f0e-1a2b-4c3d-9e8f-0a1b2c3d4e5f", "3c1d8f0e-1a2b-4c3d-9e8f-0a1b2c3d4e5f"],
    ["auth0|5f7c8ec7", "auth0.7C5f7c8ec7"],
    ["a.b", "a.2Eb"],
    ["..", ".2E.2E"],
    ["ü", ".C3.BC"],
  ])("%j → %j", (sub, expected) => {
    expect(ownerSegment(sub)).toBe(expected);
  });

  it("hashes a long sub into a fixed-size segment", () => {
    expect(ownerSegment("x".repeat(500))).toMatch(/^\.h[0-9a-f]{64}$/);
  });

  it("is injective: different subs never share a prefix", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", minLength: 1, maxLength: 200 }), fc.string({ unit: "binary", minLength: 1, maxLength: 200 }), (a, b) => {
        fc.pre(a !== b);
        expect(ownerSegment(a)).not.toBe(ownerSegment(b));
      }),
      { numRuns: 2000 },
    );
    expect(ownerSegment("a|b")).not.toBe(ownerSegment("a_b"));
    expect(ownerSegment("a.7Cb")).not.toBe(ownerSegment("a|b"));
  });

  it("only uses [A-Za-z0-9._-] and is never . or ..", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", minLength: 1, maxLength: 300 }), (sub) => {
        const segment = ownerSegment(sub);
        expect(segment).toMatch(/^[A-Za-z0-9._-]{1,128}$/);
        expect([".", ".."]).not.toContain(segment);
      }),
    );
  });
});

describe("object keys", () => {
  it("builds uploads/<owner>/<uploadId>/ and parses it back", () => {
    const id = "01KAGX5Z2N3Q4R5S6T7V8W9XYZ";
    const key = `${keyPrefix("auth0|42", id)}me.png`;
    expect(key).toBe(`uploads/auth0.7C42/${id}/me.png`);
    expect(parseObjectKey(key)).toEqual({ owner: "auth0.7C42", uploadId: id, name: "me.png" });
  });

  it.each(["other/alice/01KAGX5Z2N3Q4R5S6T7V8W9XYZ/a", "uploads/alice/not-a-ulid/a", "uploads/alice/01KAGX5Z2N3Q4R5S6T7V8W9XYZ/"])(
    "does not parse %j",
    (key) => expect(parseObjectKey(key)).toBeUndefined(),
  );
});
