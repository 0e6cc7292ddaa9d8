// base/stats.ts — counters of primitive operations, and the CPU time they cost.
//
// Every primitive the kernel performs is counted here, and charged: the cost profile gives
// nanoseconds per unit of each counter (base/abi.ts, Counter). The host reads entryNs after
// each kernel entry to learn how long that entry kept its CPU busy.

import { Counter } from "./abi";

const counters = new StaticArray<u64>(Counter.COUNT);
const costNs = new StaticArray<f64>(Counter.COUNT);

/** CPU time charged since the current kernel entry began, in simulated nanoseconds. */
export let entryNs: f64 = 0;

/** count: record n units of primitive operation c and charge their cost to the current entry. */
// @ts-ignore: decorator
@inline export function count(c: Counter, n: u64 = 1): void {
  unchecked((counters[c] += n));
  entryNs += <f64>n * unchecked(costNs[c]);
}

/** beginEntry: start timing a new kernel entry (syscall, user access, interrupt). */
export function beginEntry(): void {
  entryNs = 0;
}

/** setCost: nanoseconds per unit of counter c; false if c is not a counter or ns is negative. */
export function setCost(c: i32, ns: f64): bool {
  if (c < 0 || c >= Counter.COUNT || !(ns >= 0)) return false;
  costNs[c] = ns;
  return true;
}

/** costOf: nanoseconds the profile charges per unit of counter c (policy decisions use it). */
export function costOf(c: Counter): f64 {
  return unchecked(costNs[c]);
}

/** countersPtr: address of the u64[Counter.COUNT] array the host reads counters from. */
export function countersPtr(): usize {
  return changetype<usize>(counters);
}
