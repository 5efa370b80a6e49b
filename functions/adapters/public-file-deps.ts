import { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import { parseProfilesJson } from "../config.js";
import { fileUrls, publicProfileNames } from "../domain/public-files.js";
import type { PublicFileDeps } from "../handlers/publish.js";
import { s3Client } from "./clients.js";
import { S3FileServer } from "./s3-file-server.js";

/** What publish-events needs to serve public files, built once per container. */
export function publicFileDeps(options: { region: string; bucket: string; profiles: string; url: string; distributionId?: string }): PublicFileDeps {
  const profiles = parseProfilesJson(options.profiles, "PROFILES");
  const cdn = options.distributionId ? { client: new CloudFrontClient({ region: options.region }), distributionId: options.distributionId } : undefined;
  return {
    server: new S3FileServer(s3Client({ region: options.region }), options.bucket, cdn),
    publicProfiles: new Set(publicProfileNames(profiles)),
    fileUrl: fileUrls(profiles, options.url),
  };
}
