/** S3's error answers, as the embedded bucket's door (s3-door.ts) sends them: status, code, message, XML. */
import { randomBytes } from "node:crypto";
import { XmlNode } from "@aws-sdk/xml-builder";

export class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra elements S3 puts in the error document (`ProposedSize`, `Expires`, …). */
    readonly details: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';
export const S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/";

/** `<Error><Code>…</Code><Message>…</Message>…<Resource>…</Resource><RequestId>…</RequestId></Error>`. */
export function errorDocument(error: S3Error, resource: string): string {
  const root = new XmlNode("Error").c(XmlNode.of("Code", error.code)).c(XmlNode.of("Message", error.message));
  for (const [name, value] of Object.entries(error.details)) root.c(XmlNode.of(name, value));
  root.c(XmlNode.of("Resource", resource)).c(XmlNode.of("RequestId", randomBytes(8).toString("hex").toUpperCase()));
  return XML_DECLARATION + root.toString();
}

const iso = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, "Z");

/** The errors the door answers, with S3's own codes, statuses and messages. */
export const s3Errors = {
  accessDenied: () => new S3Error(403, "AccessDenied", "Access Denied"),
  signatureDoesNotMatch: (accessKeyId: string) =>
    new S3Error(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.", { AWSAccessKeyId: accessKeyId }),
  invalidAccessKeyId: (accessKeyId: string) =>
    new S3Error(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", { AWSAccessKeyId: accessKeyId }),
  expired: (expires: Date, now: Date) => new S3Error(403, "AccessDenied", "Request has expired", { Expires: iso(expires), ServerTime: iso(now) }),
  notYetValid: () => new S3Error(403, "AccessDenied", "Request is not valid yet"),
  tooSkewed: (requestTime: string, now: Date) =>
    new S3Error(403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.", { RequestTime: requestTime, ServerTime: iso(now), MaxAllowedSkewMilliseconds: "900000" }),
  queryParameters: (message: string) => new S3Error(400, "AuthorizationQueryParametersError", message),
  headerMalformed: (message: string) => new S3Error(400, "AuthorizationHeaderMalformed", message),
  unsupportedAuth: () => new S3Error(400, "InvalidRequest", "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256."),
  invalidArgument: (message: string) => new S3Error(400, "InvalidArgument", message),
  invalidRequest: (message: string) => new S3Error(400, "InvalidRequest", message),
  invalidDigest: () => new S3Error(400, "InvalidDigest", "The Content-MD5 you specified was invalid."),
  badDigest: (what: string) =>
    new S3Error(400, "BadDigest", what === "Content-MD5" ? "The Content-MD5 you specified did not match what we received." : `The ${what} you specified did not match the calculated checksum.`),
  policy: (reason: string) => new S3Error(403, "AccessDenied", `Invalid according to Policy: ${reason}`),
  invalidPolicy: (reason: string) => new S3Error(400, "InvalidPolicyDocument", `Invalid Policy: ${reason}`),
  tooLarge: (size: number, max: number) =>
    new S3Error(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", { ProposedSize: String(size), MaxSizeAllowed: String(max) }),
  tooSmall: (size: number, min: number) =>
    new S3Error(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size", { ProposedSize: String(size), MinSizeAllowed: String(min) }),
  noSuchUpload: (uploadId: string) =>
    new S3Error(404, "NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.", { UploadId: uploadId }),
  invalidPart: () =>
    new S3Error(400, "InvalidPart", "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag."),
  invalidPartOrder: () => new S3Error(400, "InvalidPartOrder", "The list of parts was not in ascending order. Parts must be ordered by part number."),
  malformedXml: () => new S3Error(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema"),
  preconditionFailed: () => new S3Error(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold", { Condition: "If-None-Match" }),
  conditionalConflict: () =>
    new S3Error(409, "ConditionalRequestConflict", "A conflicting conditional operation is currently in progress against this resource. Please try again."),
  internal: () => new S3Error(500, "InternalError", "We encountered an internal error. Please try again."),
};
