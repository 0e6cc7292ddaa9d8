// vm/pmap.ts — the physical map: install and remove translations, and keep TLBs honest.
//
// Every mapping of a frame is recorded in the frame's pv list (after BSD's pmap), so the kernel
// can find all mappings of a frame: TCOW write-protects them all, pageout removes them all.
//
//   pv entry (12 bytes, pool claimed at boot, index 0 = none)
//  +--------+--------+--------+
//  |  asid  |   va   |  next  |
//  +--------+--------+--------+
//
// Changing a PTE that a TLB may cache invalidates it on every CPU where the address space has
// run (cpuMask): on the current CPU that is a local invalidation, on any other CPU a
// shootdown (an inter-processor interrupt, costed per remote CPU).

import { Counter, Ev, MAX_PROCS, PAGE_MASK, PAGE_SHIFT, PAGE_SIZE, PDE_SHIFT, PTES_PER_TABLE, Pte } from "../base/abi";
import { count } from "../base/stats";
import { trace } from "../base/trace";
import { panic, spin } from "../base/panic";
import { curCpu, ncpus } from "../base/cpu";
import { frame } from "./frame";
import { bootAlloc, framePtr } from "./ram";
import { pdePtr, pteFrame, pteMake, ptePtr, pteWrite } from "./pagetable";
import { tlbFlushAsid, tlbInvalidate } from "./tlb";

const PV = 12;
let pvPool: usize = 0;
let pvFree: u32 = 0;
export let pvCapacity: u32 = 0;
let pvUsed: u32 = 0;
let pvFresh: u32 = 1; // entries pvFresh .. pvCapacity have never been used

/** Per address space (indexed by ASID): page directory frame and CPUs whose TLB may hold it. */
const asPd = new StaticArray<u32>(MAX_PROCS + 1);
const asCpus = new StaticArray<i32>(MAX_PROCS + 1);

/** pmapInit: room for n mappings (zeroed memory claimed at boot; entries are never touched
 *  before they are first handed out: docs/architecture.md §15). */
export function pmapInit(n: u32): void {
  pvPool = bootAlloc(<usize>(n + 1) * PV);
  pvCapacity = n;
  pvUsed = 0;
  pvFree = 0;
  pvFresh = 1;
}

// @ts-ignore: decorator
@inline function pv(i: u32): usize {
  return pvPool + <usize>i * PV;
}

// Walking the mappings of a frame: for (let i = pvFirst(f); i != 0; i = pvNext(i)) ...
/** pvFirst: the first mapping of frame f (0: none). */
export function pvFirst(f: u32): u32 { return frame(f).pv; }
/** pvNext: the mapping after mapping i (0: none). */
export function pvNext(i: u32): u32 { return load<u32>(pv(i), 8); }
/** pvAsid: the address space of mapping i. */
export function pvAsid(i: u32): i32 { return load<i32>(pv(i)); }
/** pvVa: the virtual address of mapping i. */
export function pvVa(i: u32): u32 { return load<u32>(pv(i), 4); }

/** pmapActivate: address space asid (directory pd) exists; none of its translations are cached. */
export function pmapActivate(asid: i32, pd: u32): void {
  asPd[asid] = pd;
  asCpus[asid] = 0;
}

/** pmapRunsOn: asid is about to run on cpu, so cpu's TLB may cache its translations. */
export function pmapRunsOn(asid: i32, cpu: i32): void {
  asCpus[asid] |= 1 << cpu;
}

/** pmapCpus: bit mask of the CPUs whose TLB may hold translations of asid. */
export function pmapCpus(asid: i32): i32 {
  return asCpus[asid];
}

/** pmapInvalidate: drop (asid, va) from every TLB that may cache it, counting the cost. */
export function pmapInvalidate(asid: i32, va: u32): void {
  const mask = asCpus[asid];
  for (let c = 0; c < ncpus; c++) {
    if ((mask & (1 << c)) == 0) continue;
    if (c == curCpu) {
      tlbInvalidate(c, asid, va);
      count(Counter.TlbInvalLocal);
      trace(Ev.TlbInval, c, asid, va);
    } else shootdown(c, asid, va);
  }
}

/** shootdown: have CPU c (not the current one) drop (asid, va) from its TLB: an
 *  inter-processor interrupt, counted and traced as a shootdown. */
