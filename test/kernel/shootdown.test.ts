// TLB consistency across CPUs: a changed PTE is invalidated on every CPU whose TLB may cache
// it. On the CPU making the change that is a local invalidation; on each other CPU where the
// address space has run, a shootdown (an inter-processor interrupt, costed apart).

import { describe, expect, it } from "vitest";
import { Kill, PAGE_SIZE, ProcField, Prot, SegmentationFault, diffCounters, type Machine, type Process } from "../../tools/host/index";
import { machine } from "./machines";


const PAGES = 3;

/** migrated: a process that touched PAGES pages on CPU 0, then moved to CPU 1 and touched them again. */
async function migrated(): Promise<{ m: Machine; p: Process; va: number }> {
  const m = await machine({ cpus: 2 });
  const p = m.spawn({ cpu: 0 });
  const va = p.mmap((PAGES + 1) * PAGE_SIZE); // one more page, never touched
  for (let i = 0; i < PAGES; i++) p.store(va + i * PAGE_SIZE, [i + 1]);
  p.setCpu(1);
  for (let i = 0; i < PAGES; i++) p.load(va + i * PAGE_SIZE, 1);
  return { m, p, va };
}

/** cached: the TLB entries of pid on cpu. */
const cached = (m: Machine, cpu: number, pid: number) => m.tlb(cpu).filter((e) => e.asid === pid).map((e) => e.va).sort();

