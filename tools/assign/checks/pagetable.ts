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

/** The bytes one page table maps (one page-directory entry: 1024 pages). */
const TABLE_SPAN = 1024 * PAGE_SIZE;
/** Where the walk check maps its three page tables' worth (a multiple of TABLE_SPAN). */
const WALK_AT = 64 * TABLE_SPAN;
/** The pages it touches: four under the first table, none under the second, four under the third. */
const WALK_TOUCHED = [0, 1, 2, 1023, 2048, 2500, 2501, 3071];
/** The pages it write-protects: [1, 2500] (pages 0, 2501 and 3071, just outside, keep write). */
const WALK_FIRST = 1, WALK_LAST = 2500;

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
    id: "mprotect-range-walk",
    title: "mprotect walks the page tables: across a span with no page table, exactly the present pages in range lose write (one PTE write and one shootdown each), no table is created",
    async run(t) {
      const m = await t.world().machine({ cpus: 2 });
      const p = m.spawn({ cpu: 0 });
      const va = p.mmap(3 * TABLE_SPAN, { at: WALK_AT, fixed: true });
      equal(va, WALK_AT, "mmap address");
      const page = (i: number) => va + i * PAGE_SIZE;
      for (const i of WALK_TOUCHED) p.store(page(i), [i & 0xff]);
      p.setCpu(1);
      for (const i of WALK_TOUCHED) p.load(page(i), 1);
      const inRange = WALK_TOUCHED.filter((i) => i >= WALK_FIRST && i <= WALK_LAST);
      const tables = m.frameSummary().PAGETABLE;
      const c0 = m.counters();
      p.mprotect(page(WALK_FIRST), (WALK_LAST - WALK_FIRST + 1) * PAGE_SIZE, Prot.READ);
      const d = diffCounters(c0, m.counters());
      equal(d.pteWrites, inRange.length, "PTE writes (one per present page in the range)");
      equal(d.tlbShootdowns, inRange.length, "shootdowns (CPU 0 may cache every present page)");
      equal(d.tlbInvalLocal, inRange.length, "local invalidations (CPU 1, where mprotect ran)");
      equal(m.frameSummary().PAGETABLE, tables, "page-table frames (the walk creates none)");
      equal(m.explain(p.pid, page(1024)).pde, 0, "PDE of the middle 4 MiB (no table there)");
      for (const i of WALK_TOUCHED) {
        const bits = m.explain(p.pid, page(i)).bits.split(" ");
        equal(bits.includes("W"), !inRange.includes(i), `page ${i} writable`);
        equal(bits.includes("P"), true, `page ${i} present`);
      }
      const stale = cached(m, 0, p.pid).filter((a) => inRange.includes((a - va) / PAGE_SIZE));
      equal(stale.length, 0, "protected pages left in CPU 0's TLB");
      p.setCpu(0);
      p.store(page(0), [100]);
      p.store(page(3071), [101]);
      equal(p.load(page(2048), 1)[0], 2048 & 0xff, "byte of a protected page");
      throwsLike(() => p.store(page(WALK_LAST), [102]), /SegmentationFault/, "store to the last protected page from CPU 0");
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
