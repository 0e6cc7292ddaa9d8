// tools/build/build.mjs — bundle the host side: the genie CLI and the benchmark report
// (npm run bench), both for Node, into build/cli/, and the browser playground into
// build/playground/ (tools/build/playground.mjs), after assembling the host's hand-written
// WebAssembly (tools/host/hw: the NIC's checksum engine) into TypeScript (tools/build/hw.mjs).
// The kernel itself is built by asc (npm run build:kernel).

import * as esbuild from "esbuild";
import { buildHw } from "./hw.mjs";
import { buildPlayground } from "./playground.mjs";

await buildHw();

await esbuild.build({
  entryPoints: { genie: "tools/cli/genie.ts", bench: "tools/bench/index.ts", "measure-playground": "tools/playground/measure.ts" },
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

await buildPlayground();
