// tools/build/kernel.mjs — build the kernel (asc: the debug and release targets of asconfig.json,
// entry kernel/index.ts) unless no kernel source changed since the last build (build/kernel.stamp:
// a hash of base/ vm/ drivers/ net/ fs/ kernel/, asconfig.json and the compiler's version).
// Quiet: asc's INFO diagnostics (hints such as "Expression is never 'null'") are counted, not
// shown; warnings and errors are printed as asc writes them. `--force` rebuilds anyway.
//
//   node tools/build/kernel.mjs [--force]     (npm run build:kernel; run by build.mjs)

import { mkdirSync, readFileSync } from "node:fs";
import { digest, files, fresh, stamp } from "./stamp.mjs";

export const KERNEL_SOURCES = ["base", "vm", "drivers", "net", "fs", "kernel", "asconfig.json"];
export const KERNEL_TARGETS = ["debug", "release"];
const STAMP = "build/kernel.stamp";

/** quietStream: a stream for asc that drops INFO diagnostics (one write each) and counts them. */
function quietStream(to) {
  const s = { hidden: 0 };
  s.write = (chunk) => {
    const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    if (/^(\x1b\[[0-9;]*m)*INFO\b/.test(text)) s.hidden++;
    else to.write(text);
  };
  return s;
}

/** buildKernel: asc both targets if a source changed; a line saying what was done. Throws if asc fails. */
export async function buildKernel({ force = false } = {}) {
  const version = JSON.parse(readFileSync("node_modules/assemblyscript/package.json", "utf8")).version;
  const hash = digest(files(KERNEL_SOURCES), [`asc ${version}`]);
  const outputs = KERNEL_TARGETS.map((t) => `build/${t}.wasm`);
  if (!force && fresh(STAMP, hash, outputs)) return "kernel: up to date";
  mkdirSync("build", { recursive: true });
  const { default: asc } = await import("assemblyscript/asc"); // binaryen: a second to load
  const t0 = performance.now();
  let hidden = 0;
  for (const target of KERNEL_TARGETS) {
    const stderr = quietStream(process.stderr);
    const { error } = await asc.main(["kernel/index.ts", "--target", target], { stdout: process.stdout, stderr });
    hidden += stderr.hidden;
    if (error) throw new Error(`kernel: asc --target ${target} failed: ${error.message}`);
  }
  stamp(STAMP, hash);
  const notes = hidden ? ` (${hidden} compiler hints not shown)` : "";
  return `kernel: built ${outputs.join(", ")} in ${((performance.now() - t0) / 1000).toFixed(1)} s${notes}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.chdir(new URL("../..", import.meta.url).pathname);
  try {
    console.log(await buildKernel({ force: process.argv.includes("--force") }));
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
