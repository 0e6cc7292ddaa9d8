// tools/assign/run.ts — running an assignment's checks and scoring them against its rubric.
// No Node built-ins: the CLI's worker, vitest and a browser worker all use this.
//
//   for each check, in order:
//     a dependency did not pass?  skip: "depends on X" (no second failure for one mistake)
//     otherwise                   run it on fresh worlds of the kernel under test; then every
//                                 machine it booted must pass the kernel's invariant check
//   score: a passing check earns its rubric points; anything else earns 0

import { World } from "../host/index";
import * as host from "../host/index";
import { checkMachines, type Check, type CheckContext } from "./check";
import { autoPoints, manualPoints, type Rubric } from "./rubric";

export type Status = "pass" | "fail" | "skip" | "timeout";

/** The outcome of one check (what the worker sends back; no points yet). */
export interface Outcome {
  id: string;
  status: Status;
  /** Why it failed or was skipped ("" when it passed). */
  message: string;
  /** Wall-clock milliseconds the check took (grading time, not simulated time). */
  ms: number;
}

/** A scored check. */
export interface CheckResult extends Outcome {
  title: string;
  points: number;
  max: number;
}

/** An assignment graded: what `genie grade --json` prints and course tooling reads. */
export interface GradeReport {
  assignment: string;
  tree: string;
  score: number;
  max: number;
  /** Points the instructor still grades by hand (not in score or max). */
  manualMax: number;
  checks: CheckResult[];
  /** Wall-clock milliseconds: building the kernel, and running the checks. */
  buildMs: number;
  checkMs: number;
  /** Set when the kernel did not build: every check then fails with this message. */
  buildError?: string;
}

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

/** runChecks: run checks in order in this thread, skipping those whose dependencies failed. */
export async function runChecks(checks: Check[], env: RunEnv, onOutcome?: (o: Outcome) => void): Promise<Outcome[]> {
  const done = new Map<string, Outcome>();
  for (const c of checks) {
    const d = blockedBy(c, done);
    const o = d ? skipped(c, d) : await runCheck(c, env);
    done.set(c.id, o);
    onOutcome?.(o);
  }
  return [...done.values()];
}

/** score: the report of outcomes under rubric r. */
export function score(assignment: string, tree: string, checks: Check[], outcomes: Outcome[], r: Rubric, ms: { buildMs: number; checkMs: number }, buildError?: string): GradeReport {
  const byId = new Map(outcomes.map((o) => [o.id, o]));
  const results = checks.map((c): CheckResult => {
    const o = byId.get(c.id) ?? { id: c.id, status: "fail" as Status, message: "not run", ms: 0 };
    const max = r.checks[c.id] ?? 0;
    return { ...o, title: c.title, max, points: o.status === "pass" ? max : 0 };
  });
  return {
    assignment, tree,
    score: results.reduce((a, x) => a + x.points, 0),
    max: autoPoints(r),
    manualMax: manualPoints(r),
    checks: results,
    ...ms,
    ...(buildError ? { buildError } : {}),
  };
}

/** formatReport: the per-check table a student reads. */
export function formatReport(g: GradeReport, r: Rubric): string {
  const w = Math.max(5, ...g.checks.map((c) => c.id.length));
  const lines = [`assignment ${g.assignment}: ${g.tree}`, ""];
  if (g.buildError) lines.push(`the kernel did not build:\n${g.buildError}`, "");
  lines.push(`  ${"check".padEnd(w)}  result   points`);
  for (const c of g.checks) {
    const res = c.status === "pass" ? "ok" : c.status === "skip" ? "skipped" : c.status === "timeout" ? "TIMEOUT" : "FAIL";
    lines.push(`  ${c.id.padEnd(w)}  ${res.padEnd(7)}  ${String(c.points).padStart(3)}/${c.max}   ${c.title}`);
    if (c.status !== "pass") lines.push(`  ${" ".repeat(w)}           ${c.message.split("\n")[0]}`);
  }
  lines.push("", `  total: ${g.score}/${g.max}${g.max ? ` (${Math.round((100 * g.score) / g.max)}%)` : ""}`);
  for (const m of r.manual ?? []) lines.push(`  graded by the instructor: ${m.id} (${m.points} points) ${m.title}`);
  lines.push(`  time: build ${(g.buildMs / 1000).toFixed(1)} s, checks ${(g.checkMs / 1000).toFixed(1)} s`);
  return lines.join("\n") + "\n";
}
