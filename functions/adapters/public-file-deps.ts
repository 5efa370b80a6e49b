import { environmentProfiles } from "../config.js";
import { fileUrls, publicProfileNames } from "../domain/public-files.js";
import type { PublicFileDeps } from "../handlers/publish-events.js";
import { S3FileServer } from "./s3-file-server.js";
import { S3Rest } from "./s3-rest.js";

/** What publish-events needs to serve public files, built once per container. */
export function publicFileDeps(options: { region: string; bucket: string; profiles: string; profilesChecksum?: string; url: string; distributionId?: string }): PublicFileDeps {
  const profiles = environmentProfiles(options.profiles, options.profilesChecksum);
  const cdn = options.distributionId ? { distributionId: options.distributionId } : undefined;
  return {
    server: new S3FileServer(new S3Rest({ bucket: options.bucket, region: options.region }), options.bucket, cdn),
    publicProfiles: new Set(publicProfileNames(profiles)),
    fileUrl: fileUrls(profiles, options.url),
  };
}
