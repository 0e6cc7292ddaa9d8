// vm/aspace.ts — address spaces: a page directory plus a sorted list of regions.
//
//   user virtual address space (lower 2 GiB)
//  0x00000000 +-----------------+
//             | null guard      |  never mapped
//  USER_BASE  +-----------------+
//             | regions ...     |  mmap with MAP_FIXED, or first fit below MMAP_BASE
//  MMAP_BASE  +-----------------+
//             | regions ...     |  mmap without a hint: first fit from here up
//  USER_TOP   +-----------------+
//             | (kernel: not in the simulated address space)
//
// A region [start, end) maps pages [pgoff, pgoff + npages) of one memory object with one
// protection. Regions never overlap; splitting one (partial munmap or mprotect) makes two
// regions on the same object. The ASID of an address space is its process id.

import { Errno, MAX_PROCS, MMAP_BASE, PAGE_SHIFT, PAGE_SIZE, Prot, Pte, USER_BASE, USER_TOP, Counter, Ev } from "../base/abi";
import { count } from "../base/stats";
import { trace } from "../base/trace";
import { frameRef } from "./frame";
import { objectDrop, objectNew, objectPage, objectRelease, ObjKind, VmObject } from "./object";
import { pagerRef } from "./pager";
import { indirectFork } from "./indirect";
import { pdAlloc, pdFree, pteFrame } from "./pagetable";
import { pmapActivate, pmapDestroy, pmapEnter, pmapPte, pmapProtect, pmapProtectRange, pmapRemove } from "./pmap";
import { spin } from "../base/panic";

export class Region {
  /** Hidden (emulated move): reserved, inaccessible, waiting to be reused by an input. */
  hidden: bool = false;
  /** When it was hidden (the address space's hide clock), to remove the oldest first. */
  hiddenAt: u32 = 0;
  /** The most mprotect may grant: a shared mapping of a file not open for writing is never
   *  writable (its stores would reach the page cache, and the file, without the right to). */
  maxProt: i32 = Prot.READ | Prot.WRITE;
  constructor(
    public start: u32,
    public end: u32,
    public prot: i32,
    public obj: VmObject,
    public pgoff: u32,
  ) {}

  /** Page index in the object of the page holding va. */
  @inline index(va: u32): u32 {
    return this.pgoff + ((va - this.start) >>> PAGE_SHIFT);
  }
}

export class AddrSpace {
  regions: Array<Region> = [];
  /** Counts region hidings (orders hidden regions by age). */
  hideClock: u32 = 0;
  constructor(public asid: i32, public pd: u32) {}
}

/** Live address spaces by ASID. */
export const spaces = new StaticArray<AddrSpace | null>(MAX_PROCS + 1);

/** asCreate: an empty address space with ASID asid; null if no frame for its directory. */
export function asCreate(asid: i32): AddrSpace | null {
  const pd = pdAlloc();
  if (pd == 0) return null;
  const as = new AddrSpace(asid, pd);
  pmapActivate(asid, pd);
  spaces[asid] = as;
  return as;
}

/** asFind: the region containing va, or null. */
export function asFind(as: AddrSpace, va: u32): Region | null {
  const rs = as.regions;
  let lo = 0, hi = rs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const r = unchecked(rs[mid]);
    if (va < r.start) hi = mid;
    else if (va >= r.end) lo = mid + 1;
    else return r;
  }
  return null;
}

function insert(as: AddrSpace, r: Region): void {
  const rs = as.regions;
  rs.push(r);
  let i = rs.length - 1;
  while (i > 0 && unchecked(rs[i - 1]).start > r.start) {
    unchecked((rs[i] = rs[i - 1]));
    i--;
  }
  unchecked((rs[i] = r));
  count(Counter.RegionOps);
}

/** asIsFree: true if [start, end) overlaps no region. */
export function asIsFree(as: AddrSpace, start: u32, end: u32): bool {
  const rs = as.regions;
  for (let i = 0; i < rs.length; i++) {
    const r = unchecked(rs[i]);
    if (r.start < end && start < r.end) return false;
  }
  return true;
}

