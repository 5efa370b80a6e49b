/**
 * The construct package `upload-broker` (`npm pack` at the repository root builds it, see
 * bin/build-package.ts): what a CDK app of yours imports. docs/deploy.md shows how to use it.
 */
export { UploadBroker, type ProfileInput, type UploadBrokerProps } from "./upload-broker.js";
export { UploadBrokerStack, type UploadBrokerStackProps } from "./upload-broker-stack.js";
export { DEFAULT_MEMORY_MB, functionEntries, type EventEntry, type FunctionEntry, type FunctionSettings } from "./upload-function.js";
export type { CustomDomain } from "./custom-domain.js";
export type { TicketTableOverrides } from "./ticket-table.js";
export type { UploadBucketOverrides } from "./upload-bucket.js";
// The constructs an `UploadBroker` exposes (its `api`, `auth`, `functions`, …), for their types.
export type { UploadApi } from "./upload-api.js";
export type { UploadAuth } from "./upload-auth.js";
export type { UploadFunction } from "./upload-function.js";
export type { CompletionEvents } from "./completion-events.js";
export type { MalwareScan } from "./malware-scan.js";
export type { PublicFiles } from "./public-files.js";
export type { Sweeper } from "./sweeper.js";
export type { BrokerDashboard } from "./dashboard.js";
export { DEMO_PROFILES } from "../functions/domain/demo-profiles.js";
export { ConfigError } from "../functions/errors.js";
export type { Profile } from "../functions/schemas.js";
export type { HttpEntry } from "../functions/routes.js";
