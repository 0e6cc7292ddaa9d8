import { defineConfig } from "vitest/config";

// Two projects, one run (npm run test:all), one summary line at the end ("N passed, N failed"):
//   unit    everything that needs only Node (npm test runs this one alone)
//   system  tests that need Debian packages: test/system/ (tshark reads the captures) and
//           test/e2e/ (the playground in Chromium and in Firefox ESR); .ci/run installs them.
//           Its workers get Node's WebSocket client, which Firefox's WebDriver BiDi needs
//           (test/e2e/bidi.ts): global from Node 22, behind a flag on Node 20.
// test/unit/as/** holds AssemblyScript sources compiled by test/unit/as-unit.test.ts; vitest must
// not load them as TypeScript. Every machine booted in a test is checked when the test ends
// (test/setup/invariants.ts).
const SYSTEM = ["test/system/**/*.test.ts", "test/e2e/**/*.test.ts"];

export default defineConfig({
  test: {
    setupFiles: ["test/setup/invariants.ts"],
    reporters: ["default", "./test/summary-reporter.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: "unit", include: ["test/**/*.test.ts"], exclude: ["test/unit/as/**", ...SYSTEM, "node_modules/**"] } },
      { extends: true, test: { name: "system", include: SYSTEM, execArgv: typeof WebSocket === "undefined" ? ["--experimental-websocket"] : [] } },
    ],
  },
});