/** findRoom: the lowest address >= from where len bytes fit below limit; 0 if none. */
function findRoom(as: AddrSpace, from: u32, limit: u32, len: u32): u32 {
  let at = from;
  const rs = as.regions;
  for (let i = 0; i < rs.length; i++) {
    const r = unchecked(rs[i]);
    if (r.end <= at) continue;
    if (<u64>at + len <= <u64>r.start) break;
    at = r.end;
  }
  return <u64>at + len <= <u64>limit ? at : 0;
}

/**
 * asMap: map len bytes (page multiple) of object o from page pgoff with prot. With fixed, at
 * exactly va (replacing what was there); else at the lowest free address from MMAP_BASE (then
 * from USER_BASE). Returns the address, or -ENOMEM if there is no room. Takes o's reference.
 */
export function asMap(as: AddrSpace, va: u32, len: u32, prot: i32, o: VmObject, pgoff: u32, fixed: bool): i64 {
  let at: u32 = 0;
  if (fixed) {
    asUnmap(as, va, va + len);
    at = va;
  } else {
    at = findRoom(as, MMAP_BASE, USER_TOP, len);
    if (at == 0) at = findRoom(as, USER_BASE, MMAP_BASE, len);
    if (at == 0) return -Errno.ENOMEM;
  }
  insert(as, new Region(at, at + len, prot, o, pgoff));
  trace(Ev.RegionCreate, as.asid, at, len);
  return at;
}

/**
 * asMapFile: map pages [pgoff, pgoff + len/4096) of file object fo: shared (the file's own pages,
 * written back), or private (a private object whose pages start as the file's, copy-on-write).
 * Address or -ENOMEM. The region holds the file open (pagerRef).
 */
export function asMapFile(as: AddrSpace, va: u32, len: u32, prot: i32, maxProt: i32, fo: VmObject, pgoff: u32, shared: bool, fixed: bool): i64 {
  let o = fo;
  let off = pgoff;
  if (shared) {
    fo.refs++;
  } else {
    o = objectNew(len >>> PAGE_SHIFT, false);
    o.backing = fo;
    o.backOff = pgoff;
    fo.refs++;
    off = 0;
  }
  pagerRef(fo, 1);
  const at = asMap(as, va, len, prot, o, off, fixed);
  if (at < 0) {
    if (shared) { pagerRef(fo, -1); objectDrop(fo); } else dropObject(o);
  } else asFind(as, <u32>at)!.maxProt = maxProt;
  return at;
}

/** dropObject: a region lets go of o; if o goes, the file it was backed by (a private file
 *  mapping) loses o's mapping too. */
function dropObject(o: VmObject): void {
  const b = objectDrop(o);
  if (b != null) {
    pagerRef(b, -1);
    objectDrop(b);
  }
}

/** asMapAnon: map a new anonymous object (shared or private); address or -ENOMEM. */
export function asMapAnon(as: AddrSpace, va: u32, len: u32, prot: i32, shared: bool, fixed: bool): i64 {
  const o = objectNew(len >>> PAGE_SHIFT, shared);
  const at = asMap(as, va, len, prot, o, 0, fixed);
  if (at < 0) dropObject(o);
  return at;
}

/** unmapPages: remove the translations of [start, end) in region r (the object keeps its pages). */
function unmapPages(as: AddrSpace, start: u32, end: u32): void {
  for (let va = start; va < end; va += PAGE_SIZE) pmapRemove(as.asid, va);
}

/**
 * split: make a region boundary at va if va falls strictly inside a region. The object gets one
 * more reference, for the new right-hand region.
 */
