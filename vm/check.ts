// vm/check.ts — the invariant check (run after every kernel test, after every step the
// playground shows, and on demand).
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

import { CHECK_SWEEP_FRAMES, FrameField, FrameFlag, FrameKind, MAX_PROCS, PAGE_SHIFT, PAGE_SIZE, PTES_PER_TABLE, Prot, Pte } from "../base/abi";
import { Region, asFind, spaces } from "./aspace";
import { indirectHolds } from "./indirect";
import { Frame, frame, frameFresh, freeFrames } from "./frame";
import { objectPage, objects } from "./object";
import { pteFrame } from "./pagetable";
import { pvInUse } from "./pmap";
import { hold, Tally, tallyBegin, tallyOf, tallyStrays } from "./tally";
import { bootAlloc, framePtr, ramFrames } from "./ram";

/** Pte.P in each half of a u64 that holds two neighbouring PTEs. */
const PTE_PAIR_PRESENT: u64 = (<u64>Pte.P << 32) | <u64>Pte.P;

/** noneOfFour: none of the four page-table entries at p is present. */
// @ts-ignore: decorator
@inline function noneOfFour(p: usize): bool {
  return ((load<u64>(p) | load<u64>(p, 8)) & PTE_PAIR_PRESENT) == 0;
}

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
export type HoldCounter = (tally: Tally) => void;
const holders = new Array<HoldCounter>();

/** checkRegisterHolder: fn counts every frame it holds, once per holding (hold, vm/tally.ts). */
export function checkRegisterHolder(fn: HoldCounter): void {
  holders.push(fn);
}

const protectors = new Array<HoldCounter>();

/** checkRegisterProtector: fn counts every frame it holds under TCOW (write-protected output). */
export function checkRegisterProtector(fn: HoldCounter): void {
  protectors.push(fn);
}

const lenders = new Array<HoldCounter>();

/** checkRegisterLender: fn names (lend, vm/tally.ts) the address space it lends each frame to
 *  for writing in a read-only region (only that one may map it writable). */
export function checkRegisterLender(fn: HoldCounter): void {
  lenders.push(fn);
}

// The check's per-frame tallies, claimed at boot (checkInit) as the frame table is, not from the
// heap: a check allocates nothing, so checking never grows the kernel's heap (an instance whose
// memory grew after boot cannot be reset and reused: tools/host/reset.ts), and a machine of many
// frames does not make the heap double linear memory at boot.
let talliesFor: u32 = 0; // the frames they were claimed for
let expected: Tally = 0;
let mapped: Tally = 0;
let guarded: Tally = 0;
let lent: Tally = 0;
let owed: Tally = 0;
// Every tally is zero at frames tallied .. n - 1 between checks: a check clears only below it
// (a quick one counts nothing at or past the frames allocated so far: vm/tally.ts).
let tallied: u32 = 0;
// The never-allocated frame the next quick check starts looking at.
let sweep: u32 = 0;

/** checkInit: make the check's tallies for frames frames (at boot). */
export function checkInit(frames: u32): void {
  const bytes = <usize>frames << 2;
  expected = bootAlloc(5 * bytes); // fresh pages: zero
  mapped = expected + bytes;
  guarded = mapped + bytes;
  lent = guarded + bytes;
  owed = lent + bytes;
  talliesFor = frames;
  tallied = 0;
  sweep = 0;
}

/** clear: t's tallies of frames 0 .. to - 1 zero. */
function clear(t: Tally, to: u32): void {
  memory.fill(t, 0, <usize>to << 2);
}

/** checkInvariants: number of violations found (0 = all hold); details in checkReport(). Without
 *  scrubbing, the quick check (the playground's, after every step) first counts only the frames
 *  allocated so far, and looks at the rest again, the way the full check does, only if they
 *  are not as they must be. */
export function checkInvariants(scrub: bool): i32 {
  const n = ramFrames;
  if (talliesFor != n) checkInit(n);
  if (!scrub && quick()) return violations;
  walk(n, scrub);
  return violations;
}

/** quick: the check over frames 0 .. fresh - 1 and CHECK_SWEEP_FRAMES of the never-allocated
 *  ones (the next in turn), if every one of those is as a never-allocated frame must be and
 *  nothing counted held one; false if the full walk must be done. */
function quick(): bool {
  const n = ramFrames, fresh = frameFresh();
  if (fresh >= n) return false;
  const from = sweep < fresh || sweep >= n ? fresh : sweep;
  const to = min(from + CHECK_SWEEP_FRAMES, n);
  sweep = to;
  if (!recordsZero(from, to)) return false;
  return walk(fresh, false);
}

/**
 * walk: tally every holder, walk every page table, then compare with frames 0 .. upTo - 1; the
 * frames upTo .. ramFrames - 1 are taken to be free, clean and held by nothing (the quick check
 * looks at them in turn). Returns false, its report to be thrown away, if a holding or mapping of
 * a frame at or past upTo was counted; with upTo = ramFrames, such a holding is reported.
 */
