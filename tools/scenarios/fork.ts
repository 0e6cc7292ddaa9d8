// tools/scenarios/fork.ts — fork and copy-on-write: a parent fills pages, forks, and each side
// writes one page; only the written pages are copied.

import { diffCounters, PAGE_SIZE, pattern, firstDifference } from "../host/index";
import { SETTING, type SettingSpec } from "./settings";
import type { Scenario } from "./index";

const PAGES: SettingSpec = { key: "pages", label: "Pages", kind: "number", min: 1, max: 1024, default: 8, help: "pages the parent fills before it forks" };

export const forkCow: Scenario = {
  name: "fork-cow",
  title: "Fork and copy-on-write",
  description: "A process fills some pages and forks. Parent and child share every frame read-only; " +
    "the first write to a page by either side faults and copies that one page.",
  settings: [PAGES, SETTING.profile, SETTING.memory, SETTING.seed],
  async run(world, s, hooks) {
    const m = await world.machine({ name: "a", memory: (s.memory as number) * (1 << 20) || "16M", profile: s.profile as string, trace: hooks.trace });
    const len = (s.pages as number) * PAGE_SIZE;
    const p = m.spawn();
    const va = p.mmap(len);
    const data = pattern(len, 3);
    p.store(va, data);
    hooks.log?.(`parent ${p.pid} filled ${s.pages} pages at 0x${va.toString(16)}`);
    const c0 = m.counters();
    const child = p.fork();
    hooks.log?.(`fork: child ${child.pid} shares frame ${child.frameAt(va)} with its parent, copy-on-write`);
    const c1 = m.counters();
    child.store(va, [0xff]);
    hooks.log?.(`the child writes its first page: it gets frame ${child.frameAt(va)}, the parent keeps ${p.frameAt(va)}`);
    p.store(va + len - 1, [0xee]);
    const c2 = m.counters();
    if (child.load(va, 1)[0] !== 0xff || p.load(va, 1)[0] !== data[0]) throw new Error("fork-cow: a write by one side is visible to the other");
    const want = data.slice(1, len - 1);
    if (firstDifference(child.load(va + 1, len - 2), want) >= 0 || firstDifference(p.load(va + 1, len - 2), want) >= 0)
      throw new Error("fork-cow: a page neither side wrote has changed");
    child.exit(0);
    child.reap();
    const fork = diffCounters(c0, c1), writes = diffCounters(c1, c2);
    return { metrics: { forkBytesCopied: fork.bytesCopied, writeBytesCopied: writes.bytesCopied, faults: writes.faults, pteWrites: fork.pteWrites + writes.pteWrites, tlbShootdowns: writes.tlbShootdowns } };
  },
};
