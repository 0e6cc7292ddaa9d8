// kernel/io/swapin.ts — input by page swapping (emulated copy and emulated share).
// Published mechanism (Genie): input alignment + page swapping + reverse copyout; the exact
// thresholds are ours, derived from the cost profile.
//
// The datagram sits in system frames. For each page of the application's buffer:
//
//   its bytes are in ONE system frame, at the same page offset?
//     whole page ................ swap: the system frame becomes the application's page
//     part of a page, many bytes  reverse copyout: copy the application's OTHER bytes into the
//                                 system frame, then swap
//     part of a page, few bytes . copy the received bytes out
//   otherwise (the NIC put them elsewhere: no alignment) ... copy the received bytes out
//
// The application's old frames go back to the free pool and are scrubbed before any reuse.
// Nothing changes until the whole datagram is here, and no byte outside [va, va+len) changes.

import { Counter, Errno, FrameKind, PAGE_MASK, PAGE_SHIFT, PAGE_SIZE, Prot, SYS_RESTART, USER_TOP } from "../../base/abi";
import { panic, spin } from "../../base/panic";
import { count, costOf } from "../../base/stats";
import { Proc } from "../proc";
import { copyout } from "../uio";
import { Pte } from "../../base/abi";
import { asFind, Region } from "../../vm/aspace";
import { frame, frameAlloc, frameRef, frameUnref } from "../../vm/frame";
import { objectReplacePage } from "../../vm/swap";
import { indirectSettle } from "../../vm/settle";
import { objectPage, ObjKind } from "../../vm/object";
import { pagerCanDirty, pagerDirty } from "../../vm/pager";
import { pmapEnter, pmapPte } from "../../vm/pmap";
import { framePtr, paPtr } from "../../vm/ram";
import { Dgram, dgramFree } from "../../net/dgram";

/** reverseAbove: a partial page receiving more bytes than this is reverse-copied and swapped
 *  (copy the other 4096 - n bytes, swap) rather than copied (n bytes). */
export function reverseAbove(): u32 {
  // @solution align begin
  const c = costOf(Counter.BytesCopied);
  if (c <= 0) return PAGE_SIZE;
  const swap = costOf(Counter.PageSwaps) + 2 * costOf(Counter.PteWrites) + costOf(Counter.TlbInvalLocal);
  // (4096 - n) c + swap < n c  <=>  n > (4096 c + swap) / 2c
  return <u32>min<f64>(PAGE_SIZE, (PAGE_SIZE * c + swap) / (2 * c));
  // @solution align stub
  // panic("assignment align: implement reverseAbove (kernel/io/swapin.ts)");
  // return PAGE_SIZE;
  // @solution align end
}

/** Where datagram data offset x lies: the run holding it, flattened. */
export class Runs {
  pa: Array<u32> = [];
  len: Array<u32> = [];
  at: Array<u32> = []; // data offset of each run
  /** of: describe datagram d (the arrays are reused from one datagram to the next). */
  of(d: Dgram): Runs {
    this.pa.length = 0;
    this.len.length = 0;
    this.at.length = 0;
    let at: u32 = 0;
    for (let i = 0; i < d.pkts.length; i++) {
      const k = d.pkts[i];
      for (let j = 0; j < k.nruns; j++) {
        this.pa.push(k.runPa[j]);
        this.len.push(k.runLen[j]);
        this.at.push(at);
        at += k.runLen[j];
      }
    }
    return this;
  }
  /**
   * inOneFrame: the frame holding all of data [s, e) at the page offsets the bytes have in the
   * application's buffer at va (so the frame can become that page); 0 if there is none.
   */
  inOneFrame(va: u32, s: u32, e: u32): u32 {
    let i = this.find(s);
    let f: u32 = 0;
    while (s < e) {
      const pa = this.pa[i] + (s - this.at[i]);
      if ((pa & PAGE_MASK) != ((va + s) & PAGE_MASK)) return 0;
      if (f == 0) f = pa >> PAGE_SHIFT;
      else if (pa >> PAGE_SHIFT != f) return 0;
      const n = min(this.len[i] - (s - this.at[i]), e - s);
      if ((pa & PAGE_MASK) + n > <u32>PAGE_SIZE) return 0;
      s += n;
      i++;
    }
    return f;
  }

  /** find: index of the run holding data offset x (runs are in order). */
  find(x: u32): i32 {
    let lo = 0, hi = this.pa.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.at[mid] <= x) lo = mid; else hi = mid - 1;
    }
    return lo;
  }
}

// One Runs every delivery reuses (deliveries do not nest).
const scratchRuns = new Runs();

