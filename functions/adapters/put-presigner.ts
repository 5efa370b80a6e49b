import { formatUrl } from "@aws-sdk/core/util";
import { fromEnv } from "@aws-sdk/credential-provider-env";
import { S3RequestPresigner } from "@aws-sdk/s3-request-presigner";
import { HttpRequest } from "@smithy/core/protocols";
import { Hash } from "@smithy/core/serde";
import type { PresignedPut, PutSigner, PutSigningRequest } from "../ports.js";
import { awsDomain, type Credentials } from "./aws.js";

export interface PutPresignerOptions {
  bucket: string;
  region: string;
  /** An S3-compatible endpoint (path-style addressing); AWS's regional endpoint when omitted. */
  endpoint?: string;
  credentials?: Credentials;
}

/**
 * Presigns PutObject on a request built once per container and filled in per call,
 * signed by the SDK's own `S3RequestPresigner` — the URL `getSignedUrl(s3, new
 * PutObjectCommand(…))` produces (a property test holds it to that), without the S3
 * client, its middleware stack or its endpoint rules in the bundle or on the hot path.
 * Nothing is added beyond the signed headers: no checksum parameters (aws-sdk-js-v3 #6810).
 */
export class PutPresigner implements PutSigner {
  private readonly presigner: S3RequestPresigner;
  private readonly base: { protocol: string; hostname: string; port?: number; path: string };

  constructor(options: PutPresignerOptions) {
    this.base = location(options);
    this.presigner = new S3RequestPresigner({
      credentials: options.credentials ?? fromEnv(),
      region: options.region,
      sha256: Hash.bind(null, "sha256"),
    });
  }

  async presignPut(request: PutSigningRequest): Promise<PresignedPut> {
    const headers: Record<string, string> = {
      "content-type": request.contentType,
      "content-length": String(request.contentLength),
      "if-none-match": "*",
    };
    for (const [name, value] of Object.entries(request.metadata)) headers[`x-amz-meta-${name}`] = value;
    if (request.checksumSha256) headers["x-amz-checksum-sha256"] = request.checksumSha256;
    const names = new Set(Object.keys(headers));

    const presigned = await this.presigner.presign(
      new HttpRequest({
        ...this.base,
        method: "PUT",
        path: `${this.base.path}/${request.key.split("/").map(encodeSegment).join("/")}`,
        query: { "x-id": "PutObject" },
        headers: { ...headers },
      }),
      {
        expiresIn: request.expiresInSeconds,
        signingDate: request.signedAt,
        // content-type would be unsigned and x-amz-meta-* hoisted into the query by
        // default; as signed headers they are what makes S3 enforce them.
        signableHeaders: names,
        unhoistableHeaders: names,
      },
    );
    return { url: formatUrl(presigned), headers };
  }
}

/** S3's greedy-label encoding of a key segment: URI-encode everything, `!'()*` included. */
function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Where requests go: path-style on a custom endpoint, else AWS's virtual-hosted or path-style host. */
function location({ bucket, region, endpoint }: PutPresignerOptions) {
  if (endpoint) {
    const url = new URL(endpoint);
    return {
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: `${url.pathname.replace(/\/$/, "")}/${bucket}`,
    };
  }
  const suffix = awsDomain(region);
  // Buckets with dots or other non-DNS names cannot be virtual hosts under TLS.
  const virtual = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(bucket);
  return virtual
    ? { protocol: "https:", hostname: `${bucket}.s3.${region}.${suffix}`, path: "" }
    : { protocol: "https:", hostname: `s3.${region}.${suffix}`, path: `/${bucket}` };
}