describe("TLB shootdowns", () => {
  it("a process migrated with setCpu has its ASID cached on both CPUs", async () => {
    const { m, p, va } = await migrated();
    const pages = Array.from({ length: PAGES }, (_, i) => va + i * PAGE_SIZE);
    expect(p.cpu).toBe(1);
    expect(m.k.procInfo(p.pid, ProcField.CPU_MASK)).toBe(0b11);
    expect(cached(m, 0, p.pid)).toEqual(pages);
    expect(cached(m, 1, p.pid)).toEqual(pages);
  });

  it("munmap costs one shootdown per present page per remote CPU and one local invalidation each", async () => {
    const { m, p, va } = await migrated();
    const c0 = m.counters();
    p.munmap(va, (PAGES + 1) * PAGE_SIZE);
    const d = diffCounters(c0, m.counters());
    expect(d.tlbShootdowns).toBe(PAGES); // CPU 0, once per present page; the untouched page costs nothing
    expect(d.tlbInvalLocal).toBe(PAGES); // CPU 1, where munmap ran
    expect(d.tlbFlushes).toBe(0);
    expect(d.framesFreed).toBe(PAGES);
    expect(cached(m, 0, p.pid)).toEqual([]);
    expect(cached(m, 1, p.pid)).toEqual([]);
  });

  it("mprotect to read-only costs the same: one shootdown per present page per remote CPU", async () => {
    const { m, p, va } = await migrated();
    const c0 = m.counters();
    p.mprotect(va, (PAGES + 1) * PAGE_SIZE, Prot.READ);
    const d = diffCounters(c0, m.counters());
    expect(d.tlbShootdowns).toBe(PAGES);
    expect(d.tlbInvalLocal).toBe(PAGES);
    expect(d.pteWrites).toBe(PAGES);
    // Making it read-only again changes no PTE, so nothing needs invalidating.
    const c1 = m.counters();
    p.mprotect(va, (PAGES + 1) * PAGE_SIZE, Prot.READ);
    const d1 = diffCounters(c1, m.counters());
    expect([d1.tlbShootdowns, d1.tlbInvalLocal, d1.pteWrites]).toEqual([0, 0, 0]);
  });

  it("a process that never left its CPU costs local invalidations only", async () => {
    const m = await machine({ cpus: 2 });
    const p = m.spawn({ cpu: 1 });
    const va = p.mmap(PAGES * PAGE_SIZE);
    for (let i = 0; i < PAGES; i++) p.store(va + i * PAGE_SIZE, [1]);
    const c0 = m.counters();
    p.mprotect(va, PAGES * PAGE_SIZE, Prot.READ);
    p.munmap(va, PAGES * PAGE_SIZE);
    const d = diffCounters(c0, m.counters());
    expect(d.tlbShootdowns).toBe(0);
    expect(d.tlbInvalLocal).toBe(2 * PAGES);
    expect(m.counters().tlbShootdowns).toBe(0);
  });

  it("a single-CPU machine never counts a shootdown", async () => {
    const m = await machine({ cpus: 1 });
    const p = m.spawn();
    const va = p.mmap(8 * PAGE_SIZE);
    for (let i = 0; i < 8; i++) p.store(va + i * PAGE_SIZE, [i]);
    const c = p.fork();
    c.store(va, [9]); // COW
    p.setCpu(0);
    p.mprotect(va, 4 * PAGE_SIZE, Prot.READ);
    p.munmap(va + 4 * PAGE_SIZE, 4 * PAGE_SIZE);
    c.exit(0);
    p.exit(0);
    const n = m.counters();
    expect(n.tlbInvalLocal).toBeGreaterThan(0);
    expect(n.tlbShootdowns).toBe(0);
  });

  it("after munmap on CPU 1 the stale translation is gone from CPU 0: migrating back, the access faults", async () => {
    const { m, p, va } = await migrated();
    expect(cached(m, 0, p.pid)).toContain(va);
    p.munmap(va, PAGE_SIZE);
    p.setCpu(0);
    const c0 = m.counters();
    let err: unknown;
    try { p.load(va, 1); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(SegmentationFault);
    expect((err as SegmentationFault).reason).toBe(Kill.SEGV_UNMAPPED);
    const d = diffCounters(c0, m.counters());
    expect(d.tlbHits).toBe(0);
    expect(d.tlbMisses).toBe(1);
    expect(d.faultsFatal).toBe(1);
  });

  it("after mprotect on CPU 1 no writable translation survives on CPU 0: migrating back, a store faults", async () => {
    const { m, p, va } = await migrated();
    p.mprotect(va, PAGE_SIZE, Prot.READ);
    p.setCpu(0);
    expect(p.load(va, 1)[0]).toBe(1);
    expect(() => p.store(va, [7])).toThrow(SegmentationFault);
    expect(p.killReason).toBe(Kill.SEGV_PROT);
    void m;
  });

  it("exit flushes the ASID from every CPU it ran on, so a reused pid starts with a clean TLB", async () => {
    const { m, p } = await migrated();
    const c0 = m.counters();
    p.exit(0);
    expect(diffCounters(c0, m.counters()).tlbFlushes).toBe(2);
    expect(cached(m, 0, p.pid)).toEqual([]);
    expect(cached(m, 1, p.pid)).toEqual([]);
    p.reap();
    const q = m.spawn({ cpu: 0 });
    expect(q.pid).toBe(p.pid);
    expect(m.k.procInfo(q.pid, ProcField.CPU_MASK)).toBe(0); // nothing of it cached anywhere yet
    q.getpid();
    expect(m.k.procInfo(q.pid, ProcField.CPU_MASK)).toBe(0b01);
  });
});

describe("TLB consistency on one CPU", () => {
  it("a page refilled after a write (to set D) leaves no second entry behind: after munmap it faults", async () => {
    const m = await machine();
    const p = m.spawn();
    const va = p.mmap(32 * PAGE_SIZE, { at: 0x40000000 });
    const x = va + 16 * PAGE_SIZE; // same TLB set as va
    p.load(va, 1); // set 0, way 0
    p.load(x, 1); // set 0, way 1: cached without D
    p.munmap(va, PAGE_SIZE); // way 0 invalid again
    p.store(x, [1]); // hit without D: walk, set D, refill
    expect(cached(m, 0, p.pid).filter((v) => v === x)).toEqual([x]);
    p.munmap(x, PAGE_SIZE);
    expect(cached(m, 0, p.pid)).toEqual([]);
    let err: unknown;
    try { p.load(x, 1); } catch (e) { err = e; }
    expect((err as SegmentationFault).reason).toBe(Kill.SEGV_UNMAPPED);
  });
});