/** runsOf: the runs of datagram d, in the Runs every delivery reuses (deliveries do not nest). */
export function runsOf(d: Dgram): Runs {
  return scratchRuns.of(d);
}

/** copyRange: copy datagram data [s, e) to user address va + s; 0 or -EFAULT. */
function copyRange(p: Proc, va: u32, runs: Runs, s: u32, e: u32): i32 {
  let i = runs.find(s);
  while (s < e) {
    spin("kernel/io/swapin.ts copyRange");
    const off = s - runs.at[i];
    const n = min(runs.len[i] - off, e - s);
    const r = copyout(p, va + s, paPtr(runs.pa[i] + off), n);
    if (r < 0) return r;
    s += n;
    i++;
  }
  return 0;
}

/** writable: every page of [va, va+n) lies in a writable region. */
function writable(p: Proc, va: u32, n: u32): bool {
  if (<u64>va + n > <u64>USER_TOP) return false;
  let at = va;
  const end = va + n;
  while (at < end) {
    spin("kernel/io/swapin.ts writable");
    const r = asFind(p.as!, at);
    if (r == null || (r.prot & Prot.WRITE) == 0) return false;
    at = r.end;
  }
  return true;
}

// What delivery does with each page of the application's buffer (planned before anything changes).
const enum Way {
  COPY = 0, // copy the received bytes into the page (through the MMU)
  SWAP = 1, // the system frame becomes the page (after a reverse copy if partial)
  FRESH = 2, // a whole page of a file not in memory: a new frame is filled and becomes the page
}

// The pages swapInput swaps, reused from call to call.
const swapRegion = new Array<Region>();
const swapVa = new Array<u32>();
const swapFrame = new Array<u32>();
const swapFresh = new Array<bool>();
const copyS = new Array<u32>();
const copyE = new Array<u32>();

/** onDisk: would writing part of page `page` (region r) of p have to wait for the disk? A file
 *  page (or the file page a private mapping starts from) that is not mapped here may be on disk
 *  or on its way; delivery, which may run in an interrupt, never waits. */
function onDisk(p: Proc, r: Region, page: u32): bool {
  const o = r.obj;
  if (o.kind != ObjKind.FILE && (o.backing == null || objectPage(o, r.index(page)) != 0)) return false;
  return (pmapPte(p.pid, page) & Pte.P) == 0;
}

/**
 * swapInput: deliver datagram d into [va, va+len) of p, by page swapping where the data is
 * aligned (swap: emulated copy and emulated share) or by copying only (swap false: copy
 * semantics); bytes delivered or -errno, d consumed. SYS_RESTART, with d untouched and nothing
 * changed, when a page the delivery writes only part of is a file page not in memory (the
 * receive is made again in the process's context, which reads it first: kernel/io/resident.ts).
 * A whole page of a file that is not in memory is never read: the system frame (aligned) or a
 * new frame filled with the received bytes becomes the page.
 */