function shootdown(c: i32, asid: i32, va: u32): void {
  // @solution pagetable begin
  tlbInvalidate(c, asid, va);
  count(Counter.TlbShootdowns);
  trace(Ev.TlbShootdown, c, asid, va);
  // @solution pagetable stub
  // panic("assignment pagetable: implement shootdown (vm/pmap.ts)");
  // @solution pagetable end
}

/** pmapDestroy: flush asid from every TLB (its ASID will be reused); forget it. */
export function pmapDestroy(asid: i32): void {
  const mask = asCpus[asid];
  for (let c = 0; c < ncpus; c++) {
    if ((mask & (1 << c)) == 0) continue;
    if (c == curCpu) {
      tlbFlushAsid(c, asid);
      count(Counter.TlbFlushes);
      trace(Ev.TlbFlush, c, asid);
    } else flushRemote(c, asid);
  }
  asCpus[asid] = 0;
  asPd[asid] = 0;
}

/** flushRemote: have CPU c (not the current one) drop every TLB entry of asid (an
 *  inter-processor interrupt; counted as a flush). */
function flushRemote(c: i32, asid: i32): void {
  // @solution pagetable begin
  tlbFlushAsid(c, asid);
  count(Counter.TlbFlushes);
  trace(Ev.TlbFlush, c, asid);
  // @solution pagetable stub
  // panic("assignment pagetable: implement flushRemote (vm/pmap.ts)");
  // @solution pagetable end
}

function pvAdd(f: u32, asid: i32, va: u32): bool {
  // The free entries are the list pvFree, then the never-used pvFresh .. pvCapacity (the same
  // order as one list 1, 2, ... threaded at boot, without touching the pool to thread it).
  let i = pvFree;
  if (i != 0) pvFree = load<u32>(pv(i), 8);
  else if (pvFresh <= pvCapacity) i = pvFresh++;
  else return false;
  store<i32>(pv(i), asid);
  store<u32>(pv(i), va, 4);
  const m = frame(f);
  store<u32>(pv(i), m.pv, 8);
  m.pv = i;
  m.maps++;
  pvUsed++;
  return true;
}

function pvRemove(f: u32, asid: i32, va: u32): void {
  const m = frame(f);
  let prev: u32 = 0;
  let i = m.pv;
  while (i != 0) {
    spin("vm/pmap.ts pvRemove");
    if (load<i32>(pv(i)) == asid && load<u32>(pv(i), 4) == va) {
      const next = load<u32>(pv(i), 8);
      if (prev == 0) m.pv = next; else store<u32>(pv(prev), next, 8);
      store<u32>(pv(i), pvFree, 8);
      pvFree = i;
      m.maps--;
      pvUsed--;
      return;
    }
    prev = i;
    i = load<u32>(pv(i), 8);
  }
  panic("pvRemove: mapping not recorded");
}

/**
 * pmapEnter: map page va of asid to frame f with PTE bits (P is implied). Replaces any previous
 * mapping of va. Returns false if a page table or a pv entry could not be had (nothing changed).
 */
export function pmapEnter(asid: i32, va: u32, f: u32, bits: u32): bool {
  va &= ~PAGE_MASK;
  const p = ptePtr(asPd[asid], va, true);
  if (p == 0) return false;
  const old = load<u32>(p);
  if ((old & Pte.P) != 0 && pteFrame(old) == f) {
    // Same frame: only the bits change; keep A/D the hardware set.
    const pte = pteMake(f, bits | Pte.P | (old & (Pte.A | Pte.D)));
    pteWrite(p, pte);
    pmapInvalidate(asid, va);
    trace(Ev.Protect, asid, va, pte);
    return true;
  }
  if (!pvAdd(f, asid, va)) return false;
  if ((old & Pte.P) != 0) {
    pvRemove(pteFrame(old), asid, va);
    pteWrite(p, 0);
    pmapInvalidate(asid, va);
  }
  const pte = pteMake(f, bits | Pte.P);
  pteWrite(p, pte);
  trace(Ev.Map, asid, va, pte);
  return true;
}

