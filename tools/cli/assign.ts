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
import { GenieCommand, InvalidArgumentError, valueOption } from "./command";
import { UsageError } from "./usage";

const KNOWN = () => ASSIGNMENTS.map((a) => a.name).join(", ");

/** names: a comma list of assignments ("all": every one), each checked. */
function names(cmd: string, list: string): string[] {
  const ns = list === "all" ? ASSIGNMENTS.map((a) => a.name) : list.split(",").map((s) => s.trim()).filter(Boolean);
  for (const n of ns) if (!ASSIGNMENTS.some((a) => a.name === n)) throw new UsageError(`${cmd}: no assignment "${n}" (assignments: ${KNOWN()})`, cmd);
  return ns;
}

/** seconds: a parser for a positive number of seconds. */
function seconds(v: string, flag: string): number {
  if (!/^\d+(\.\d+)?$/.test(v) || !(Number(v) > 0)) throw new InvalidArgumentError(`${flag} "${v}" is not a number of seconds`);
  return Number(v);
}

/** assignCommand: `genie assign NAME --out DIR`. */
export function assignCommand(): GenieCommand {
  return new GenieCommand("assign")
    .description(`write a student tree into DIR: the repository with the solution regions of NAME (a list, or "all") replaced by stubs (assignments: ${KNOWN()})`)
    .argument("<NAME>", "the assignment, a comma list of them, or all")
    .addOption(valueOption("--out <DIR>", "the folder to write (it must not exist or be empty)"))
    .addOption(valueOption("--keep-solved <A,B>", "assignments whose regions stay solved (all --keep-solved pagetable,tcow)"))
    .action((list: string, o: { out?: string; keepSolved?: string }) => {
      if (o.out === undefined) throw new UsageError("assign: --out DIR is required", "assign");
      const keep = new Set(names("assign", o.keepSolved ?? ""));
      const stub = names("assign", list).filter((n) => !keep.has(n));
      if (stub.length === 0) throw new UsageError("assign: every assignment named is kept solved: nothing to hand out", "assign");
      const g = generate(projectRoot(), o.out, stub);
      process.stdout.write(`${o.out}: ${g.files} files; assignment ${stub.join(", ")}: ${g.stubbed.length} regions replaced by stubs\n`);
      for (const s of g.stubbed) process.stdout.write(`  ${s}\n`);
      process.stdout.write(`grade it with: genie grade ${stub[0]} --tree ${o.out}\n`);
    });
}

interface GradeFlags { tree?: string; class?: string; json?: boolean; csv?: string; checks?: string; timeout?: number }

/** gradeCommand: `genie grade NAME`; exit status 0 when every check passed, 1 otherwise. */
export function gradeCommand(workerUrl?: URL): GenieCommand {
  return new GenieCommand("grade")
    .description("build a tree's kernel and run the assignment's own checks (never the tree's copy): points per check and a total")
    .argument("<NAME>", `the assignment (${KNOWN()})`)
    .addOption(valueOption("--tree <DIR>", "the student tree to grade (default: this repository)"))
    .addOption(valueOption("--class <DIR>", "grade every student tree in DIR's subfolders"))
    .option("--json", "print the report (or the class's reports) as JSON for course tools")
    .addOption(valueOption("--csv <FILE>", "with --class: write one CSV row per student"))
    .addOption(valueOption("--checks <DIR>", "hidden checks of your own: DIR/NAME.ts and DIR/NAME.json"))
    .addOption(valueOption("--timeout <SEC>", "time limit per check (default 60)", seconds))
    .action(async (name: string, f: GradeFlags) => {
      try {
        assignment(name);
      } catch (e) {
        throw new UsageError(`grade: ${(e as Error).message}`, "grade");
      }
      if (f.tree !== undefined && f.class !== undefined) throw new UsageError("grade: --tree and --class exclude each other", "grade");
      if (f.csv !== undefined && f.class === undefined) throw new UsageError("grade: --csv needs --class", "grade");
      const opts: GradeOptions = { checksDir: f.checks, timeoutMs: f.timeout ? f.timeout * 1000 : undefined, workerUrl };
      if (f.class !== undefined) {
        const reports: GradeReport[] = [];
        for (const tree of classTrees(f.class)) {
          const r = await gradeTree(name, { ...opts, tree });
          reports.push(r);
          if (!f.json) process.stdout.write(`${tree}: ${r.score}/${r.max}${r.buildError ? " (the kernel did not build)" : ""}\n`);
        }
        if (f.csv !== undefined) writeFileSync(f.csv, classCsv(reports));
        if (f.json) process.stdout.write(JSON.stringify(reports, null, 2) + "\n");
        return;
      }
      const r = await gradeTree(name, { ...opts, tree: f.tree });
      process.stdout.write(f.json ? JSON.stringify(r, null, 2) + "\n" : formatReport(r, assignment(name).rubric));
      process.exitCode = r.score === r.max && !r.buildError ? 0 : 1;
    });
}
