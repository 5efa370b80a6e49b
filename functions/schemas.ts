/**
 * Every shape of the contract as a zod schema; the types are `z.infer` of these. Limits come
 * from `domain/limits.ts` so schemas, domain and stack agree. One module per concern, so each
 * Lambda bundle builds only the schemas it uses (building them is part of the cold start).
 */
export * from "./schemas/admin.js";
export * from "./schemas/base.js";
export * from "./schemas/multipart.js";
export * from "./schemas/events.js";
export * from "./schemas/profiles.js";
export * from "./schemas/responses.js";
export * from "./schemas/sign.js";
export * from "./schemas/tickets.js";
export * from "./schemas/uppy.js";
