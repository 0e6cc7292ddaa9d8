// tools/assign/run.ts — running an assignment's checks (scoring them: score.ts).
// No Node built-ins: the CLI's worker, vitest and a browser worker all use this.
//
//   for each check, in order:
//     a dependency did not pass?  skip: "depends on X" (no second failure for one mistake)
//     otherwise                   run it on fresh worlds of the kernel under test; then every
//                                 machine it booted must pass the kernel's invariant check

import { World } from "../host/index";
import * as host from "../host/index";
import { checkMachines, type Check, type CheckContext } from "./check";
import type { Outcome, WorkerMessage } from "./score";

export { formatReport, score, type CheckResult, type GradeReport, type Outcome, type Status, type WorkerMessage } from "./score";

export interface RunEnv {
  kernel: WebAssembly.Module | null;
  readFile(path: string): string | null;
}

const now = (): number => (typeof performance !== "undefined" ? performance.now() : Date.now());

/** blockedBy: the first dependency of c that did not pass, or null. */
export function blockedBy(c: Check, done: Map<string, Outcome>): string | null {
  for (const d of c.depends ?? []) if (done.get(d)?.status !== "pass") return d;
  return null;
}

/** skipped: the outcome of a check whose dependency d did not pass. */
export function skipped(c: Check, d: string): Outcome {
  return { id: c.id, status: "skip", message: `skipped: depends on ${d}`, ms: 0 };
}

/** runCheck: run one check in this thread (a kernel that hangs hangs the caller: see grade.ts). */
export async function runCheck(c: Check, env: RunEnv): Promise<Outcome> {
  const t0 = now();
  const worlds: World[] = [];
  const t: CheckContext = {
    get kernel(): WebAssembly.Module {
      if (!env.kernel) throw new Error("no kernel: it did not build (or this assignment builds none)");
      return env.kernel;
    },
    host,
    world(seed = 1) {
      const w = new World({ kernel: t.kernel, seed });
      worlds.push(w);
      return w;
    },
    readFile: env.readFile,
  };
  try {
    await c.run(t);
    checkMachines(worlds.flatMap((w) => w.machines));
    return { id: c.id, status: "pass", message: "", ms: now() - t0 };
  } catch (e) {
    const err = e as Error;
    const message = err?.name === "CheckFailure" ? err.message : `${err?.name ?? "Error"}: ${err?.message ?? String(e)}`;
    return { id: c.id, status: "fail", message, ms: now() - t0 };
  }
}

/** runJob: run the checks ids in order, after the outcomes done (their dependencies), telling
 *  post as each starts and ends (a grading worker's work: the CLI's and the playground's). */
export async function runJob(checks: Check[], ids: string[], done: Outcome[], env: RunEnv, post: (m: WorkerMessage) => void): Promise<void> {
  const byId = new Map(done.map((o) => [o.id, o]));
  for (const id of ids) {
    const c = checks.find((x) => x.id === id);
    if (!c) throw new Error(`no check "${id}"`);
    const d = blockedBy(c, byId);
    if (!d) post({ type: "start", id });
    const o = d ? skipped(c, d) : await runCheck(c, env);
    byId.set(id, o);
    post({ type: "outcome", outcome: o });
  }
  post({ type: "end" });
}

/** runChecks: run checks in order in this thread, skipping those whose dependencies failed. */
export async function runChecks(checks: Check[], env: RunEnv, onOutcome?: (o: Outcome) => void): Promise<Outcome[]> {
  const out: Outcome[] = [];
  await runJob(checks, checks.map((c) => c.id), [], env, (m) => {
    if (m.type !== "outcome") return;
    out.push(m.outcome);
    onOutcome?.(m.outcome);
  });
  return out;
}
