// tools/build/build.mjs — the whole build, incremental and quiet (npm run build): the kernel
// (tools/build/kernel.mjs: asc, skipped while no kernel source changed), the host's hand-written
// WebAssembly (tools/build/hw.mjs: the NIC's checksum engine, into TypeScript), then the Node
// bundles: the genie CLI, the benchmark report, the fuzzing soak and the grader's worker thread into build/cli/, the examples into
// build/examples/ (esbuild, skipped while none of their inputs changed: build/host.stamp), and
// the browser playground into build/playground/ (tools/build/playground.mjs; skipped while
// the repository's files and the kernel are unchanged: build/playground.stamp).
// A few lines of output; `--force` rebuilds everything. `--host` builds only what the CLI needs
// (the hand-written WebAssembly and the Node bundles): `npm run grade`, whose grader compiles the
// tree's kernel itself, uses it.

import * as esbuild from "esbuild";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { buildHw } from "./hw.mjs";
import { buildKernel } from "./kernel.mjs";
import { buildPlayground } from "./playground.mjs";
import { digest, files, fresh, stamp } from "./stamp.mjs";

process.chdir(new URL("../..", import.meta.url).pathname);
const force = process.argv.includes("--force");
const hostOnly = process.argv.includes("--host");

/** The bundles: name -> entry point; each becomes build/NAME.mjs. */
const BUNDLES = { "cli/genie": "tools/cli/genie.ts", "cli/bench": "tools/bench/index.ts", "examples/first-datagram": "tools/examples/first-datagram.ts",
  "cli/measure-playground": "tools/playground/measure.ts", "cli/soak": "tools/fuzz/soak.ts", "cli/grade-worker": "tools/assign/worker.ts" };
const META = "build/host.meta.json";
const STAMP = "build/host.stamp";

/** buildHost: the bundles, unless none of the inputs of the last build changed. */
async function buildHost() {
  const outputs = Object.keys(BUNDLES).map((n) => `build/${n}.mjs`);
  const extra = [`esbuild ${esbuild.version}`, JSON.stringify(BUNDLES)];
  const inputs = existsSync(META) ? Object.keys(JSON.parse(readFileSync(META, "utf8")).inputs) : null;
  if (!force && inputs && fresh(STAMP, digest(inputs, extra), outputs)) return "host: up to date";
  const t0 = performance.now();
  const r = await esbuild.build({
    entryPoints: BUNDLES,
    outdir: "build",
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: true,
    packages: "external",
    logLevel: "warning",
    metafile: true,
    write: true,
  });
  await import("node:fs/promises").then((fs) => fs.writeFile(META, JSON.stringify(r.metafile)));
  stamp(STAMP, digest(Object.keys(r.metafile.inputs), extra));
  return `host: bundled ${outputs.join(", ")} in ${((performance.now() - t0) / 1000).toFixed(1)} s`;
}

/** Never in the student tree the assignment mode serves (tools/assign/generate.ts). */
const NOT_TREE = new Set([".git", "node_modules", "build", "dist", "var", "coverage"]);

/** playground: the browser bundle, unless the tree it serves (tools/ among it), the kernel and
 *  the lockfile are unchanged. */
async function playground() {
  const tree = readdirSync(".").filter((n) => !NOT_TREE.has(n));
  const hash = digest(files([...tree, "build/release.wasm"]));
  if (!force && fresh("build/playground.stamp", hash, ["build/playground/index.html"])) return "playground: up to date";
  const t0 = performance.now();
  await buildPlayground();
  stamp("build/playground.stamp", hash);
  return `playground: bundled build/playground/ in ${((performance.now() - t0) / 1000).toFixed(1)} s`;
}

try {
  if (!hostOnly) console.log(await buildKernel({ force }));
  await buildHw();
  console.log(await buildHost());
  if (!hostOnly) console.log(await playground());
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
