// tools/assign/checks/pagetable.ts — page tables, the MMU walk, TLBs and shootdowns
// (docs/assignments/pagetable.md). Every check runs on a 2-CPU machine where an address space
// has run on both CPUs, so a PTE change must reach the other CPU's TLB.

import { diffCounters, Kill, PAGE_SIZE, Prot, type Machine, type Process } from "../../host/index";
import { equal, ok, throwsLike, type Check, type CheckContext } from "../check";

const PAGES = 3;

/** migrated: a process that wrote PAGES pages on CPU 0, then read them on CPU 1. */
async function migrated(t: CheckContext): Promise<{ m: Machine; p: Process; va: number }> {
  const m = await t.world().machine({ cpus: 2 });
  const p = m.spawn({ cpu: 0 });
  const va = p.mmap((PAGES + 1) * PAGE_SIZE);
  for (let i = 0; i < PAGES; i++) p.store(va + i * PAGE_SIZE, [i + 1]);
  p.setCpu(1);
  for (let i = 0; i < PAGES; i++) p.load(va + i * PAGE_SIZE, 1);
  return { m, p, va };
}

const cached = (m: Machine, cpu: number, pid: number): number[] => m.tlb(cpu).filter((e) => e.asid === pid).map((e) => e.va);

export const checks: Check[] = [
  {
    id: "munmap-shootdown",
    title: "munmap invalidates the other CPU's TLB: one shootdown per present page, one local invalidation each",
    async run(t) {
      const { m, p, va } = await migrated(t);
      const c0 = m.counters();
      p.munmap(va, (PAGES + 1) * PAGE_SIZE);
      const d = diffCounters(c0, m.counters());
      equal(d.tlbShootdowns, PAGES, "shootdowns (CPU 0, once per present page)");
      equal(d.tlbInvalLocal, PAGES, "local invalidations (CPU 1, where munmap ran)");
      equal(cached(m, 0, p.pid).length, 0, "entries of the process left in CPU 0's TLB");
      equal(cached(m, 1, p.pid).length, 0, "entries of the process left in CPU 1's TLB");
    },
  },
  {
    id: "mprotect-no-stale-write",
    title: "after mprotect(READ) on one CPU, a store on the other CPU faults (no stale writable TLB entry)",
    async run(t) {
      const m = await t.world().machine({ cpus: 2 });
      const p = m.spawn({ cpu: 0 });
      const va = p.mmap(PAGE_SIZE);
      p.store(va, [1]); // CPU 0's TLB now caches a writable, dirty translation
      p.setCpu(1);
      p.mprotect(va, PAGE_SIZE, Prot.READ);
      equal(m.counters().tlbShootdowns, 1, "shootdowns");
      p.setCpu(0);
      throwsLike(() => p.store(va, [2]), /SegmentationFault/, "store to a read-only page from CPU 0");
      equal(p.killReason, Kill.SEGV_PROT, "kill reason");
    },
  },
  {
    id: "fork-cow-remote",
    title: "fork write-protects the parent's pages on every CPU: a parent store from the other CPU copies, the child keeps its bytes",
    async run(t) {
      const m = await t.world().machine({ cpus: 2 });
      const p = m.spawn({ cpu: 0 });
      const va = p.mmap(2 * PAGE_SIZE);
      p.store(va, [7]);
      p.store(va + PAGE_SIZE, [8]);
      p.setCpu(1);
      const child = p.fork();
      ok(m.counters().tlbShootdowns >= 2, `fork must shoot down CPU 0's writable entries (shootdowns: ${m.counters().tlbShootdowns})`);
      p.setCpu(0);
      p.store(va, [70]);
      p.store(va + PAGE_SIZE, [80]);
      equal(child.load(va, 1)[0], 7, "child's byte at page 0");
      equal(child.load(va + PAGE_SIZE, 1)[0], 8, "child's byte at page 1");
      equal(p.load(va, 1)[0], 70, "parent's byte at page 0");
      equal(m.counters().faultsCow, 2, "copy-on-write faults");
    },
  },
  {
    id: "exit-flushes-every-cpu",
    title: "a process that ran on both CPUs leaves no TLB entry on either when it exits (its ASID is reused safely)",
    async run(t) {
      const { m, p, va } = await migrated(t);
      const pid = p.pid;
      p.exit(0);
      p.reap();
      equal(cached(m, 0, pid).length + cached(m, 1, pid).length, 0, "TLB entries of the exited process");
      ok(m.counters().tlbFlushes >= 2, `flushes: expected one per CPU, got ${m.counters().tlbFlushes}`);
      // A new process with the same ASID must fault, not reuse the old translation.
      const q = m.spawn({ cpu: 0 });
      equal(q.pid, pid, "the new process reuses the slot (and so the ASID)");
      throwsLike(() => q.load(va, 1), /SegmentationFault/, "load at the old process's address");
    },
  },
];
