// tools/playground/assign/grader.ts — the Web Worker that runs an assignment's graded checks on
// a kernel compiled in the page: the same checks and runner as `genie grade` (runJob), telling
// the page as each check starts and ends. The page holds the clock (supervise.ts) and ends this
// worker when a check overruns its time.
//
//   page -> worker  GradeJob (once)      worker -> page  { start id } ... { outcome } ... { end }

import { assignment } from "../../assign/registry";
import { runJob, type Outcome } from "../../assign/run";

export interface GradeJob {
  assignment: string;
  /** The kernel under test (null: it did not build, or the assignment builds none). */
  wasm: Uint8Array<ArrayBuffer> | null;
  /** The student's tree, for checks that read files (text files only). */
  files: [string, string][];
  ids: string[];
  done: Outcome[];
}

self.onmessage = async (e: MessageEvent<GradeJob>) => {
  const job = e.data;
  try {
    const kernel = job.wasm ? await WebAssembly.compile(job.wasm) : null;
    const files = new Map(job.files);
    await runJob(assignment(job.assignment).checks, job.ids, job.done, { kernel, readFile: (p) => files.get(p) ?? null }, (m) => (self as unknown as Worker).postMessage(m));
  } catch (err) {
    // Not a check's failure (runJob catches those): the worker itself is broken. Thrown from a
    // task of its own it reaches the page as the worker's error event, and fails the check.
    setTimeout(() => { throw err; });
  }
};
