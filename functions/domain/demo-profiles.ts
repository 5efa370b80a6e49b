import type { Profile } from "../schemas.js";
import { parseProfiles } from "./profiles.js";

/**
 * The profiles of local mode and the tests, and the stack's default. A module of its own so
 * that no Lambda bundle parses them at cold start.
 */
export const DEMO_PROFILES: Profile[] = parseProfiles(
  [
    {
      name: "avatar",
      contentTypes: ["image/png", "image/jpeg", "image/webp"],
      minBytes: 1,
      maxBytes: 5 * 1024 * 1024,
      methods: ["put", "post"],
      metadataKeys: ["caption"],
    },
    { name: "document", contentTypes: ["application/pdf"], maxBytes: 50 * 1024 * 1024, methods: ["put", "post", "multipart"] },
    { name: "photo", contentTypes: ["image/*"], maxBytes: 20 * 1024 * 1024, methods: ["put", "post"], metadataKeys: ["caption"] },
  ],
  "demo profiles",
);
