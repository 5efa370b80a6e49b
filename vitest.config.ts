import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    env: { POWERTOOLS_LOG_LEVEL: "SILENT", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    projects: [
      { extends: true, test: { name: "unit", include: ["test/unit/**/*.test.ts"] } },
      { extends: true, test: { name: "infra", include: ["test/infra/**/*.test.ts"], testTimeout: 180_000, hookTimeout: 180_000 } },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["test/support/global-setup.ts"],
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      // The deployed stack, rehearsed (docs/deploy.md): its own RGW and DynamoDB Local, Node.js 22.
      { extends: true, test: { name: "deployed", include: ["test/deployed/**/*.test.ts"], testTimeout: 120_000, hookTimeout: 240_000 } },
    ],
  },
});
