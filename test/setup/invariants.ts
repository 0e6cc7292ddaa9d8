// test/setup/invariants.ts — every machine booted in any test is checked when the test ends
// (vitest setupFiles): the kernel's invariant check (vm/check.ts, with scrubbing) must report
// nothing, even if the test itself passed. A machine whose kernel panicked is skipped (the
// test saw the panic), and so is one disposed of (its kernel instance may serve another machine); a harness that has checked a machine itself may say so with checked().

import { afterEach, expect } from "vitest";
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

afterEach(() => {
  const ms = live.splice(0);
  for (const m of ms) {
    if (m.panicked || m.isDisposed) continue;
    const { violations, report } = m.checkInvariants();
    expect(report, `invariants of machine ${m.name}`).toBe("");
    expect(violations).toBe(0);
  }
});
