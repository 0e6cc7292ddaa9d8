// tools/assign/worker.ts — the grading worker thread: compile the kernel under test, run the
// checks it is told to, report each as it starts and ends (runJob, run.ts). The grader watches
// the clock (supervise.ts): a check that hangs the kernel costs that check only (the worker is
// ended and a new one goes on with the checks after it).

import { ConfigError } from "../host/errors";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import { runJob, type Outcome } from "./run";
import type { Check } from "./check";
import { assignment } from "./registry";

export interface WorkerJob {
  assignment: string;
  wasm: Uint8Array<ArrayBuffer> | null;
  tree: string;
  /** A bundled module of extra checks (`--checks DIR`), as a file URL. */
  extra?: string;
  /** Checks to run, in order; outcomes of the checks already done (for dependencies). */
  ids: string[];
  done: Outcome[];
}

/** jobChecks: the checks of a job: the assignment's own, then the extra ones. */
export async function jobChecks(name: string, extra?: string): Promise<Check[]> {
  const own = assignment(name).checks;
  if (!extra) return own;
  const mod = (await import(extra)) as { checks?: Check[] };
  if (!Array.isArray(mod.checks)) throw new ConfigError(`${extra}: exports no "checks" array`);
  return [...own, ...mod.checks];
}

/** treeReader: read files of the student's tree (never outside it). */
export function treeReader(tree: string): (path: string) => string | null {
  return (path) => {
    if (path.split(/[\\/]/).includes("..")) return null;
    try {
      return readFileSync(join(tree, path), "utf8");
    } catch {
      return null;
    }
  };
}

async function work(job: WorkerJob): Promise<void> {
  const kernel = job.wasm ? await WebAssembly.compile(job.wasm) : null;
  const checks = await jobChecks(job.assignment, job.extra);
  await runJob(checks, job.ids, job.done, { kernel, readFile: treeReader(job.tree) }, (m) => parentPort!.postMessage(m));
}

if (parentPort && workerData) void work(workerData as WorkerJob);
