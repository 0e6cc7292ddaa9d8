import { defineConfig } from "vitest/config";

// The playground's browser tests (test/e2e), on their own: they need the built site and Chromium.
export default defineConfig({
  test: { include: ["test/e2e/**/*.test.ts"], testTimeout: 30_000, hookTimeout: 60_000, fileParallelism: false },
});
