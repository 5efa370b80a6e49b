/**
 * The admin client: the broker's IAM-authorized admin routes, signed with AWS Signature
 * Version 4 (service `execute-api`) by `aws4fetch` (bundled; WebCrypto and `fetch`, so no AWS
 * SDK). The credentials need `execute-api:Invoke` on the admin routes (docs/api.md).
 */
import { AwsClient } from "aws4fetch";
import type { Routes } from "./api-types.js";
import { answerError, UploadError } from "./errors.js";

/** AWS credentials: a role's session carries `sessionToken`. */
export interface AdminCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AdminClientOptions {
  /** The API's URL, e.g. `https://abc123.execute-api.eu-west-1.amazonaws.com` or the custom domain. */
  url: string;
  /** The API's region (the signature's scope). */
  region: string;
  /**
   * The credentials, or a function that returns them (called per request: pass a caching
   * provider such as `fromNodeProviderChain()` of `@aws-sdk/credential-providers` for a role).
   */
  credentials: AdminCredentials | (() => Promise<AdminCredentials>);
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

type Answer<Id extends keyof Routes> = Routes[Id]["response"];
type ListQuery = Omit<Routes["adminListUploads"]["query"], "owner">;

export interface AdminClient {
  /** A user's tickets (`owner`: the `sub` of their tokens), newest first; page with `cursor`. */
  listUploads(owner: string, query?: ListQuery): Promise<Answer<"adminListUploads">>;
  /** Any ticket, with its owner. */
  getUpload(uploadId: string): Promise<Answer<"adminGetUpload">>;
  /** Aborts a pending upload or deletes a completed object of any user (idempotent). */
  deleteUpload(uploadId: string): Promise<Answer<"adminDeleteUpload">>;
  /** A 5-minute download link of any completed upload. */
  downloadUrl(uploadId: string): Promise<Answer<"adminDownloadUpload">>;
  /** A user's quota counts today. */
  usage(owner: string): Promise<Answer<"adminUsage">>;
}

/** The admin routes' client; every failure is an `UploadError` (`status`, `code`, `message`). */
export function createAdminClient(options: AdminClientOptions): AdminClient {
  const base = options.url.replace(/\/+$/, "");
  const send = options.fetch ?? globalThis.fetch.bind(globalThis);
  const credentials = typeof options.credentials === "function" ? options.credentials : async () => options.credentials as AdminCredentials;

  async function call<T>(method: "GET" | "DELETE", path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    const url = new URL(`${base}${path}`);
    for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, String(value));
    const aws = new AwsClient({ ...(await credentials()), service: "execute-api", region: options.region, retries: 0 });
    const signed = await aws.sign(url.toString(), { method });
    let response: Response;
    try {
      response = await send(signed);
    } catch {
      throw new UploadError(0, "network_error", `${base} could not be reached.`);
    }
    const text = await response.text();
    if (!response.ok) {
      // API Gateway's own refusal of a bad signature or a missing permission.
      if (response.status === 403 && /^\{"message":/.test(text)) throw new UploadError(403, "forbidden", (JSON.parse(text) as { message: string }).message);
      throw answerError(response.status, text);
    }
    return JSON.parse(text) as T;
  }
  const id = (uploadId: string) => `/admin/uploads/${encodeURIComponent(uploadId)}`;

  return {
    listUploads: (owner, query = {}) => call("GET", "/admin/uploads", { ...query, owner }),
    getUpload: (uploadId) => call("GET", id(uploadId)),
    deleteUpload: (uploadId) => call("DELETE", id(uploadId)),
    downloadUrl: (uploadId) => call("GET", `${id(uploadId)}/download`),
    usage: (owner) => call("GET", "/admin/usage", { owner }),
  };
}