export function swapInput(p: Proc, va: u32, len: u32, d: Dgram, swap: bool = true): i32 {
  const n = min(len, d.len);
  if (n == 0) { dgramFree(d); return 0; }
  if (!writable(p, va, n)) { dgramFree(d); return -Errno.EFAULT; }
  // Pages owed an elided copy (zIO) get their bytes first: a reverse copyout reads them.
  if (!indirectSettle(p.as!, p.cpu, va, n)) { dgramFree(d); return -Errno.EFAULT; }
  const runs = runsOf(d);
  swapRegion.length = 0;
  swapVa.length = 0;
  swapFrame.length = 0;
  swapFresh.length = 0;
  copyS.length = 0;
  copyE.length = 0;
  const end = va + n;
  for (let page = va & ~PAGE_MASK; page < end; page += PAGE_SIZE) {
    spin("kernel/io/swapin.ts swapInput");
    const s = max(va, page) - va, e = min(end, page + PAGE_SIZE) - va; // data [s, e) lands on this page
    const f = swap ? runs.inOneFrame(va, s, e) : 0;
    const r = asFind(p.as!, page)!;
    const idx = r.index(page);
    if (f != 0 && objectPage(r.obj, idx) == f) continue; // share: the device wrote it in place
    // A file page swapped in becomes dirty: only a page with a disk block can be (no hole).
    const fileOk = r.obj.kind != ObjKind.FILE || pagerCanDirty(r.obj, idx);
    const aligned = f != 0 && !swapFrame.includes(f) && fileOk;
    const full = e - s == <u32>PAGE_SIZE;
    let way = aligned && (full || e - s > reverseAbove()) ? Way.SWAP : Way.COPY;
    if (onDisk(p, r, page)) {
      if (!full) return SYS_RESTART; // its other bytes are on disk
      if (way == Way.COPY) {
        if (r.obj.kind != ObjKind.FILE || objectPage(r.obj, idx) != 0 || !fileOk) return SYS_RESTART;
        way = Way.FRESH;
      }
    }
    if (way == Way.COPY) {
      copyS.push(s);
      copyE.push(e);
      continue;
    }
    swapRegion.push(r);
    swapVa.push(page);
    swapFrame.push(way == Way.FRESH ? 0 : f); // a fresh page's frame is taken below
    swapFresh.push(way == Way.FRESH);
  }
  // The new frames are taken before anything changes; without them, the slow way.
  for (let k = 0; k < swapVa.length; k++) {
    if (!swapFresh[k]) continue;
    const g = frameAlloc(FrameKind.IOBUF, false);
    if (g == 0) {
      for (let j = 0; j < k; j++) if (swapFresh[j]) frameUnref(swapFrame[j]);
      return SYS_RESTART;
    }
    swapFrame[k] = g;
  }
  for (let k = 0; k < copyS.length; k++) {
    const c = copyRange(p, va, runs, copyS[k], copyE[k]);
    if (c < 0) {
      for (let j = 0; j < swapVa.length; j++) if (swapFresh[j]) frameUnref(swapFrame[j]);
      dgramFree(d);
      return c;
    }
  }
  for (let k = 0; k < swapVa.length; k++) {
    const page = swapVa[k];
    const s = max(va, page) - va, e = min(end, page + PAGE_SIZE) - va;
    if (swapFresh[k]) gather(framePtr(swapFrame[k]), runs, s, e);
    else if (e - s < <u32>PAGE_SIZE) reverseCopy(p, page, va + s, va + e, swapFrame[k]);
  }
  // The system frames become the application's pages; the packets then let go of them.
  for (let k = 0; k < swapVa.length; k++) {
    const r = swapRegion[k], idx = r.index(swapVa[k]);
    if (!swapFresh[k]) frameRef(swapFrame[k]);
    objectReplacePage(r.obj, idx, swapFrame[k]);
    if (r.obj.kind == ObjKind.FILE) fileSwappedIn(r, idx, swapFrame[k]);
  }
  dgramFree(d);
  for (let k = 0; k < swapVa.length; k++) {
    const r = swapRegion[k], f = swapFrame[k];
    const w = (r.obj.shared || frame(f).refs == 1) && frame(f).outRef == 0;
    pmapEnter(p.pid, swapVa[k], f, Pte.U | (w ? Pte.W | Pte.D : 0));
    count(Counter.PageSwaps);
  }
  return <i32>n;
}

/** fileSwappedIn: frame f has just become page idx of r's file (mapped file input): the page
 *  cache must write it back, so the data reaches the disk without a CPU copy. */
function fileSwappedIn(r: Region, idx: u32, f: u32): void {
  // @solution mapfile begin
  pagerDirty(r.obj, idx, f);
  // @solution mapfile stub
  // panic("assignment mapfile: implement fileSwappedIn (kernel/io/swapin.ts)");
  // @solution mapfile end
}

/** gather: copy datagram data [s, e) to kernel address dst (a new frame). */
function gather(dst: usize, runs: Runs, s: u32, e: u32): void {
  let i = runs.find(s);
  const base = s;
  while (s < e) {
    const off = s - runs.at[i];
    const n = min(runs.len[i] - off, e - s);
    memory.copy(dst + (s - base), paPtr(runs.pa[i] + off), n);
    s += n;
    i++;
  }
  count(Counter.BytesCopied, e - base);
}

/** reverseCopy: copy the application's bytes of page `page` outside [s, e) into frame f. */
function reverseCopy(p: Proc, page: u32, s: u32, e: u32, f: u32): void {
  // @solution align begin
  const r = asFind(p.as!, page)!;
  const old = objectPage(r.obj, r.index(page));
  const dst = framePtr(f);
  const head = s - page, tail = page + PAGE_SIZE - e;
  if (old == 0) {
    // Never touched: the application's other bytes are zeroes.
    memory.fill(dst, 0, head);
    memory.fill(dst + (e - page), 0, tail);
    count(Counter.BytesZeroed, head + tail);
    return;
  }
  const src = framePtr(old);
  memory.copy(dst, src, head);
  memory.copy(dst + (e - page), src + (e - page), tail);
  count(Counter.BytesCopied, head + tail);
  // @solution align stub
  // panic("assignment align: implement reverseCopy (kernel/io/swapin.ts)");
  // @solution align end
}