function walk(upTo: u32, scrub: bool): bool {
  report = "";
  violations = 0;
  const n = ramFrames;
  clear(expected, tallied);
  clear(mapped, tallied);
  clear(guarded, tallied);
  clear(lent, tallied);
  clear(owed, tallied);
  tallied = upTo;
  tallyBegin(upTo);
  hold(expected, 0);
  for (let h = 0; h < lenders.length; h++) lenders[h](lent);
  for (let h = 0; h < protectors.length; h++) protectors[h](guarded);

  for (let i = 1; i < objects.length; i++) {
    const o = objects[i];
    if (o == null) continue;
    for (let k = 0; k < o.pages.length; k++) {
      const f = unchecked(o.pages[k]);
      if (f == 0) continue;
      if (f >= n) { bad("object " + i.toString() + " page " + k.toString() + ": frame out of range"); continue; }
      hold(expected, f);
    }
  }
  indirectHolds(owed); // pages owed an elided copy hold their source frames
  for (let h = 0; h < holders.length; h++) holders[h](expected);

  // Walk every address space's page tables.
  for (let asid = 1; asid <= MAX_PROCS; asid++) {
    const as = spaces[asid];
    if (as == null) continue;
    hold(expected, as.pd);
    const pd = framePtr(as.pd);
    for (let i = 0; i < PTES_PER_TABLE; i++) {
      if ((i & 3) == 0 && noneOfFour(pd + (<usize>i << 2))) { i += 3; continue; }
      const pde = load<u32>(pd + (<usize>i << 2));
      if ((pde & Pte.P) == 0) continue;
      const pt = pteFrame(pde);
      hold(expected, pt);
      if (frame(pt).kind != FrameKind.PAGETABLE) bad("pid " + asid.toString() + ": PDE " + i.toString() + " points at a non-page-table frame");
      const table = framePtr(pt);
      let r: Region | null = null; // the region of the PTE looked at last (neighbours mostly share it)
      for (let j = 0; j < PTES_PER_TABLE; j++) {
        // Four entries at a time while none is present (most of a table is empty).
        if ((j & 3) == 0 && noneOfFour(table + (<usize>j << 2))) { j += 3; continue; }
        const pte = load<u32>(table + (<usize>j << 2));
        if ((pte & Pte.P) == 0) continue;
        const va = (<u32>i << 22) | (<u32>j << PAGE_SHIFT);
        const f = pteFrame(pte);
        if (f == 0 || f >= n) { badPte(asid, va, f, "PTE frame out of range"); continue; }
        hold(mapped, f);
        const m = frame(f);
        if (m.kind == FrameKind.FREE) badPte(asid, va, f, "maps a free frame");
        if (r == null || va < r.start || va >= r.end) r = asFind(as, va);
        if (r == null) { badPte(asid, va, f, "mapped outside every region"); continue; }
        if (objectPage(r.obj, r.index(va)) != f) badPte(asid, va, f, "maps a frame its object no longer holds (stale)");
        if ((pte & Pte.W) == 0) continue;
        if (tallyOf(guarded, f) != 0) badPte(asid, va, f, "frame under output is writable");
        if (tallyOf(owed, f) != 0) badPte(asid, va, f, "source of an elided copy (zIO) is writable");
        if ((r.prot & Prot.WRITE) == 0 && tallyOf(lent, f) != <u32>asid) badPte(asid, va, f, "writable in a read-only region");
        if ((m.flags & FrameFlag.IMMUTABLE) != 0) badPte(asid, va, f, "immutable (IO-Lite) frame is writable");
        if ((m.flags & FrameFlag.STRANDED) != 0) badPte(asid, va, f, "frame stranded under a pin (share output) is writable");
      }
    }
  }
  if (tallyStrays() != 0) {
    if (upTo < n) return false;
    bad(tallyStrays().toString() + " holding(s) of frames past the end of RAM");
  }

  let free: u32 = n - upTo;
  let mapsTotal: u32 = 0;
  for (let f: u32 = 0; f < upTo; f++) {
    const rec = changetype<usize>(frame(f));
    const o = tallyOf(owed, f);
    const e = tallyOf(expected, f) + o; // pages owed an elided copy hold their source frames
    const mp = tallyOf(mapped, f);
    // Two shapes most frames have, for which every rule below holds (the scrub check aside):
    // free with a record zero but for UNSCRUBBED, and counted by nothing; or in use, neither
    // stranded, orphan nor owed, its refs and maps what was counted.
    const head = load<u64>(rec), tail = load<u32>(rec, FrameField.WIRED);
    const refs = <u32>head & 0xffff, flags = <u32>(head >> (FrameField.FLAGS << 3)) & 0xff, maps = tail >> 16;
    if ((<u32>(head >> (FrameField.KIND << 3)) & 0xff) == FrameKind.FREE) {
      if (((head & ~(<u64>FrameFlag.UNSCRUBBED << (FrameField.FLAGS << 3))) | <u64>(tail | e | mp)) == 0) {
        free++;
        if (scrub && (flags & FrameFlag.UNSCRUBBED) == 0 && !zero(f)) bad("frame " + f.toString() + ": free, marked clean, holds old bytes");
        continue;
      }
    } else if (((refs ^ e) | (maps ^ mp) | o | (flags & (FrameFlag.STRANDED | FrameFlag.ORPHAN | FrameFlag.OWED))) == 0) {
      mapsTotal += maps;
      continue;
    }
    const m = changetype<Frame>(rec);
    if (f != 0 && (o != 0) != ((m.flags & FrameFlag.OWED) != 0)) bad("frame " + f.toString() + ": marked owed (zIO) " + ((m.flags & FrameFlag.OWED) != 0 ? "but no page owes it" : "not, but pages owe it"));
    mapsTotal += m.maps;
    if (m.maps != mp) bad("frame " + f.toString() + ": maps " + m.maps.toString() + " but " + mp.toString() + " PTEs");
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
  return true;
}

/** recordsZero: the records of frames from .. to - 1 are all zero (as a never-allocated frame's). */
function recordsZero(from: u32, to: u32): bool {
  let acc: u64 = 0;
  const end = changetype<usize>(frame(to));
  for (let p = changetype<usize>(frame(from)); p < end; p += 8) acc |= load<u64>(p);
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
