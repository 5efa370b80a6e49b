/**
 * upload-broker-client's core as an app bundles it (one ES module, esbuild, no Node API),
 * imported into Node: for the React Native path and the bench. Node code has no DOM types, so
 * the client is typed here by what those callers use.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

/** The store shape the client takes (AsyncStorage's). */
export interface ResumeStore {
  getItem(key: string): Promise<string | null>;
  setItem(key: string, value: string): Promise<void>;
  removeItem(key: string): Promise<void>;
}

export interface ClientCore {
  createUploadClient(options: { baseUrl: string; getToken: () => string; store: ResumeStore }): {
    upload(file: Blob, options: Record<string, unknown>): Promise<Record<string, any>>;
    resumeUploads(): Promise<Array<Record<string, any>>>;
  };
  memoryStore(): ResumeStore;
}

/** Bundles the client's source into `dir` and imports it. */
export async function importClientCore(dir: string): Promise<ClientCore> {
  const outfile = join(dir, "client.mjs");
  await build({ entryPoints: [join(import.meta.dirname, "../../client/src/index.ts")], bundle: true, format: "esm", platform: "neutral", target: "es2020", outfile, logLevel: "silent" });
  return import(pathToFileURL(outfile).href);
}
