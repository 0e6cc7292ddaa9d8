// tools/build/build.mjs — bundle the host side: the genie CLI and the benchmark report
// (npm run bench), both for Node, into build/cli/.
// The kernel itself is built by asc (npm run build:kernel).

import * as esbuild from "esbuild";

await esbuild.build({
  entryPoints: { genie: "tools/cli/genie.ts", bench: "tools/bench/index.ts" },
  outdir: "build/cli",
  outExtension: { ".js": ".mjs" },
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: true,
  packages: "external",
  logLevel: "warning",
});
