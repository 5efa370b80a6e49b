import { XmlNode } from "@aws-sdk/xml-builder";
import { SERVED_CACHE_CONTROL } from "../domain/public-files.js";
import type { FileServer } from "../ports.js";
import { endpointFromEnv, httpStatus, type Credentials } from "./aws.js";
import { restXmlError, type S3Rest } from "./s3-rest.js";
import { SignedHttp, withRetries } from "./signed-http.js";

/** Where invalidations go; without one (local mode, tests) there is no CDN to tell. */
export interface Cdn {
  distributionId: string;
  /** A CloudFront-compatible endpoint (tests); CloudFront's global endpoint when omitted. */
  endpoint?: string;
  credentials?: Credentials;
}

/**
 * S3 HeadObject / CopyObject / DeleteObject for the served copies and CloudFront
 * CreateInvalidation for the CDN, as aws4-signed requests that wire tests hold to the SDK's.
 */
export class S3FileServer implements FileServer {
  private readonly cloudfront?: SignedHttp;

  constructor(
    private readonly s3: S3Rest,
    private readonly bucket: string,
    private readonly cdn?: Cdn,
  ) {
    // CloudFront is global: one endpoint, signed for us-east-1.
    if (cdn) this.cloudfront = new SignedHttp("cloudfront", "us-east-1", cdn.endpoint ?? endpointFromEnv("CLOUDFRONT") ?? "https://cloudfront.amazonaws.com", cdn.credentials);
  }

  async copy(from: string, to: string, etag: string): Promise<boolean> {
    try {
      // A copy that replaces metadata must name the type again; the head gives the stored one.
      const head = await this.s3.send({ method: "HEAD", key: from, headers: { "if-match": `"${etag}"` } });
      const type = head.headers["content-type"];
      await this.s3.send({
        method: "PUT",
        key: to,
        query: "x-id=CopyObject",
        headers: {
          "cache-control": SERVED_CACHE_CONTROL,
          ...(type ? { "content-type": String(type) } : {}),
          "x-amz-copy-source": `${this.bucket}/${encodeURIComponent(from).replace(/%2F/g, "/")}`,
          "x-amz-copy-source-if-match": `"${etag}"`,
          // The uploader's metadata (and the ticket id) is not for the public; uploads carry no
          // tags, and not copying any needs no tagging permissions.
          "x-amz-metadata-directive": "REPLACE",
          "x-amz-tagging-directive": "REPLACE",
        },
        errorIn200: true,
      });
      return true;
    } catch (error) {
      if ([404, 412].includes(httpStatus(error) ?? 0)) return false;
      throw error;
    }
  }

  async remove(keys: string[]): Promise<void> {
    // One or two keys per change: single deletes need no request checksum, which not every S3-compatible server reads.
    await Promise.all(keys.map((key) => this.s3.send({ method: "DELETE", key, query: "x-id=DeleteObject" })));
  }

  async invalidate(paths: string[], reference: string): Promise<void> {
    if (!this.cdn || !this.cloudfront || paths.length === 0) return;
    const items = new XmlNode("Items");
    for (const path of paths) items.c(XmlNode.of("Path", path));
    const batch = new XmlNode("InvalidationBatch")
      .a("xmlns", "http://cloudfront.amazonaws.com/doc/2020-05-31/")
      .c(new XmlNode("Paths").c(XmlNode.of("Quantity", String(paths.length))).c(items))
      .c(XmlNode.of("CallerReference", reference));
    const cloudfront = this.cloudfront;
    const path = `/2020-05-31/distribution/${encodeURIComponent(this.cdn.distributionId)}/invalidation`;
    await withRetries(async () => {
      const answer = await cloudfront.send({ method: "POST", path, headers: { "content-type": "application/xml" }, body: `<?xml version="1.0" encoding="UTF-8"?>${batch.toString()}` });
      if (answer.status < 200 || answer.status >= 300) throw restXmlError(answer);
    });
  }
}
