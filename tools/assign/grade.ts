// tools/assign/grade.ts — grade a student's tree: build its kernel, run the assignment's checks
// (the grader's own copies, never the tree's), score them with the rubric.
//
//   build      asc, debug target, from the tree's sources, into memory (build.ts)
//   checks     in a worker thread, one after the other; a check gets `timeoutMs` of wall-clock
//              time: past it, or if the worker dies, that check fails ("timeout") and a fresh
//              worker goes on with the rest (supervise.ts). A kernel panic fails the check it
//              happened in.
//   score      rubric points for each passing check (score.ts)
//
// Extra checks kept outside the repository (`--checks DIR`): DIR/NAME.ts (or .mjs, .js)
// exporting `checks`, and DIR/NAME.json, the rubric weighing the assignment's own checks and
// these. They import the host library as "genie/host" and the helpers as "genie/assign".

import { ConfigError } from "../host/errors";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { projectRoot } from "../host/node";
import { buildKernel } from "./build";
import { isTree } from "./generate";
import { assignment } from "./registry";
import { parseRubric, type Rubric } from "./rubric";
import { runChecks, score, type GradeReport, type Outcome } from "./run";
import { DEFAULT_TIMEOUT_MS, supervise } from "./supervise";
import { jobChecks, treeReader, type WorkerJob } from "./worker";

export interface GradeOptions {
  /** The student's tree (default: this repository). */
  tree?: string;
  /** A folder of extra checks and their rubric, outside the repository. */
  checksDir?: string;
  /** Wall-clock limit per check (default 60 s). */
  timeoutMs?: number;
  /** The bundled worker script; without it the checks run in this thread (no hang protection). */
  workerUrl?: URL;
  /** A kernel already built from the tree (tests share builds). */
  wasm?: Uint8Array<ArrayBuffer>;
}

/** Extra checks of a --checks folder, bundled for import. */
interface Extra {
  module?: string;
  rubric?: Rubric;
  cleanup(): void;
}

/** loadExtra: bundle DIR/NAME.{ts,mjs,js} (if any) and read DIR/NAME.json (if any). */
async function loadExtra(name: string, dir: string): Promise<Extra> {
  if (!existsSync(dir)) throw new ConfigError(`--checks: ${dir} does not exist`);
  const src = ["ts", "mjs", "js"].map((e) => join(dir, `${name}.${e}`)).find(existsSync);
  const rubricFile = join(dir, `${name}.json`);
  if (!src && !existsSync(rubricFile)) throw new ConfigError(`--checks: ${dir} has neither ${name}.ts nor ${name}.json`);
  if (src && !existsSync(rubricFile)) throw new ConfigError(`--checks: ${src} needs a rubric ${rubricFile} weighing every check of ${name}`);
  let module: string | undefined;
  let tmp: string | undefined;
  if (src) {
    const esbuild = await import("esbuild");
    tmp = mkdtempSync(join(tmpdir(), "genie-checks-"));
    module = join(tmp, `${name}.mjs`);
    const root = projectRoot();
    await esbuild.build({
      entryPoints: [src], outfile: module, bundle: true, format: "esm", platform: "neutral", logLevel: "silent",
      alias: { "genie/host": join(root, "tools/host/index.ts"), "genie/assign": join(root, "tools/assign/check.ts") },
    });
    module = pathToFileURL(module).href;
  }
  const checks = await jobChecks(name, module);
  const rubric = existsSync(rubricFile) ? parseRubric(readFileSync(rubricFile, "utf8"), name, checks) : undefined;
  return { module, rubric, cleanup: () => tmp && rmSync(tmp, { recursive: true, force: true }) };
}

/** inWorkers: run ids in worker threads, one check at a time, each within timeoutMs (supervise.ts). */
function inWorkers(url: URL, base: Omit<WorkerJob, "ids" | "done">, ids: string[], timeoutMs: number): Promise<Outcome[]> {
  return supervise((left, done) => {
    const w = new Worker(url, { workerData: { ...base, ids: left, done } satisfies WorkerJob });
    return {
      onMessage: (f) => w.on("message", f),
      onFailure(f) {
        w.on("error", (e) => f(`the check crashed its worker: ${e.message}`));
        w.on("exit", () => f("the check's worker exited"));
      },
      terminate: () => void w.terminate(),
    };
  }, ids, timeoutMs);
}

/** gradeTree: grade the tree of opts for assignment name. */
export async function gradeTree(name: string, opts: GradeOptions = {}): Promise<GradeReport> {
  const a = assignment(name);
  const tree = resolve(opts.tree ?? projectRoot());
  if (!isTree(tree)) throw new ConfigError(`${tree} is not a kernel tree (no kernel/index.ts)`);
  const extra = opts.checksDir ? await loadExtra(name, resolve(opts.checksDir)) : undefined;
  try {
    const checks = await jobChecks(name, extra?.module);
    const rubric = extra?.rubric ?? a.rubric;
    const built = opts.wasm || a.kernel === false ? { wasm: opts.wasm ?? null, error: "", ms: 0 } : await buildKernel(tree);
    const t0 = performance.now();
    let outcomes: Outcome[];
    if (opts.workerUrl) {
      outcomes = await inWorkers(opts.workerUrl, { assignment: name, wasm: built.wasm, tree, extra: extra?.module }, checks.map((c) => c.id), opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    } else {
      const kernel = built.wasm ? await WebAssembly.compile(built.wasm) : null;
      outcomes = await runChecks(checks, { kernel, readFile: treeReader(tree) });
    }
    return score(name, tree, checks, outcomes, rubric, { buildMs: built.ms, checkMs: performance.now() - t0 }, built.error || undefined);
  } finally {
    extra?.cleanup();
  }
}

/** classTrees: the student trees in dir (its subfolders holding a kernel), by name. */
export function classTrees(dir: string): string[] {
  const trees = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && isTree(join(dir, e.name)))
    .map((e) => join(dir, e.name))
    .sort();
  if (trees.length === 0) throw new ConfigError(`${dir} holds no student tree (a subfolder with kernel/index.ts)`);
  return trees;
}

/** csv: one row per student: name, score, max, percent, each check's points, build error. */
export function classCsv(reports: GradeReport[]): string {
  const ids = reports[0]?.checks.map((c) => c.id) ?? [];
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const rows = [["student", "score", "max", "percent", ...ids, "build_error"].join(",")];
  for (const r of reports) {
    const pts = ids.map((id) => String(r.checks.find((c) => c.id === id)?.points ?? 0));
    rows.push([q(basename(r.tree)), r.score, r.max, r.max ? Math.round((1000 * r.score) / r.max) / 10 : 0, ...pts, q((r.buildError ?? "").split("\n")[0])].join(","));
  }
  return rows.join("\n") + "\n";
}
