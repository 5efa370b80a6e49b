/**
 * upload-broker-client: uploads files straight to S3 through an upload-broker API, from
 * browsers and React Native. Types are generated from the broker's schemas (`api-types.ts`).
 */
export { createUploadClient, type UploadClient, type UploadClientOptions } from "./client.js";
export { UploadError, type ErrorDetail } from "./errors.js";
export { indexedDbStore, memoryStore, type ResumeStore, type StoredUpload } from "./store.js";
export type { ListUploadsQuery, ListUploadsResponse, Metadata, PublicProfile, TicketView, UploadOptions, UploadProgress, UploadStatus } from "./types.js";
export type { ErrorBody, Routes } from "./api-types.js";
