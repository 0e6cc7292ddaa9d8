// The invariant check without the scrub check (the playground's, after every step) does not
// look one by one at the frames never allocated while their records are zero and nothing holds,
// maps or owes them (vm/check.ts); anything else about them is reported as the full walk (the
// check with scrubbing, which looks at every frame) reports it.

import { describe, expect, it } from "vitest";
import { machine } from "./machines";
import { FRAME_META_SIZE, FrameField, FrameFlag, FrameKind, PAGE_SIZE } from "../../tools/host/index";

describe("the invariant check on frames never allocated", () => {
  it("reports a never-allocated frame's record that is not zero, with the same text as the check that walks every frame", async () => {
    const m = await machine({ memory: "1M" });
    const p = m.spawn();
    p.store(p.mmap(4 * PAGE_SIZE), [1, 2, 3]); // a few frames allocated: the last ones never are
    const f = m.frames - 1;
    expect(m.checkInvariants({ scrub: false })).toEqual({ violations: 0, report: "" });
    const at = m.k.frameTablePtr() + f * FRAME_META_SIZE;
    const d = () => new DataView(m.k.memory.buffer);
    const cases: [string, () => void, () => void, string][] = [
      ["refs", () => d().setUint16(at + FrameField.REFS, 1, true), () => d().setUint16(at + FrameField.REFS, 0, true), `frame ${f}: free but held 0 times, refs 1`],
      ["owed flag", () => d().setUint8(at + FrameField.FLAGS, FrameFlag.OWED), () => d().setUint8(at + FrameField.FLAGS, 0), `frame ${f}: marked owed (zIO) but no page owes it`],
      ["kind", () => d().setUint8(at + FrameField.KIND, FrameKind.ANON), () => d().setUint8(at + FrameField.KIND, 0), "free list: counter says"],
      ["maps", () => d().setUint16(at + FrameField.MAPS, 1, true), () => d().setUint16(at + FrameField.MAPS, 0, true), `frame ${f}: maps 1 but 0 PTEs`],
      ["gen", () => d().setUint32(at + FrameField.GEN, 1, true), () => d().setUint32(at + FrameField.GEN, 0, true), ""],
    ];
    for (const [what, spoil, mend, text] of cases) {
      spoil();
      const quick = m.checkInvariants({ scrub: false }), full = m.checkInvariants({ scrub: true });
      expect(quick, what).toEqual(full);
      if (text) {
        expect(quick.violations, what).toBeGreaterThan(0);
        expect(quick.report, what).toContain(text);
      } else expect(quick.violations, what).toBe(0); // a reuse count of a free frame breaks no invariant
      mend();
      expect(m.checkInvariants({ scrub: false }), what).toEqual({ violations: 0, report: "" });
    }
  });
});
