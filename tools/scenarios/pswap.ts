// tools/scenarios/pswap.ts — user-directed page swapping: a process exchanges two buffers by
// exchanging their frames; only partial first and last pages are copied.

import { diffCounters, firstDifference, PAGE_SIZE, pattern } from "../host/index";
import { SETTING, type SettingSpec } from "./settings";
import type { Scenario } from "./index";

const BYTES: SettingSpec = { ...SETTING.bytes, max: 4 << 20, default: 4 * PAGE_SIZE, help: "bytes exchanged" };
const OFFSET: SettingSpec = { key: "offset", label: "Offset", kind: "number", min: 0, max: PAGE_SIZE - 1, default: 0, help: "where the ranges start in their first page (not 0: partial pages are copied)" };

export const pswapPages: Scenario = {
  name: "pswap",
  title: "pswap: exchanging pages",
  description: "A process fills two buffers and calls pswap: whole pages change places by exchanging frames in the two page tables, " +
    "no byte copied; partial pages at either end are copied.",
  settings: [BYTES, OFFSET, SETTING.profile, SETTING.memory, SETTING.seed],
  async run(world, s, hooks) {
    const m = await world.machine({ name: "a", memory: (s.memory as number) * (1 << 20) || "16M", profile: s.profile as string, trace: hooks.trace });
    const p = m.spawn();
    const len = s.bytes as number, off = s.offset as number;
    const span = Math.ceil((len + off) / PAGE_SIZE) * PAGE_SIZE;
    const a = p.mmap(span), b = p.mmap(span);
    const da = pattern(span, 1), db = pattern(span, 2);
    p.store(a, da);
    p.store(b, db);
    hooks.log?.(`process ${p.pid} swaps ${len} bytes at 0x${(a + off).toString(16)} and 0x${(b + off).toString(16)}`);
    const c = m.counters();
    p.pswap(a + off, b + off, len);
    const d = diffCounters(c, m.counters());
    if (firstDifference(p.load(a + off, len), db.subarray(off, off + len)) >= 0 || firstDifference(p.load(b + off, len), da.subarray(off, off + len)) >= 0)
      throw new Error("pswap: the ranges did not change places");
    if (off > 0 && (p.load(a, off)[0] !== da[0] || p.load(b, off)[0] !== db[0])) throw new Error("pswap: bytes before the ranges changed");
    return { metrics: { bytesCopied: d.bytesCopied, pageSwaps: d.pageSwaps, pteWrites: d.pteWrites, tlbShootdowns: d.tlbShootdowns } };
  },
};
