// tools/fuzz/soak.ts — fuzz the kernel against its model for N minutes with fresh seeds
// (npm run soak -- --minutes N). Each batch of programs gets a random seed, printed with its
// throughput; the first failure prints its report and the command that replays it, and the
// soak exits 1.
//
//   npm run soak -- --minutes 10 [--release] [--runs-per-seed 20] [--seed S]

import { randomInt } from "node:crypto";
import { parseArgs } from "node:util";
import { loadKernel } from "../host/node";
import { fuzz } from "../../test/fuzz/fuzz";

const USAGE = "usage: npm run soak -- --minutes N [--release] [--runs-per-seed N] [--seed S]";
let o: { minutes: string; "runs-per-seed": string; seed?: string; release?: boolean };
try {
  o = parseArgs({
    options: { minutes: { type: "string", default: "5" }, "runs-per-seed": { type: "string", default: "20" }, seed: { type: "string" }, release: { type: "boolean" } },
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
