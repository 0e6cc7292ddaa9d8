// tools/fuzz/soak.ts — fuzz the kernel against its model for N minutes with fresh seeds
// (npm run soak -- --minutes N). Each batch of programs gets a random seed, printed with its
// throughput; the first failure prints its report and the command that replays it, and the
// soak exits 1.
//
//   npm run soak -- --minutes 10 [--release] [--runs-per-seed 20] [--seed S]
//   npm run soak -- --survey [--seed S] [--ops N] [--release]
//
// --survey runs the programs of one seed (default: the fuzz test's fixed seed) in the test's
// order until N operations (default 100,000) have run, going on past failures, and lists every
// failing program with the command that replays it alone; it exits 1 if any failed.

import { randomInt } from "node:crypto";
import { parseArgs } from "node:util";
import { loadKernel } from "../host/node";
import { fuzz, survey } from "../../test/fuzz/fuzz";

const USAGE = "usage: npm run soak -- --minutes N [--release] [--runs-per-seed N] [--seed S]\n       npm run soak -- --survey [--seed S] [--ops N] [--release]";
/** The fuzz test's fixed seed (test/fuzz/kernel-model.test.ts). */
const FIXED_SEED = 20261204;
let o: { minutes: string; "runs-per-seed": string; seed?: string; release?: boolean; survey?: boolean; ops: string };
try {
  o = parseArgs({
    options: {
      minutes: { type: "string", default: "5" }, "runs-per-seed": { type: "string", default: "20" }, seed: { type: "string" }, release: { type: "boolean" },
      survey: { type: "boolean" }, ops: { type: "string", default: "100000" },
    },
  }).values as typeof o;
} catch (e) {
  console.error(`soak: ${(e as Error).message}\n${USAGE}`);
  process.exit(2);
}
const minutes = Number(o.minutes), perSeed = Number(o["runs-per-seed"]);
if (!(minutes > 0) || !(perSeed > 0) || (o.seed !== undefined && !(Number(o.seed) >= 0))) {
  console.error(`soak: --minutes and --runs-per-seed must be positive numbers, --seed a non-negative integer\n${USAGE}`);
  process.exit(2);
}
const target = o.release ? "release" : "debug";
const kernel = await loadKernel(target);
const kernelEnv = o.release ? "GENIE_KERNEL=release " : "";
if (o.survey) {
  const seed = o.seed !== undefined ? Number(o.seed) : FIXED_SEED, ops = Number(o.ops);
  if (!(ops > 0)) {
    console.error(`soak: --ops must be a positive number\n${USAGE}`);
    process.exit(2);
  }
  const t = Date.now(), cpu = process.cpuUsage();
  const r = await survey({ kernel, seed, runs: 100_000, stopAtOps: ops });
  const s = (Date.now() - t) / 1000, c = process.cpuUsage(cpu);
  for (const f of r.failures)
    console.log(`program ${f.program}: ${f.error.split("\n")[0]}\n  replay: ${kernelEnv}GENIE_FUZZ_SEED=${seed} GENIE_FUZZ_PATH=${f.path} npx vitest run test/fuzz/kernel-model.test.ts`);
  console.log(`survey: seed ${seed}, ${target} kernel: ${r.programs} programs, ${r.ops} operations (${r.skipped} commands skipped), ${r.failures.length} failed; ` +
    `${s.toFixed(1)} s, ${((c.user + c.system) / 1e6).toFixed(1)} s of CPU, ${Math.round(r.ops / s)} ops/s`);
  console.log(`operations: ${Object.entries(r.byOp).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(", ")}`);
  process.exit(r.failures.length ? 1 : 0);
}
// The soak's own wall clock decides only when to stop and which seeds to try; every run is
// the deterministic simulation of its seed.
const stop = Date.now() + minutes * 60_000;
let ops = 0, programs = 0, seeds = 0;
const t0 = Date.now();
console.log(`soak: ${minutes} min, ${target} kernel, ${perSeed} programs per seed`);
while (Date.now() < stop) {
  const seed = seeds === 0 && o.seed !== undefined ? Number(o.seed) : randomInt(2 ** 31);
  const t = Date.now();
  const r = await fuzz({
    kernel, seed, runs: perSeed,
    replay: (s, path) => `${kernelEnv}GENIE_FUZZ_SEED=${s} GENIE_FUZZ_PATH=${path} npx vitest run test/fuzz/kernel-model.test.ts`,
  });
  seeds++;
  ops += r.ops;
  programs += r.programs;
  const s = (Date.now() - t) / 1000;
  console.log(`seed ${seed}: ${r.programs} programs, ${r.ops} operations, ${(r.ops / s).toFixed(0)} ops/s${r.knownFalsePositives ? `, ${r.knownFalsePositives} known checker false positives ignored` : ""}`);
  if (r.failure) {
    console.log(r.failure);
    process.exit(1);
  }
}
const total = (Date.now() - t0) / 1000;
console.log(`soak: ${seeds} seeds, ${programs} programs, ${ops} operations in ${total.toFixed(0)} s: ${(ops / total).toFixed(0)} ops/s; no failure`);
