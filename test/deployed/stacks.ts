/**
 * The two stacks the rehearsal deploys: the default one, and one with every optional feature on
 * (webhook, malware scan, quotas, a custom bus, public files through CloudFront, SSE-KMS).
 * Each is synthesized once per run, with the real bundles (`synthBroker(…, { bundle: true })`).
 */
import type { UploadBrokerStackProps } from "../../lib/upload-broker-stack.js";
import { synthBroker } from "../infra/synth.js";
import type { TemplateJson } from "./template.js";

const MiB = 1024 * 1024;

export const FULL_STACK: UploadBrokerStackProps = {
  profiles: [
    { name: "avatar", contentTypes: ["image/png", "image/jpeg"], maxBytes: MiB, methods: ["put", "post"], public: true, quota: { uploadsPerDay: 50, bytesPerDay: 20 * MiB, pending: 10 } },
    { name: "document", contentTypes: ["application/pdf"], maxBytes: 50 * MiB, methods: ["put", "post", "multipart"] },
    { name: "limited", contentTypes: ["image/png"], maxBytes: MiB, methods: ["put"], quota: { uploadsPerDay: 1 } },
  ],
  webhookUrl: "https://hooks.example.com/upload-broker",
  malwareScan: true,
  eventBusName: "uploads-bus",
  kmsEncryption: true,
};

export interface SynthesizedStack {
  name: string;
  template: TemplateJson;
  outdir: string;
  cleanup: () => void;
}

export function synthesize(name: string, props: UploadBrokerStackProps): SynthesizedStack {
  const { template, outdir, cleanup } = synthBroker(props, { bundle: true });
  return { name, template: template.toJSON() as TemplateJson, outdir, cleanup };
}
