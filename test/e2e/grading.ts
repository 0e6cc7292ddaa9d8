// test/e2e/grading.ts — what `genie grade` says of a tree, for the assignment page's tests in
// Chromium and in Firefox to compare the page's grading with.
import { expect } from "vitest";
import type { GradeReport } from "../../tools/assign/score";
import { genieAsync } from "../cli-run";

/** What a grade report says, check by check (not the times, not the tree's path). */
export const verdict = (r: GradeReport) => ({ score: r.score, max: r.max, buildError: r.buildError ?? null, checks: r.checks.map((c) => [c.id, c.status, c.points, c.max, c.message]) });

/** cliGrade: `genie grade pagetable --json` of a tree (the repository's own if none), started
 *  now in a child process. */
export async function cliGrade(tree?: string): Promise<GradeReport> {
  const r = await genieAsync("grade", "pagetable", "--json", ...(tree ? ["--tree", tree] : []));
  expect(r.stderr).toBe("");
  return JSON.parse(r.stdout) as GradeReport;
}
