// test/setup/invariants.ts — every machine booted in any test is checked when the test ends
// (vitest setupFiles): the kernel's invariant check (vm/check.ts, with scrubbing) must report
// nothing, even if the test itself passed. A machine whose kernel panicked is skipped (the
// test saw the panic); a machine disposed of during the test is checked as it is disposed of
// (its kernel instance may serve another machine after); a harness that has checked a machine
// itself may say so with checked() (test/setup/checked.ts).

import { afterEach, expect } from "vitest";
import { takeAll, takeDisposed } from "./checked";

export { awaitingCheck, checked } from "./checked";

afterEach(() => {
  for (const d of takeDisposed()) {
    expect(d.report, `invariants of machine ${d.name}, checked as it was disposed of`).toBe("");
    expect(d.violations).toBe(0);
  }
  for (const m of takeAll()) {
    if (m.panicked || m.isDisposed) continue;
    const { violations, report } = m.checkInvariants();
    expect(report, `invariants of machine ${m.name}`).toBe("");
    expect(violations).toBe(0);
  }
});
