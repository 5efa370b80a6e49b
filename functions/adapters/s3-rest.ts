/**
 * S3's REST API for one bucket, aws4-signed, answers parsed by the SDK's own XML parser
 * (`@aws-sdk/xml-builder`): the lean stores' transport. Errors are thrown as the SDK throws
 * them (`name` = S3's `Code`, else `NotFound` for a bodiless 404, else `Unknown`;
 * `$metadata.httpStatusCode`), and a 200 whose body is an `<Error>` (S3 does this for
 * CompleteMultipartUpload and CopyObject) or, for those two, an empty 200 is a retryable 503,
 * as in the SDK. Retries: signed-http.ts's policy.
 */
import { parseXML } from "@aws-sdk/xml-builder";
import type { Credentials } from "./aws.js";
import { encodeKey, location } from "./s3-location.js";
import { AwsServiceError, SignedHttp, withRetries, type SignedAnswer } from "./signed-http.js";

export interface S3RestOptions {
  bucket: string;
  region: string;
  /** An S3-compatible endpoint (path-style addressing); AWS's regional endpoint when omitted. */
  endpoint?: string;
  /** Static credentials; the Lambda role's from the environment when omitted. */
  credentials?: Credentials;
}

/** One S3 request: `key` (unencoded) names the object, none the bucket; `query` is sent as given. */
export interface S3Request {
  method: "GET" | "HEAD" | "PUT" | "POST" | "DELETE";
  key?: string;
  query?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Operations S3 may answer 200 and then fail in the body of. */
  errorIn200?: boolean;
}

type Xml = Record<string, unknown>;

export class S3Rest {
  private readonly http: SignedHttp;
  private readonly path: string;

  constructor(options: S3RestOptions) {
    const where = location(options);
    this.path = where.path;
    this.http = new SignedHttp("s3", options.region, where.origin, options.credentials);
  }

  /** Sends `request` under the retry policy; a non-2xx answer throws an `AwsServiceError`. */
  send(request: S3Request): Promise<SignedAnswer> {
    const path = `${this.path}/${request.key === undefined ? "" : encodeKey(request.key)}`;
    return withRetries(async () => {
      const answer = await this.http.send({ method: request.method, path, ...(request.query ? { query: request.query } : {}), headers: request.headers ?? {}, ...(request.body !== undefined ? { body: request.body } : {}) });
      if (answer.status >= 200 && answer.status < 300) {
        if (request.errorIn200) {
          // The SDK's own error here is a plain one, with no fault.
          if (answer.body.length === 0) throw Object.assign(new Error("S3 aborted request"), { name: "InternalError", $metadata: { httpStatusCode: 503 } });
          if (answer.body.subarray(-16).toString("utf8").endsWith("</Error>")) throw restXmlError({ ...answer, status: 503 });
        }
        return answer;
      }
      throw restXmlError(answer);
    });
  }

  /** Sends `request` and parses the XML document it answers (its root element's content). */
  async xml(request: S3Request): Promise<Xml> {
    return parseBody((await this.send(request)).body);
  }
}

function parseBody(body: Buffer): Xml {
  const text = body.toString("utf8");
  if (!text.length) return {};
  const document = parseXML(text) as Record<string, unknown>;
  const root = document[Object.keys(document)[0]!];
  return typeof root === "object" && root !== null ? (root as Xml) : {};
}

/** The SDK's error for a REST-XML answer (S3, CloudFront): loadRestXmlErrorCode and its message rules. */
export function restXmlError(answer: SignedAnswer): AwsServiceError {
  let data: Xml = {};
  try {
    data = parseBody(answer.body);
  } catch {
    // Not XML (a proxy's page): named by status alone, as the SDK does.
  }
  const error = (typeof data.Error === "object" && data.Error ? data.Error : data) as Xml;
  const code = typeof error.Code === "string" ? error.Code : answer.status === 404 ? "NotFound" : "Unknown";
  const message = typeof error.Message === "string" ? error.Message : typeof error.message === "string" ? error.message : "UnknownError";
  const requestId = (typeof error.RequestId === "string" ? error.RequestId : undefined) ?? headerOf(answer.headers, "x-amz-request-id");
  return new AwsServiceError(code, message, answer.status, requestId);
}

/** A header of an answer, as a string. */
export const headerOf = (headers: SignedAnswer["headers"], name: string) => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** An element that may occur once or many times, always as a list. */
export const list = <T>(value: unknown): T[] => (value === undefined || value === "" ? [] : Array.isArray(value) ? (value as T[]) : [value as T]);
