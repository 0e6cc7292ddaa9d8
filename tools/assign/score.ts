// tools/assign/score.ts — an assignment's outcomes scored against its rubric, and the table a
// student reads. Imports neither Node nor the host library (the playground's page uses it).
//
//   a passing check earns its rubric points; anything else (failed, timed out, skipped because
//   a check it depends on did not pass) earns 0

import type { Check } from "./check";
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

/** What a grading worker tells its supervisor (supervise.ts). */
export type WorkerMessage = { type: "start"; id: string } | { type: "outcome"; outcome: Outcome } | { type: "end" };

/** score: the report of outcomes under rubric r. */
export function score(assignment: string, tree: string, checks: Pick<Check, "id" | "title">[], outcomes: Outcome[], r: Rubric, ms: { buildMs: number; checkMs: number }, buildError?: string): GradeReport {
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
