// test/setup/checked.ts — the machines booted and not yet checked (test/setup/invariants.ts
// checks them when each test ends). No vitest here: the fuzzer's runner, which also runs outside
// vitest (tools/fuzz/soak.ts), says through checked() which machines it has checked itself.

import { onBoot, type Machine } from "../../tools/host/index";

const live: Machine[] = [];
onBoot((m) => live.push(m));

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
