// tools/assign/check.ts — what a graded check is, and the tiny assertion helper checks use.
//
// A check is a plain async function over the host library (tools/host): no Node built-ins, no
// test framework, so the same check runs under vitest, in the `genie grade` worker and in a
// browser worker. It gets a CheckContext (the kernel under test, a world maker, the student's
// files) and throws a CheckFailure — or any error, a KernelPanic included — to fail.

import { World, type Machine } from "../host/index";
import * as host from "../host/index";

/** One graded check of an assignment. Points live in the rubric (tools/assign/rubrics/). */
export interface Check {
  /** Stable id, used by the rubric and by `depends` (kebab-case). */
  id: string;
  /** What the check guarantees, in one line. */
  title: string;
  /** Checks that must pass first; if one fails this one is skipped ("depends on X"). */
  depends?: string[];
  run(t: CheckContext): Promise<void>;
}

/** What a check may use. */
export interface CheckContext {
  /** The kernel under test (built from the student's tree). */
  kernel: WebAssembly.Module;
  /** The host library (for checks kept outside the repository, which cannot import it). */
  host: typeof host;
  /** A fresh world with the kernel under test; its machines are checked (invariants) after the check. */
  world(seed?: number): World;
  /** A file of the student's tree, as text; null if it is missing. */
  readFile(path: string): string | null;
}

/** A failed expectation: the message names what was expected and what was found. */
export class CheckFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CheckFailure";
  }
}

/** ok: fail with msg unless cond holds. */
export function ok(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new CheckFailure(msg);
}

/** equal: fail unless actual === expected. */
export function equal<T>(actual: T, expected: T, what: string): void {
  if (actual !== expected) throw new CheckFailure(`${what}: expected ${String(expected)}, got ${String(actual)}`);
}

/** atMost / atLeast: bounds on a measured number. */
export function atMost(actual: number, bound: number, what: string): void {
  if (!(actual <= bound)) throw new CheckFailure(`${what}: expected at most ${bound}, got ${actual}`);
}
export function atLeast(actual: number, bound: number, what: string): void {
  if (!(actual >= bound)) throw new CheckFailure(`${what}: expected at least ${bound}, got ${actual}`);
}

/** sameBytes: fail unless the two byte arrays are equal; names the first difference. */
export function sameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  const n = Math.min(actual.length, expected.length);
  let i = 0;
  while (i < n && actual[i] === expected[i]) i++;
  if (i === n && actual.length === expected.length) return;
  throw new CheckFailure(`${what}: differ at byte ${i} of ${expected.length} (got ${actual[i]}, want ${expected[i]}; lengths ${actual.length} / ${expected.length})`);
}

/** throwsLike: fail unless fn throws an error whose name or message matches re. */
export function throwsLike(fn: () => unknown, re: RegExp, what: string): void {
  try {
    fn();
  } catch (e) {
    const err = e as Error;
    if (re.test(`${err?.name}: ${err?.message}`)) return;
    throw new CheckFailure(`${what}: expected an error matching ${re}, got ${err?.name}: ${err?.message}`);
  }
  throw new CheckFailure(`${what}: expected an error matching ${re}, nothing was thrown`);
}

/** checkMachines: every kernel invariant holds on each machine (run after every check). */
export function checkMachines(machines: Machine[]): void {
  for (const m of machines) {
    const { violations, report } = m.checkInvariants();
    if (violations) throw new CheckFailure(`invariants of ${m.name}: ${violations} violation(s): ${report}`);
  }
}
