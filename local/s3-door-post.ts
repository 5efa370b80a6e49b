/**
 * Browser form uploads (POST Object) at the embedded bucket's door: the form is read (the file
 * to a temporary file), its policy checked as S3 checks it (the SigV4 signature over the base64
 * policy with the SDK's signing key derivation, the expiration, every condition, no field
 * without one, the file's size against content-length-range) and `${filename}` put into the
 * key; only then is the form handed on, without its signing fields.
 */
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import busboy from "busboy";
import { Sha256 } from "@smithy/core/checksum";
import { getSigningKey } from "@smithy/signature-v4";
import { checkScope, parseAmzDate, type DoorKeys } from "./s3-door-auth.js";
import { S3Error, s3Errors } from "./s3-door-errors.js";

/** S3's limit on the form's fields (everything but the file). */
const MAX_FIELD_BYTES = 20 * 1024;
/** Fields S3 never wants a condition for. */
const UNCONDITIONED = new Set(["policy", "x-amz-signature", "file"]);
/** Fields that sign the form; s3rver is not told them. */
const SIGNING = new Set(["policy", "x-amz-signature", "x-amz-credential", "x-amz-algorithm", "x-amz-date", "x-amz-security-token", "bucket"]);

export interface PostForm {
  /** The fields before the file, as sent (S3 ignores everything after it). */
  fields: Array<[name: string, value: string]>;
  file?: { path: string; size: number; filename: string; type: string };
  /** Removes the temporary file. */
  dispose(): Promise<void>;
}

/** Reads a multipart/form-data body: fields, and the `file` field's bytes to a temporary file. */
export async function readForm(req: IncomingMessage): Promise<PostForm> {
  const dir = await mkdtemp(join(tmpdir(), "upload-broker-post-"));
  const form: PostForm = { fields: [], dispose: () => rm(dir, { recursive: true, force: true }) };
  try {
    let fieldBytes = 0;
    let written: Promise<void> | undefined;
    const parser = busboy({ headers: req.headers, limits: { fieldSize: MAX_FIELD_BYTES, fields: 100, files: 1 } });
    parser.on("field", (name, value) => {
      if (form.file) return;
      fieldBytes += name.length + value.length;
      form.fields.push([name, value]);
    });
    parser.on("file", (name, stream, info) => {
      if (name.toLowerCase() !== "file" || form.file) return void stream.resume();
      const path = join(dir, "file");
      const file = { path, size: 0, filename: info.filename ?? "", type: info.mimeType };
      form.file = file;
      stream.on("data", (chunk: Buffer) => (file.size += chunk.length));
      written = pipeline(stream, createWriteStream(path));
    });
    await pipeline(req, parser).catch((error: unknown) => {
      throw s3Errors.invalidArgument(`The body of your POST request is not well-formed multipart/form-data: ${(error as Error).message}`);
    });
    await written;
    if (fieldBytes > MAX_FIELD_BYTES) throw new S3Error(400, "MaxPostPreDataLengthExceeded", "Your POST request fields preceeding the upload file was too large.");
    return form;
  } catch (error) {
    await form.dispose();
    throw error;
  }
}

type Condition =
  | { kind: "match"; op: "eq" | "starts-with"; field: string; value: string }
  | { kind: "range"; min: number; max: number };

/**
 * Checks the form as S3 checks a POST policy, for `bucket` at `now`; answers the fields to hand
 * on (names in lowercase, `${filename}` in the key replaced, signing fields dropped) or throws
 * S3's refusal.
 */
