// vm/check.ts — the invariant check (run after every kernel test, and on demand).
//
// Recomputes, from the structures that hold frames, what the frame table should say, and
// reports every disagreement:
//   1. conservation: every frame is free, or its refs equal the holders found (object slots,
//      page-table use, frame 0, kernel holds registered by I/O code), or it is an orphan kept
//      only by pending I/O; the free list holds exactly the free frames
//   2. mappings: every present PTE is recorded in its frame's pv list and vice versa (maps),
//      and maps the frame its region's object holds at that page (no stale bytes mapped)
//   3. TCOW: no frame under protected output is writable through any mapping: an emulated
//      copy's, sendfile's and IO-Lite's output, a page-cache or IO-Lite page queued in a pipe
//      and the splice that sends it on (outputs and pipes register them); emulated share and
//      disk writeback hold outRef without write protection, and MSG_ZEROCOPY and vmsplice pin
//      the application's pages unprotected (weak integrity), by design
//   4. permissions: no writable mapping in a region without write permission, except a page
//      lent to its one writer (an IO-Lite buffer being filled: lenders register them); no
//      IMMUTABLE frame (an IO-Lite buffer) writable through any mapping
//   5. scrubbing: a free frame not flagged UNSCRUBBED holds only zeroes
//   6. pins: a frame STRANDED under a pin (vm/frame.ts) is wired and writable through no mapping

import { FrameFlag, FrameKind, MAX_PROCS, PAGE_SHIFT, PAGE_SIZE, PTES_PER_TABLE, Prot, Pte } from "../base/abi";
import { asFind, spaces } from "./aspace";
import { indirectHolds } from "./indirect";
import { frame, frameFresh, freeFrames } from "./frame";
import { objectPage, objects } from "./object";
import { pteFrame } from "./pagetable";
import { pvInUse } from "./pmap";
import { framePtr, ramFrames } from "./ram";

let report = "";
let violations = 0;

function bad(msg: string): void {
  violations++;
  if (violations <= 20) report += msg + "\n";
}

/** badPte: a violation at the PTE of va in asid, mapping frame f. */
function badPte(asid: i32, va: u32, f: u32, what: string): void {
  bad("pid " + asid.toString() + " va 0x" + va.toString(16) + " frame " + f.toString() + ": " + what);
}

/** Extra holders of frames outside memory objects and page tables (I/O code registers here). */
export type HoldCounter = (expected: StaticArray<u32>) => void;
const holders = new Array<HoldCounter>();

/** checkRegisterHolder: fn adds, for every frame it holds, one to expected[frame]. */
export function checkRegisterHolder(fn: HoldCounter): void {
  holders.push(fn);
}

const protectors = new Array<HoldCounter>();

/** checkRegisterProtector: fn adds, for every frame it holds under TCOW (write-protected
 *  output), one to its argument[frame]. */
export function checkRegisterProtector(fn: HoldCounter): void {
  protectors.push(fn);
}

const lenders = new Array<HoldCounter>();

/** checkRegisterLender: fn sets lent[frame] = asid for every frame it lends write access to in a
 *  read-only region (only that address space may map it writable). */
export function checkRegisterLender(fn: HoldCounter): void {
  lenders.push(fn);
}

// The check's per-frame tallies, made at boot (checkInit) and cleared by every check: a check
// allocates nothing, so checking never grows the kernel's heap (an instance whose memory grew
// after boot cannot be reset and reused: tools/host/reset.ts).
let expected = new StaticArray<u32>(0);
let mapped = new StaticArray<u32>(0);
let guarded = new StaticArray<u32>(0);
let lent = new StaticArray<u32>(0);
let owed = new StaticArray<u32>(0);

/** checkInit: make the check's tallies for frames frames (at boot). */
export function checkInit(frames: u32): void {
  expected = new StaticArray<u32>(<i32>frames);
  mapped = new StaticArray<u32>(<i32>frames);
  guarded = new StaticArray<u32>(<i32>frames);
  lent = new StaticArray<u32>(<i32>frames);
  owed = new StaticArray<u32>(<i32>frames);
}

