// base/clock.ts — the kernel's view of simulated time.
//
// The host's World owns the clock; at every kernel entry it tells the kernel when the entry
// started. The kernel reads it only for timeouts (IP reassembly); it never advances it.

import { spinRefill } from "./panic";

export let nowNs: f64 = 0;

/** setClock: the current kernel entry starts at ns (simulated nanoseconds); it gets the whole
 *  loop budget (base/panic.ts). */
export function setClock(ns: f64): void {
  nowNs = ns;
  spinRefill();
}