/** pmapRemove: unmap page va of asid. Returns the PTE it held (0 if none was present). */
export function pmapRemove(asid: i32, va: u32): u32 {
  va &= ~PAGE_MASK;
  const p = ptePtr(asPd[asid], va, false);
  if (p == 0) return 0;
  const old = load<u32>(p);
  if ((old & Pte.P) == 0) return 0;
  pteWrite(p, 0);
  pvRemove(pteFrame(old), asid, va);
  pmapInvalidate(asid, va);
  trace(Ev.Unmap, asid, va, pteFrame(old));
  return old;
}

/** pmapProtect: set and clear PTE bits of page va of asid, if present; returns the new PTE. */
export function pmapProtect(asid: i32, va: u32, set: u32, clear: u32): u32 {
  va &= ~PAGE_MASK;
  const p = ptePtr(asPd[asid], va, false);
  if (p == 0) return 0;
  return pteProtect(asid, va, p, set, clear);
}

/** pteProtect: set and clear bits of the PTE at p (page va of asid) if it is present, making
 *  every TLB that may cache it drop it; returns the new PTE (0 if not present). */
function pteProtect(asid: i32, va: u32, p: usize, set: u32, clear: u32): u32 {
  const old = load<u32>(p);
  if ((old & Pte.P) == 0) return 0;
  const pte = (old | (set & Pte.FLAGS)) & ~(clear & Pte.FLAGS);
  if (pte == old) return old;
  pteWrite(p, pte);
  pmapInvalidate(asid, va);
  trace(Ev.Protect, asid, va, pte);
  return pte;
}

/** The bytes of address space one page table maps (one PDE's span: 4 MiB). */
const TABLE_SPAN: u32 = 1 << PDE_SHIFT;

/**
 * pmapProtectRange: set and clear PTE bits of every present page of asid in [start, end) (page
 * aligned user addresses, below USER_TOP), in one walk of the two-level table: each PDE is read
 * once, a span without a page table is skipped whole, and no table is created.
 */
export function pmapProtectRange(asid: i32, start: u32, end: u32, set: u32, clear: u32): void {
  // @solution pagetable begin
  const pd = asPd[asid];
  let va = start;
  while (va < end) {
    spin("vm/pmap.ts pmapProtectRange");
    const stop = min<u32>(end, (va & ~(TABLE_SPAN - 1)) + TABLE_SPAN); // end of this table's span
    const pde = load<u32>(pdePtr(pd, va));
    if ((pde & Pte.P) != 0) {
      const table = framePtr(pteFrame(pde));
      for (; va < stop; va += PAGE_SIZE) {
        const i = (va >>> PAGE_SHIFT) & (PTES_PER_TABLE - 1);
        pteProtect(asid, va, table + (<usize>i << 2), set, clear);
      }
    }
    va = stop;
  }
  // @solution pagetable stub
  // panic("assignment pagetable: implement pmapProtectRange (vm/pmap.ts)");
  // @solution pagetable end
}

/** pmapPageProtect: write-protect every mapping of frame f, setting soft bit mark on each. */
export function pmapPageProtect(f: u32, mark: u32): void {
  for (let i = frame(f).pv; i != 0; i = pvNext(i)) pmapProtect(pvAsid(i), pvVa(i), mark, Pte.W);
}

/** pmapWritable: is frame f writable through any of its mappings? */
export function pmapWritable(f: u32): bool {
  for (let i = frame(f).pv; i != 0; i = pvNext(i)) if ((pmapPte(pvAsid(i), pvVa(i)) & Pte.W) != 0) return true;
  return false;
}

/** pmapPte: the PTE of page va of asid (0 if none). */
export function pmapPte(asid: i32, va: u32): u32 {
  const p = ptePtr(asPd[asid], va & ~PAGE_MASK, false);
  return p == 0 ? 0 : load<u32>(p);
}

/** pmapPtePtr: pointer to the PTE of va in asid, or 0 without a page table (MMU walk). */
export function pmapPtePtr(asid: i32, va: u32): usize {
  return ptePtr(asPd[asid], va, false);
}

/** pmapPd: page directory frame of asid. */
export function pmapPd(asid: i32): u32 {
  return asPd[asid];
}

/** pvInUse: mappings recorded (invariant check). */
export function pvInUse(): u32 {
  return pvUsed;
}
