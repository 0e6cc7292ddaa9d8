// tools/assign/rubric.ts — the weights of an assignment's checks, kept apart from the checks.
//
//   tools/assign/rubrics/NAME.json
//   {
//     "assignment": "tcow",
//     "checks": { "send-is-snapshot": 20, ... },          every automated check, its points
//     "manual": [ { "id": "q1", "points": 10, "title": "..." } ]   graded by the instructor
//   }
//
// A check with no weight, or a weight with no check, is an error: a rubric and its checks
// always describe the same work (test/assign/rubrics.test.ts holds the built-in ones to it).

import { ConfigError } from "../host/errors";
import type { Check } from "./check";

export interface ManualItem {
  id: string;
  points: number;
  title: string;
}

export interface Rubric {
  assignment: string;
  checks: Record<string, number>;
  manual?: ManualItem[];
}

/** parseRubric: a rubric from its JSON text, validated against the assignment's checks. */
export function parseRubric(text: string, name: string, checks: Check[]): Rubric {
  let r: Rubric;
  try {
    r = JSON.parse(text) as Rubric;
  } catch (e) {
    throw new ConfigError(`rubric ${name}: not JSON (${(e as Error).message})`);
  }
  validateRubric(r, name, checks);
  return r;
}

/** validateRubric: throw naming every mismatch between rubric r and the checks. */
export function validateRubric(r: Rubric, name: string, checks: Check[]): void {
  const errs: string[] = [];
  if (r?.assignment !== name) errs.push(`"assignment" is ${JSON.stringify(r?.assignment)}, not "${name}"`);
  const weights = r?.checks ?? {};
  const ids = new Set(checks.map((c) => c.id));
  for (const id of ids) if (!(id in weights)) errs.push(`check "${id}" has no points`);
  for (const [id, pts] of Object.entries(weights)) {
    if (!ids.has(id)) errs.push(`"${id}" is not a check of ${name}`);
    if (!(Number.isFinite(pts) && pts >= 0)) errs.push(`"${id}": points must be a number >= 0, got ${JSON.stringify(pts)}`);
  }
  for (const m of r?.manual ?? []) {
    if (!m.id || !(Number.isFinite(m.points) && m.points >= 0)) errs.push(`manual item ${JSON.stringify(m)} needs an id and points >= 0`);
  }
  for (const c of checks) for (const d of c.depends ?? []) if (!ids.has(d)) errs.push(`check "${c.id}" depends on unknown "${d}"`);
  if (errs.length) throw new ConfigError(`rubric ${name}: ${errs.join("; ")}`);
}

/** autoPoints: the points the automated checks are worth in total. */
export function autoPoints(r: Rubric): number {
  return Object.values(r.checks).reduce((a, b) => a + b, 0);
}

/** manualPoints: the points the instructor grades by hand. */
export function manualPoints(r: Rubric): number {
  return (r.manual ?? []).reduce((a, m) => a + m.points, 0);
}
