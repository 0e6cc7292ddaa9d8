// tools/cli/assign.ts — `genie assign` and `genie grade`: the command line only; the work is in
// tools/assign/ (generate.ts, grade.ts).
//
//   genie assign NAME[,NAME...] --out DIR [--keep-solved A,B]
//   genie grade NAME [--tree DIR | --class DIR] [--json] [--csv FILE] [--checks DIR] [--timeout SEC]

import { writeFileSync } from "node:fs";
import { projectRoot } from "../host/node";
import { generate } from "../assign/generate";
import { classCsv, classTrees, gradeTree, type GradeOptions } from "../assign/grade";
import { ASSIGNMENTS, assignment } from "../assign/registry";
import { formatReport, type GradeReport } from "../assign/run";
import { parseFlags } from "./bench";
import { UsageError } from "./usage";

export const ASSIGN_USAGE = `  assign NAME --out DIR [--keep-solved A,B]
                            write a student tree into DIR: the repository with the solution
                            regions of NAME (a list, or "all") replaced by stubs; --keep-solved
                            leaves those solved (all --keep-solved pagetable,tcow)
  grade NAME [--tree DIR] [--json] [--checks DIR] [--timeout SEC]
                            build the tree's kernel and run assignment NAME's checks: points per
                            check and a total (--json: the report for course tools)
  grade NAME --class DIR [--csv FILE] [--json]
                            grade every student tree in DIR's subfolders: one CSV row each
                            assignments: ${ASSIGNMENTS.map((a) => a.name).join(", ")}
`;

/** positional: the one argument that is neither an option nor an option's value, and the rest. */
function positional(cmd: string, args: string[]): [string, string[]] {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith("--")) return [a, [...args.slice(0, i), ...args.slice(i + 1)]];
    if (!a.includes("=") && VALUED.has(a.slice(2))) i++;
  }
  throw new UsageError(`${cmd}: which assignment? (${ASSIGNMENTS.map((a) => a.name).join(", ")})`);
}
const VALUED = new Set(["out", "keep-solved", "tree", "class", "csv", "checks", "timeout"]);

/** names: a comma list of assignments ("all": every one), each checked. */
function names(cmd: string, list: string): string[] {
  const ns = list === "all" ? ASSIGNMENTS.map((a) => a.name) : list.split(",").map((s) => s.trim()).filter(Boolean);
  for (const n of ns) if (!ASSIGNMENTS.some((a) => a.name === n)) throw new UsageError(`${cmd}: no assignment "${n}" (assignments: ${ASSIGNMENTS.map((a) => a.name).join(", ")})`);
  return ns;
}

/** runAssign: genie assign. */
export function runAssign(args: string[]): number {
  const [list, rest] = positional("assign", args);
  const f = parseFlags("assign", rest, { out: true, "keep-solved": true });
  const out = f.get("out");
  if (typeof out !== "string") throw new UsageError("assign: --out DIR is required");
  const keep = new Set(names("assign", (f.get("keep-solved") as string | undefined) ?? ""));
  const stub = names("assign", list).filter((n) => !keep.has(n));
  if (stub.length === 0) throw new UsageError("assign: every assignment named is kept solved: nothing to hand out");
  const g = generate(projectRoot(), out, stub);
  process.stdout.write(`${out}: ${g.files} files; assignment ${stub.join(", ")}: ${g.stubbed.length} regions replaced by stubs\n`);
  for (const s of g.stubbed) process.stdout.write(`  ${s}\n`);
  process.stdout.write(`grade it with: genie grade ${stub[0]} --tree ${out}\n`);
  return 0;
}

/** runGrade: genie grade. Exit status 0 when every check passed, 1 otherwise. */
export async function runGrade(args: string[], workerUrl?: URL): Promise<number> {
  const [name, rest] = positional("grade", args);
  assignmentOrUsage(name);
  const f = parseFlags("grade", rest, { tree: true, class: true, json: false, csv: true, checks: true, timeout: true });
  if (f.has("tree") && f.has("class")) throw new UsageError("grade: --tree and --class exclude each other");
  if (f.has("csv") && !f.has("class")) throw new UsageError("grade: --csv needs --class");
  const timeout = f.get("timeout");
  if (timeout !== undefined && !(typeof timeout === "string" && /^\d+(\.\d+)?$/.test(timeout) && Number(timeout) > 0))
    throw new UsageError(`grade: --timeout "${timeout}" is not a number of seconds`);
  const opts: GradeOptions = {
    checksDir: f.get("checks") as string | undefined,
    timeoutMs: timeout ? Number(timeout) * 1000 : undefined,
    workerUrl,
  };
  const rubric = assignment(name).rubric;
  if (f.has("class")) {
    const reports: GradeReport[] = [];
    for (const tree of classTrees(f.get("class") as string)) {
      const r = await gradeTree(name, { ...opts, tree });
      reports.push(r);
      if (!f.has("json")) process.stdout.write(`${tree}: ${r.score}/${r.max}${r.buildError ? " (the kernel did not build)" : ""}\n`);
    }
    if (f.has("csv")) writeFileSync(f.get("csv") as string, classCsv(reports));
    if (f.has("json")) process.stdout.write(JSON.stringify(reports, null, 2) + "\n");
    return 0;
  }
  const r = await gradeTree(name, { ...opts, tree: f.get("tree") as string | undefined });
  process.stdout.write(f.has("json") ? JSON.stringify(r, null, 2) + "\n" : formatReport(r, rubric));
  return r.score === r.max && !r.buildError ? 0 : 1;
}

function assignmentOrUsage(name: string): void {
  try {
    assignment(name);
  } catch (e) {
    throw new UsageError(`grade: ${(e as Error).message}`);
  }
}
