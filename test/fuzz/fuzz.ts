// test/fuzz/fuzz.ts — one fuzzing campaign: fast-check draws programs (program.ts), the runner
// (runner.ts) runs each against the kernel and the model; the first failing program is shrunk
// and reported with its seed, its path and the command that replays it exactly.

import fc from "fast-check";
import { Divergence, Runner } from "./runner";
import { programArb, type Program } from "./program";

export interface FuzzOptions {
  kernel: WebAssembly.Module;
  /** fast-check's seed (printed; GENIE_FUZZ_SEED replays it). */
  seed: number;
  /** fast-check's path of a failure to replay alone (GENIE_FUZZ_PATH). */
  path?: string;
  /** Programs to run (at most). */
  runs: number;
  /** Stop once this many operations have run (the count is deterministic, so the same
   *  programs run every time). */
  stopAtOps?: number;
  /** Commands per program. */
  minLen?: number;
  maxLen?: number;
  /** Wall-clock budget for shrinking a failure, ms (then the smallest failing program so far
   *  is reported: shrinking is interrupted, so the path stays replayable). */
  shrinkMs?: number;
  /** Called after each program that passed (progress). */
  onProgram?: (ops: number, ms: number) => void;
  /** The command a report tells to replay a failure (the seed and path are appended). */
  replay?: (seed: number, path: string) => string;
}

export interface FuzzResult {
  programs: number;
  ops: number;
  skipped: number;
  settles: number;
  /** Invariant reports known to be false positives of the checker, ignored. */
  knownFalsePositives: number;
  /** Operations run, per kind. */
  byOp: Record<string, number>;
  /** The failure report (seed, path, shrunk program, replay command), or null. */
  failure: string | null;
}

/** fuzz: run the campaign; counts of what ran and the failure report, if any. */
export async function fuzz(o: FuzzOptions): Promise<FuzzResult> {
  const res: FuzzResult = { programs: 0, ops: 0, skipped: 0, settles: 0, knownFalsePositives: 0, byOp: {}, failure: null };
  let failedAt = 0;
  const prop = fc.asyncProperty(programArb(o.minLen ?? 1, o.maxLen ?? 1500), async (prog) => {
    // Over the shrinking budget, or enough operations run: fast-check stops here (an
    // interrupting precondition failure), keeping the smallest failing program found so far.
    // Merely passing every later candidate would make it walk the rest of the shrink tree, which
    // for a program of a thousand commands takes many minutes.
    if (failedAt && performance.now() - failedAt > (o.shrinkMs ?? 60_000)) throw new fc.PreconditionFailure(true);
    if (!failedAt && o.stopAtOps !== undefined && res.ops >= o.stopAtOps) throw new fc.PreconditionFailure(true);
    const r = new Runner(o.kernel);
    const t = performance.now();
    let s;
    try {
      s = await r.run(prog);
    } catch (e) {
      failedAt ||= performance.now();
      throw e;
    }
    o.onProgram?.(s.ops, performance.now() - t);
    res.programs++;
    res.ops += s.ops;
    res.skipped += s.skipped;
    res.settles += s.settles;
    res.knownFalsePositives += s.knownFalsePositives;
    for (const [k, v] of Object.entries(s.byOp)) res.byOp[k] = (res.byOp[k] ?? 0) + v;
  });
  const details = await fc.check(prop, { seed: o.seed, path: o.path, numRuns: o.runs, endOnFailure: false });
  if (!details.failed) return res;
  const prog = details.counterexample![0] as Program;
  const path = details.counterexamplePath ?? "";
  // Run the shrunk program once more with its trace on, for the report.
  const again = new Runner(o.kernel, true);
  let err: unknown = details.errorInstance;
  try {
    await again.run(prog);
  } catch (e) {
    err = e;
  }
  const replay = o.replay?.(o.seed, path) ?? `GENIE_FUZZ_SEED=${o.seed} GENIE_FUZZ_PATH=${path}`;
  res.failure = [
    `kernel fuzzing failed: seed ${o.seed}, path ${path}, after ${details.numRuns} program(s), shrunk ${details.numShrinks} time(s)`,
    `error: ${err instanceof Divergence ? err.message : err instanceof Error ? err.stack : String(err)}`,
    `shrunk program (${prog.cmds.length} commands): ${JSON.stringify(prog)}`,
    `what ran:`,
    ...again.log.map((l) => "  " + l),
    `replay: ${replay}`,
  ].join("\n");
  return res;
}

export interface SurveyResult {
  programs: number;
  ops: number;
  skipped: number;
  byOp: Record<string, number>;
  /** Every program that failed: its number (from 1), the path that replays it alone, the error. */
  failures: { program: number; path: string; error: string }[];
}

/** survey: run the programs of o.seed in the campaign's order until o.stopAtOps operations
 *  have run, going on past failures (none is shrunk); each failing program with its path. */
export async function survey(o: FuzzOptions & { stopAtOps: number }): Promise<SurveyResult> {
  const res: SurveyResult = { programs: 0, ops: 0, skipped: 0, byOp: {}, failures: [] };
  const prop = fc.asyncProperty(programArb(o.minLen ?? 1, o.maxLen ?? 1500), async (prog) => {
    if (res.ops >= o.stopAtOps) throw new fc.PreconditionFailure(true);
    const r = new Runner(o.kernel);
    const t = performance.now();
    res.programs++;
    try {
      await r.run(prog);
    } catch (e) {
      // Program n is replayed alone by the path "n-1" (fast-check's index of the run).
      res.failures.push({ program: res.programs, path: String(res.programs - 1), error: e instanceof Error ? e.message : String(e) });
    }
    o.onProgram?.(r.stats.ops, performance.now() - t);
    res.ops += r.stats.ops;
    res.skipped += r.stats.skipped;
    for (const [k, v] of Object.entries(r.stats.byOp)) res.byOp[k] = (res.byOp[k] ?? 0) + v;
  });
  await fc.check(prop, { seed: o.seed, numRuns: o.runs });
  return res;
}
