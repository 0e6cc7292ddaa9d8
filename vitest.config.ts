import { defineConfig } from "vitest/config";

// Kernel behaviour and host tests. test/unit/as/** holds AssemblyScript sources compiled by
// test/unit/as-unit.test.ts; vitest must not load them as TypeScript.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Every machine booted in a test is checked when it ends (test/setup/invariants.ts).
    setupFiles: ["test/setup/invariants.ts"],
    exclude: ["test/unit/as/**", "test/e2e/**", "node_modules/**"],
    reporters: ["default", "./test/summary-reporter.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