/** clear: every tally zero. */
function clear(a: StaticArray<u32>): void {
  memory.fill(changetype<usize>(a), 0, <usize>a.length << 2);
}

/** checkInvariants: number of violations found (0 = all hold); details in checkReport(). */
export function checkInvariants(scrub: bool): i32 {
  report = "";
  violations = 0;
  const n = ramFrames;
  if (<u32>expected.length != n) checkInit(n);
  clear(expected);
  clear(mapped);
  clear(guarded);
  clear(lent);
  clear(owed);
  expected[0] = 1;
  for (let h = 0; h < lenders.length; h++) lenders[h](lent);
  for (let h = 0; h < protectors.length; h++) protectors[h](guarded);

  for (let i = 1; i < objects.length; i++) {
    const o = objects[i];
    if (o == null) continue;
    for (let k = 0; k < o.pages.length; k++) {
      const f = unchecked(o.pages[k]);
      if (f == 0) continue;
      if (f >= n) { bad("object " + i.toString() + " page " + k.toString() + ": frame out of range"); continue; }
      expected[f]++;
    }
  }
  indirectHolds(owed); // pages owed an elided copy hold their source frames
  // The frames never allocated, fresh .. n - 1, are looked at one by one only if something
  // about them is not zero (and then every report is the one a look at each would give);
  // always with the scrub check, which looks at their bytes.
  const fresh = frameFresh();
  const upTo = !scrub && fresh < n && untouched(fresh, n) ? fresh : n;
  for (let f: u32 = 1; f < upTo; f++) {
    unchecked((expected[f] += owed[f]));
    if ((unchecked(owed[f]) != 0) != ((frame(f).flags & FrameFlag.OWED) != 0)) bad("frame " + f.toString() + ": marked owed (zIO) " + ((frame(f).flags & FrameFlag.OWED) != 0 ? "but no page owes it" : "not, but pages owe it"));
  }
  for (let h = 0; h < holders.length; h++) holders[h](expected);

  // Walk every address space's page tables.
  for (let asid = 1; asid <= MAX_PROCS; asid++) {
    const as = spaces[asid];
    if (as == null) continue;
    expected[as.pd]++;
    const pd = framePtr(as.pd);
    for (let i = 0; i < PTES_PER_TABLE; i++) {
      const pde = load<u32>(pd + (<usize>i << 2));
      if ((pde & Pte.P) == 0) continue;
      const pt = pteFrame(pde);
      expected[pt]++;
      if (frame(pt).kind != FrameKind.PAGETABLE) bad("pid " + asid.toString() + ": PDE " + i.toString() + " points at a non-page-table frame");
      for (let j = 0; j < PTES_PER_TABLE; j++) {
        const pte = load<u32>(framePtr(pt) + (<usize>j << 2));
        if ((pte & Pte.P) == 0) continue;
        const va = (<u32>i << 22) | (<u32>j << PAGE_SHIFT);
        const f = pteFrame(pte);
        if (f == 0 || f >= n) { badPte(asid, va, f, "PTE frame out of range"); continue; }
        unchecked(mapped[f]++);
        const m = frame(f);
        if (m.kind == FrameKind.FREE) badPte(asid, va, f, "maps a free frame");
        if (unchecked(guarded[f]) != 0 && (pte & Pte.W) != 0) badPte(asid, va, f, "frame under output is writable");
        if (unchecked(owed[f]) != 0 && (pte & Pte.W) != 0) badPte(asid, va, f, "source of an elided copy (zIO) is writable");
        const r = asFind(as, va);
        if (r == null) { badPte(asid, va, f, "mapped outside every region"); continue; }
        if (objectPage(r.obj, r.index(va)) != f) badPte(asid, va, f, "maps a frame its object no longer holds (stale)");
        if ((pte & Pte.W) != 0 && (r.prot & Prot.WRITE) == 0 && unchecked(lent[f]) != <u32>asid) badPte(asid, va, f, "writable in a read-only region");
        if ((pte & Pte.W) != 0 && (m.flags & FrameFlag.IMMUTABLE) != 0) badPte(asid, va, f, "immutable (IO-Lite) frame is writable");
        if ((pte & Pte.W) != 0 && (m.flags & FrameFlag.STRANDED) != 0) badPte(asid, va, f, "frame stranded under a pin (share output) is writable");
      }
    }
  }

  // Frames upTo .. n - 1, untouched, are free and clean: not looked at again if nothing holds or maps them.
  const skip = upTo < n && unheld(upTo, n);
  let free: u32 = skip ? n - upTo : 0;
  let mapsTotal: u32 = 0;
  const stop = skip ? upTo : n;
  for (let f: u32 = 0; f < stop; f++) {
    const m = frame(f);
    const e = unchecked(expected[f]);
    mapsTotal += m.maps;
    if (m.maps != unchecked(mapped[f])) bad("frame " + f.toString() + ": maps " + m.maps.toString() + " but " + mapped[f].toString() + " PTEs");
    if (m.kind == FrameKind.FREE) {
      free++;
      if (e != 0 || m.refs != 0) bad("frame " + f.toString() + ": free but held " + e.toString() + " times, refs " + m.refs.toString());
      if (m.outRef != 0 || m.inRef != 0 || m.wired != 0) bad("frame " + f.toString() + ": free with pending I/O or pins");
      if (scrub && (m.flags & FrameFlag.UNSCRUBBED) == 0 && !zero(f)) bad("frame " + f.toString() + ": free, marked clean, holds old bytes");
      continue;
    }
    if ((m.flags & FrameFlag.STRANDED) != 0 && m.wired == 0) bad("frame " + f.toString() + ": stranded under a pin but not wired");
    if ((m.flags & FrameFlag.ORPHAN) != 0) {
      if (m.refs != 0 || e != 0) bad("frame " + f.toString() + ": orphan still referenced");
      if (m.outRef == 0 && m.inRef == 0 && m.wired == 0) bad("frame " + f.toString() + ": orphan with no pending I/O nor pin (leaked)");
      continue;
    }
    if (<u32>m.refs != e) bad("frame " + f.toString() + " (kind " + m.kind.toString() + "): refs " + m.refs.toString() + " but " + e.toString() + " holders");
  }
  if (free != freeFrames) bad("free list: counter says " + freeFrames.toString() + ", table says " + free.toString());
  if (mapsTotal != pvInUse()) bad("pv entries: " + pvInUse().toString() + " in use, frames count " + mapsTotal.toString());
  if (violations > 20) report += "... and " + (violations - 20).toString() + " more\n";
  return violations;
}

/** untouched: frames from .. n - 1 have all-zero records (free, clean, unreferenced) and no
 *  page owes any of them. */
function untouched(from: u32, n: u32): bool {
  let acc: u64 = 0;
  const end = changetype<usize>(frame(n));
  for (let p = changetype<usize>(frame(from)); p < end; p += 8) acc |= load<u64>(p);
  for (let f = from; f < n; f++) acc |= <u64>unchecked(owed[f]);
  return acc == 0;
}

/** unheld: no holder and no PTE of frames from .. n - 1 was counted. */
function unheld(from: u32, n: u32): bool {
  let acc: u32 = 0;
  for (let f = from; f < n; f++) acc |= unchecked(expected[f]) | unchecked(mapped[f]);
  return acc == 0;
}

function zero(f: u32): bool {
  const p = framePtr(f);
  for (let i = 0; i < PAGE_SIZE; i += 8) if (load<u64>(p + <usize>i) != 0) return false;
  return true;
}

/** checkReport: the text of the last check's violations (empty if none). */
export function checkReport(): string {
  return report;
}
