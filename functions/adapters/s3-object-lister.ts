import type { ObjectLister } from "../ports.js";
import { uriEscape } from "./s3-location.js";
import { list, type S3Rest } from "./s3-rest.js";

/** ListObjectsV2 under one prefix, one page: the sweeper asks for a ticket's first few keys only. */
export class S3ObjectLister implements ObjectLister {
  constructor(private readonly s3: S3Rest) {}

  async keys(prefix: string, max: number): Promise<string[]> {
    const page = await this.s3.xml({ method: "GET", query: `list-type=2&max-keys=${max}&prefix=${uriEscape(prefix)}` });
    return list<{ Key?: string }>(page.Contents).flatMap((o) => (typeof o.Key === "string" ? [o.Key] : [])).slice(0, max);
  }
}
