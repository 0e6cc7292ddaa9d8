// tools/assign/supervise.ts — the clock over grading workers (no Node built-ins: the CLI's worker
// threads and the playground's Web Workers both run under it). Checks run one at a time in a
// worker; each gets timeoutMs of wall-clock time from its "start". Past it, or if the worker
// dies, that check fails and the worker is ended; a fresh worker goes on with the checks left,
// given the outcomes so far (for dependencies). A kernel that hangs costs one check only.
//
//   supervisor                       worker (runJob, run.ts)
//   spawn(left, done) ───────────▶   { start id } ... { outcome } ... { end }

import type { Outcome, WorkerMessage } from "./score";

/** The wall-clock limit of one check, unless the grader is told otherwise. */
export const DEFAULT_TIMEOUT_MS = 60_000;

/** A running grading worker, as the supervisor sees it. */
export interface GradingWorker {
  onMessage(f: (m: WorkerMessage) => void): void;
  /** f is called if the worker crashes or exits before its "end" (with why). */
  onFailure(f: (why: string) => void): void;
  terminate(): void;
}

/** supervise: run ids in workers made by spawn, one check at a time, each within timeoutMs;
 *  every id gets an outcome (onOutcome hears each as it comes). */
export function supervise(spawn: (ids: string[], done: Outcome[]) => GradingWorker, ids: string[], timeoutMs: number, onOutcome?: (o: Outcome) => void): Promise<Outcome[]> {
  const done: Outcome[] = [];
  const record = (o: Outcome) => {
    done.push(o);
    onOutcome?.(o);
  };
  return new Promise((resolveAll) => {
    const next = () => {
      const left = ids.filter((id) => !done.some((o) => o.id === id));
      if (left.length === 0) return resolveAll(done);
      const w = spawn(left, [...done]);
      let running: string | null = null;
      let started = 0;
      let over = false;
      const fail = (status: "timeout" | "fail", message: string) => {
        if (over) return;
        over = true;
        clearTimeout(timer);
        const id = running ?? left.find((x) => !done.some((o) => o.id === x))!;
        record({ id, status, message, ms: running ? performance.now() - started : 0 });
        w.terminate();
        next();
      };
      // A worker that never starts its first check (a hidden check module that hangs on import).
      let timer: ReturnType<typeof setTimeout> | undefined = setTimeout(() => fail("timeout", `timeout: the grading worker did not start within ${timeoutMs / 1000} s`), timeoutMs);
      w.onMessage((m) => {
        if (over) return;
        clearTimeout(timer);
        if (m.type === "start") {
          running = m.id;
          started = performance.now();
          timer = setTimeout(() => fail("timeout", `timeout: no result after ${timeoutMs / 1000} s (the kernel hangs, or loops)`), timeoutMs);
        } else if (m.type === "outcome") {
          running = null;
          record(m.outcome);
        } else {
          over = true;
          w.terminate();
          next();
        }
      });
      w.onFailure((why) => fail("fail", why));
    };
    next();
  });
}
