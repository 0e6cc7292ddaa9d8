// tools/build/build.mjs — bundle the host side: the genie CLI (Node) into build/cli/.
// The kernel itself is built by asc (npm run build:kernel).

import * as esbuild from "esbuild";

await esbuild.build({
  entryPoints: { genie: "tools/cli/genie.ts" },
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