function split(as: AddrSpace, va: u32): void {
  const r = asFind(as, va);
  if (r == null || r.start == va) return;
  const right = new Region(va, r.end, r.prot, r.obj, r.index(va));
  right.maxProt = r.maxProt;
  r.obj.refs++;
  if (r.obj.kind == ObjKind.FILE) pagerRef(r.obj, 1);
  r.end = va;
  insert(as, right);
}

/**
 * asUnmap: remove every mapping in [start, end). Pages of private objects in the range are
 * released; shared objects keep theirs until their last region goes.
 */
export function asUnmap(as: AddrSpace, start: u32, end: u32): void {
  split(as, start);
  split(as, end);
  const rs = as.regions;
  for (let i = 0; i < rs.length; ) {
    const r = unchecked(rs[i]);
    if (r.start >= start && r.end <= end) {
      unmapPages(as, r.start, r.end);
      if (!r.obj.shared) objectRelease(r.obj, r.pgoff, r.index(r.end));
      if (r.obj.kind == ObjKind.FILE) pagerRef(r.obj, -1);
      dropObject(r.obj);
      rs.splice(i, 1);
      count(Counter.RegionOps);
      trace(Ev.RegionRemove, as.asid, r.start, r.end - r.start);
    } else i++;
  }
}

/** asCovered: true if every page of [start, end) lies in some region. */
export function asCovered(as: AddrSpace, start: u32, end: u32): bool {
  let va = start;
  while (va < end) {
    spin("vm/aspace.ts asCovered");
    const r = asFind(as, va);
    if (r == null) return false;
    va = r.end;
  }
  return true;
}

/**
 * asProtect: set the protection of [start, end) (which must be covered). Removing write
 * permission write-protects present pages at once; removing all access unmaps them; adding
 * permission is lazy (the next fault grants it).
 */
/** asMayProtect: may every region in [start, end) be given prot (none's maxProt is exceeded)? */
export function asMayProtect(as: AddrSpace, start: u32, end: u32, prot: i32): bool {
  const rs = as.regions;
  for (let i = 0; i < rs.length; i++) {
    const r = unchecked(rs[i]);
    if (r.end > start && r.start < end && (prot & ~r.maxProt) != 0) return false;
  }
  return true;
}

export function asProtect(as: AddrSpace, start: u32, end: u32, prot: i32): void {
  split(as, start);
  split(as, end);
  const rs = as.regions;
  for (let i = 0; i < rs.length; i++) {
    const r = unchecked(rs[i]);
    if (r.start < start || r.end > end) continue;
    r.prot = prot;
    if (prot == Prot.NONE) unmapPages(as, r.start, r.end);
    else if ((prot & Prot.WRITE) == 0) pmapProtectRange(as.asid, r.start, r.end, 0, Pte.W);
    count(Counter.RegionOps);
  }
}

/**
 * asFork: give child a copy of parent's regions. Shared objects are shared; private objects
 * are copied page table by page table: both sides keep the same frames, read-only, until one
 * writes (copy-on-write). Returns 0, or -ENOMEM (the child may be partly built; destroy it).
 */
export function asFork(parent: AddrSpace, child: AddrSpace): i32 {
  const rs = parent.regions;
  for (let i = 0; i < rs.length; i++) {
    const r = unchecked(rs[i]);
    let o = r.obj;
    if (o.shared) {
      o.refs++;
      if (o.kind == ObjKind.FILE) pagerRef(o, 1);
    } else {
      const n = r.index(r.end);
      const copy = objectNew(o.npages, false);
      const b = o.backing;
      if (b != null) {
        copy.backing = b;
        copy.backOff = o.backOff;
        b.refs++;
        pagerRef(b, 1);
      }
      indirectFork(o, copy, r.pgoff, n);
      for (let k = r.pgoff; k < n; k++) {
        const f = unchecked(o.pages[k]);
        if (f == 0) continue;
        frameRef(f);
        unchecked((copy.pages[k] = f));
      }
      o = copy;
    }
    const c = new Region(r.start, r.end, r.prot, o, r.pgoff);
    c.maxProt = r.maxProt;
    child.regions.push(c);
    count(Counter.RegionOps);
    const cow = !r.obj.shared && (r.prot & Prot.WRITE) != 0;
    for (let va = r.start; va < r.end; va += PAGE_SIZE) {
      const pte = pmapPte(parent.asid, va);
      if ((pte & Pte.P) == 0) continue;
      let bits = pte & (Pte.W | Pte.U | Pte.COW | Pte.TCOW);
      if ((r.prot & Prot.WRITE) == 0) bits &= ~Pte.W; // a page lent writable (IO-Lite) stays the lender's
      if (cow) {
        pmapProtect(parent.asid, va, Pte.COW, Pte.W);
        bits = (bits & ~Pte.W) | Pte.COW;
      }
      if (!pmapEnter(child.asid, va, pteFrame(pte), bits)) return -Errno.ENOMEM;
    }
  }
  return 0;
}