export async function checkPostPolicy(form: PostForm, bucket: string, keys: DoorKeys, now: Date): Promise<Array<[string, string]>> {
  const values = new Map<string, string>();
  for (const [name, value] of form.fields) if (!values.has(name.toLowerCase())) values.set(name.toLowerCase(), value);
  const policy = values.get("policy");
  const signature = values.get("x-amz-signature");
  // No policy: an anonymous write, which a private bucket refuses.
  if (policy === undefined || signature === undefined) throw s3Errors.accessDenied();
  if (values.get("x-amz-algorithm") !== "AWS4-HMAC-SHA256") throw s3Errors.invalidArgument("POST requires X-Amz-Algorithm AWS4-HMAC-SHA256 (the only signing this bucket accepts).");
  const credential = values.get("x-amz-credential") ?? "";
  const date = values.get("x-amz-date") ?? "";
  if (!parseAmzDate(date)) throw s3Errors.invalidArgument("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  checkScope(credential, date, keys, s3Errors.invalidArgument);
  const signingKey = await getSigningKey(Sha256, keys, date.slice(0, 8), keys.region, "s3");
  const hmac = new Sha256(signingKey);
  hmac.update(Buffer.from(policy, "utf8"));
  if (Buffer.from(await hmac.digest()).toString("hex") !== signature.toLowerCase()) throw s3Errors.signatureDoesNotMatch(keys.accessKeyId);

  const { expiration, conditions } = readPolicy(policy);
  if (expiration < now) throw s3Errors.policy("Policy expired.");
  if (!values.has("key")) throw s3Errors.invalidArgument("Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.");
  if (!form.file) throw s3Errors.invalidArgument("POST requires exactly one file upload per request.");
  // What the conditions see: the bucket posted to, and the key S3 will store.
  values.set("bucket", bucket);
  values.set("key", values.get("key")!.replaceAll("${filename}", form.file.filename));

  for (const c of conditions) {
    if (c.kind !== "match") continue;
    const value = values.get(c.field) ?? "";
    const holds = c.op === "eq" ? values.has(c.field) && value === c.value : value.startsWith(c.value);
    if (!holds) throw s3Errors.policy(`Policy Condition failed: ["${c.op}", "$${c.field}", ${JSON.stringify(c.value)}]`);
  }
  const conditioned = new Set(conditions.flatMap((c) => (c.kind === "match" ? [c.field] : [])));
  for (const name of values.keys()) {
    if (!UNCONDITIONED.has(name) && !name.startsWith("x-ignore-") && !conditioned.has(name)) throw s3Errors.policy(`Extra input fields: ${name}`);
  }
  for (const c of conditions) {
    if (c.kind !== "range") continue;
    if (form.file.size > c.max) throw s3Errors.tooLarge(form.file.size, c.max);
    if (form.file.size < c.min) throw s3Errors.tooSmall(form.file.size, c.min);
  }
  // Exactly the values the conditions saw: a field sent twice is handed on once, with its first
  // value (s3rver would keep the last, which no condition checked).
  const names = [...new Set(form.fields.map(([name]) => name.toLowerCase()))];
  return names.filter((name) => !SIGNING.has(name)).map((name): [string, string] => [name, values.get(name)!]);
}

/** The policy document: its expiration and conditions, or S3's InvalidPolicyDocument. */
function readPolicy(policy: string): { expiration: Date; conditions: Condition[] } {
  let document: { expiration?: unknown; conditions?: unknown };
  try {
    document = JSON.parse(Buffer.from(policy, "base64").toString("utf8")) as typeof document;
  } catch {
    throw s3Errors.invalidPolicy("Invalid JSON.");
  }
  const expiration = typeof document?.expiration === "string" ? new Date(document.expiration) : undefined;
  if (!expiration || Number.isNaN(expiration.getTime())) throw s3Errors.invalidPolicy("Policy missing expiration.");
  if (!Array.isArray(document.conditions)) throw s3Errors.invalidPolicy("Policy missing conditions.");
  return { expiration, conditions: document.conditions.flatMap(readCondition) };
}

function readCondition(condition: unknown): Condition[] {
  const bad = () => s3Errors.invalidPolicy(`Invalid Policy Condition: ${JSON.stringify(condition)}`);
  if (Array.isArray(condition)) {
    const [op, a, b] = condition as unknown[];
    const name = typeof op === "string" ? op.toLowerCase() : "";
    if (name === "content-length-range") {
      const [min, max] = [Number(a), Number(b)];
      if (condition.length !== 3 || !Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max < min) throw bad();
      return [{ kind: "range", min, max }];
    }
    if ((name === "eq" || name === "starts-with") && condition.length === 3 && typeof a === "string" && a.startsWith("$") && typeof b === "string") {
      return [{ kind: "match", op: name, field: a.slice(1).toLowerCase(), value: b }];
    }
    throw bad();
  }
  if (condition && typeof condition === "object") {
    const entries = Object.entries(condition);
    if (entries.length !== 1 || typeof entries[0]![1] !== "string") throw bad();
    return [{ kind: "match", op: "eq", field: entries[0]![0].toLowerCase(), value: entries[0]![1] as string }];
  }
  throw bad();
}
