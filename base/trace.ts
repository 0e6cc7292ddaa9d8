// base/trace.ts — kernel event trace, delivered to the host one event at a time.
//
// Each event kind (base/abi.ts, Ev) carries its subsystem in bits 8..15; an event is sent
// only when its subsystem is enabled in traceMask, so a disabled trace costs one AND per site.
// The host stamps each event with the simulated time: entry start + offsetNs.

import { Ev } from "./abi";
import { entryNs } from "./stats";
import { hostTrace } from "./host";

/** Enabled subsystems (Subsys bits). Off by default. */
export let traceMask: i32 = 0;

/** setTraceMask: enable the subsystems in mask (Subsys bits), disable the rest. */
export function setTraceMask(mask: i32): void {
  traceMask = mask;
}

/** trace: report event ev with up to three arguments, if its subsystem is enabled. */
// @ts-ignore: decorator
@inline export function trace(ev: Ev, a: i32 = 0, b: i32 = 0, c: i32 = 0): void {
  if (((<i32>ev >> 8) & traceMask) != 0) hostTrace(ev, a, b, c, entryNs);
}