/**
 * asHide: region hiding (emulated move, in the style of Genie): the pages of [start, end) leave
 * the address space (translations removed, object pages released) but the addresses stay
 * reserved, inaccessible, so an input can reuse them without allocating a region.
 */
export function asHide(as: AddrSpace, start: u32, end: u32): void {
  split(as, start);
  split(as, end);
  const rs = as.regions;
  for (let i = 0; i < rs.length; i++) {
    const r = unchecked(rs[i]);
    if (r.start < start || r.end > end || r.hidden) continue;
    unmapPages(as, r.start, r.end);
    if (!r.obj.shared) objectRelease(r.obj, r.pgoff, r.index(r.end));
    r.prot = Prot.NONE;
    r.hidden = true;
    r.hiddenAt = ++as.hideClock;
    count(Counter.RegionOps);
  }
  trimHidden(as);
}

/** The most hidden regions an address space keeps for reuse; older ones are removed. */
export const HIDDEN_MAX = 16;

/** trimHidden: keep at most HIDDEN_MAX hidden regions, removing the least recently hidden. */
function trimHidden(as: AddrSpace): void {
  for (;;) {
    spin("vm/aspace.ts trimHidden");
    let n = 0;
    let oldest: Region | null = null;
    const rs = as.regions;
    for (let i = 0; i < rs.length; i++) {
      const r = unchecked(rs[i]);
      if (!r.hidden) continue;
      n++;
      if (oldest == null || r.hiddenAt < oldest!.hiddenAt) oldest = r;
    }
    if (n <= HIDDEN_MAX || oldest == null) return;
    asUnmap(as, oldest!.start, oldest!.end);
  }
}

/** asTakeHidden: region caching: a hidden anonymous region of exactly len bytes, made accessible again
 *  as a fresh input buffer (readable and writable, its pages empty, whatever protection it had
 *  when it was given away), or null if none is cached. */
export function asTakeHidden(as: AddrSpace, len: u32): Region | null {
  const rs = as.regions;
  for (let i = 0; i < rs.length; i++) {
    const r = unchecked(rs[i]);
    // Not a private file mapping's: its missing pages read the file, which may have shrunk
    // since, and an input copied into it would fault.
    if (!r.hidden || r.end - r.start != len || r.obj.shared || r.obj.backing != null) continue;
    r.hidden = false;
    r.prot = Prot.READ | Prot.WRITE;
    count(Counter.RegionOps);
    return r;
  }
  return null;
}

/** asDestroy: unmap everything, free the page tables and directory, flush the ASID. */
export function asDestroy(as: AddrSpace): void {
  asUnmap(as, 0, USER_TOP);
  pdFree(as.pd);
  pmapDestroy(as.asid);
  spaces[as.asid] = null;
}

/** asPageFrame: frame of the object page behind va (0 if unmapped or not materialised). */
export function asPageFrame(as: AddrSpace, va: u32): u32 {
  const r = asFind(as, va);
  if (r == null) return 0;
  return objectPage(r.obj, r.index(va));
}
