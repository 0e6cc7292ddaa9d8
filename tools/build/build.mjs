// tools/build/build.mjs — bundle the host side: the genie CLI and the benchmark report
// (npm run bench) and the fuzzing soak (npm run soak), for Node, into build/cli/, after assembling the host's hand-written
// WebAssembly (tools/host/hw: the NIC's checksum engine) into TypeScript (tools/build/hw.mjs).
// The kernel itself is built by asc (npm run build:kernel).

import * as esbuild from "esbuild";
import { buildHw } from "./hw.mjs";

await buildHw();

await esbuild.build({
  entryPoints: { genie: "tools/cli/genie.ts", bench: "tools/bench/index.ts", soak: "tools/fuzz/soak.ts" },
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
