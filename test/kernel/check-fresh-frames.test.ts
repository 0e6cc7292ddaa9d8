// The invariant check without the scrub check (the quick one: the playground's, after every
// step) counts only the frames allocated so far and looks at CHECK_SWEEP_FRAMES of the frames
// never allocated each time, the next ones in turn (vm/check.ts). A never-allocated frame's
// spoiled record is reported within ceil(frames / CHECK_SWEEP_FRAMES) quick checks, with the
// text of the full walk (the check with scrubbing, which looks at every frame at once); a
// mapping of a never-allocated frame is reported by the next quick check, as the full walk
// reports it.

import { describe, expect, it } from "vitest";
import { machine } from "./machines";
import { CHECK_SWEEP_FRAMES, FRAME_META_SIZE, FrameField, FrameFlag, FrameKind, PAGE_SIZE, Pte } from "../../tools/host/index";

describe("the invariant check on frames never allocated", () => {
  it("reports a never-allocated frame's record that is not zero within ceil(frames / CHECK_SWEEP_FRAMES) quick checks, with the text of the check that walks every frame", async () => {
    const m = await machine({ memory: "4M" }); // 1,024 frames: several quick checks' worth
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
    const within = Math.ceil(m.frames / CHECK_SWEEP_FRAMES);
    for (const [what, spoil, mend, text] of cases) {
      spoil();
      const full = m.checkInvariants({ scrub: true });
      let quick = m.checkInvariants({ scrub: false }), checks = 1;
      while (quick.violations === 0 && checks < within + 1) (quick = m.checkInvariants({ scrub: false })), checks++;
      if (text) {
        expect(checks, what).toBeLessThanOrEqual(within);
        expect(quick, what).toEqual(full);
        expect(quick.violations, what).toBeGreaterThan(0);
        expect(quick.report, what).toContain(text);
      } else expect([quick.violations, full.violations], what).toEqual([0, 0]); // a reuse count of a free frame breaks no invariant
      mend();
      expect(m.checkInvariants({ scrub: false }), what).toEqual({ violations: 0, report: "" });
    }
  });

  it("reports a mapping of a never-allocated frame at the next quick check, with the text of the check that walks every frame", async () => {
    const m = await machine({ memory: "1M" });
    const p = m.spawn();
    const va = p.mmap(4 * PAGE_SIZE);
    p.store(va, [1, 2, 3]);
    const f = m.frames - 1, t = m.explain(p.pid, va);
    expect(t.present).toBe(true);
    const at = m.k.ramBase() + t.ptFrame * PAGE_SIZE + t.ptIndex * 4;
    const d = () => new DataView(m.k.memory.buffer);
    d().setUint32(at, (f * PAGE_SIZE) | (t.pte & (PAGE_SIZE - 1)), true); // the PTE now names frame f
    const full = m.checkInvariants({ scrub: true }), quick = m.checkInvariants({ scrub: false });
    expect(quick).toEqual(full);
    expect(quick.report).toContain(`frame ${f}: maps a free frame`);
    d().setUint32(at, t.pte, true);
    expect(m.checkInvariants({ scrub: false })).toEqual({ violations: 0, report: "" });
  });
});
