// base/clock.ts — the kernel's view of simulated time.
//
// The host's World owns the clock; at every kernel entry it tells the kernel when the entry
// started. The kernel reads it only for timeouts (IP reassembly); it never advances it. For a
// timeout that must fire with nothing else happening, the kernel sets the machine's one-shot
// timer (alarmSet): it interrupts the kernel then (kernel/index.ts timerInterrupt).

import { hostAlarm } from "./host";
import { spinRefill } from "./panic";

/** No alarm set (alarmAt's value then). */
export const NO_ALARM: f64 = -1;

/** When the timer is set to interrupt, or NO_ALARM. */
export let alarmAt: f64 = NO_ALARM;

export let nowNs: f64 = 0;

/** setClock: the current kernel entry starts at ns (simulated nanoseconds); it gets the whole
 *  loop budget (base/panic.ts). */
export function setClock(ns: f64): void {
  nowNs = ns;
  spinRefill();
}

/** alarmSet: the timer interrupts at ns (NO_ALARM: not at all); the device is told only of a
 *  change. */
export function alarmSet(ns: f64): void {
  if (ns == alarmAt) return;
  alarmAt = ns;
  hostAlarm(ns);
}

/** alarmFired: the timer interrupted: it is no longer set. */
export function alarmFired(): void {
  alarmAt = NO_ALARM;
}
