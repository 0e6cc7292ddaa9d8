// tools/assign/registry.ts — the course's assignments, in the order they are handed out.
// Each has a handout (docs/assignments/NAME.md), solution regions in the kernel sources
// (`@solution NAME begin` ... `stub` ... `end`, tools/assign/markers.ts), graded checks
// (tools/assign/checks/NAME.ts) and a rubric of weights (tools/assign/rubrics/NAME.json).

import { ConfigError } from "../host/errors";
import type { Check } from "./check";
import { checks as pagetable } from "./checks/pagetable";
import { checks as tcow } from "./checks/tcow";
import { checks as align } from "./checks/align";
import { checks as patch } from "./checks/patch";
import { checks as mapfile } from "./checks/mapfile";
import { checks as report } from "./checks/report";
import pagetableRubric from "./rubrics/pagetable.json";
import tcowRubric from "./rubrics/tcow.json";
import alignRubric from "./rubrics/align.json";
import patchRubric from "./rubrics/patch.json";
import mapfileRubric from "./rubrics/mapfile.json";
import reportRubric from "./rubrics/report.json";
import { validateRubric, type Rubric } from "./rubric";

export interface Assignment {
  name: string;
  title: string;
  /** Expected effort for a student who has done the ones before, in hours. */
  hours: string;
  checks: Check[];
  rubric: Rubric;
  /** False when no check runs the kernel (the grader then does not build it). */
  kernel?: boolean;
}

export const ASSIGNMENTS: Assignment[] = [
  { name: "pagetable", title: "Page tables, the MMU walk, TLBs and shootdowns", hours: "7-9", checks: pagetable, rubric: pagetableRubric },
  { name: "tcow", title: "Copy-on-write and TCOW: emulated copy on output", hours: "8-10", checks: tcow, rubric: tcowRubric },
  { name: "align", title: "Input alignment, page swapping and reverse copyout", hours: "9-11", checks: align, rubric: alignRubric },
  { name: "patch", title: "Header patching on a NIC without header split", hours: "8-12", checks: patch, rubric: patchRubric },
  { name: "mapfile", title: "Mapped file I/O and pswap: network to disk without a CPU copy", hours: "8-10", checks: mapfile, rubric: mapfileRubric },
  { name: "report", title: "Report: the semantics measured and compared", hours: "10-12", checks: report, rubric: reportRubric, kernel: false },
];

for (const a of ASSIGNMENTS) validateRubric(a.rubric, a.name, a.checks);

/** assignment: the assignment called name; throws listing the names otherwise. */
export function assignment(name: string): Assignment {
  const a = ASSIGNMENTS.find((x) => x.name === name);
  if (!a) throw new ConfigError(`no assignment "${name}" (assignments: ${ASSIGNMENTS.map((x) => x.name).join(", ")})`);
  return a;
}
