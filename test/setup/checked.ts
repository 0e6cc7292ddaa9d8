// test/setup/checked.ts — the machines booted and not yet checked (test/setup/invariants.ts
// checks them when each test ends). No vitest here: the fuzzer's runner, which also runs outside
// vitest (tools/fuzz/soak.ts), says through checked() which machines it has checked itself.

import { onBoot, onDispose, type Machine } from "../../tools/host/index";

const live: Machine[] = [];
onBoot((m) => live.push(m));

/** The reports of machines checked as they were disposed of (their kernel instance may serve
 *  another machine after): "" for a clean one. */
const atDispose: { name: string; report: string; violations: number }[] = [];
onDispose((m) => {
  const i = live.indexOf(m);
  if (i < 0 || m.panicked) return;
  live.splice(i, 1);
  atDispose.push({ name: m.name, ...m.checkInvariants() });
});

/** takeDisposed: the reports of the machines disposed of since the last call. */
export function takeDisposed(): { name: string; report: string; violations: number }[] {
  return atDispose.splice(0);
}

/** awaitingCheck: the machines booted in this test and not yet checked. */
export function awaitingCheck(): readonly Machine[] {
  return live;
}

/** checked: m's invariants were just checked by the caller (and asserted): let it go now. */
export function checked(m: Machine): void {
  const i = live.indexOf(m);
  if (i >= 0) live.splice(i, 1);
}

/** takeAll: every machine awaiting its check, handed to the caller (the list is emptied). */
export function takeAll(): Machine[] {
  return live.splice(0);
}
