// fs/pagecache.ts — the unified page cache: file pages are frames in memory objects.
//
// Every cached block lives in exactly one frame (kind PAGECACHE), held by a memory object slot:
// page p of a file is page p of its inode's VmObject (fs/inode.ts), the same object mmap maps and
// emulated-copy I/O sends from; a metadata block b is page b of the disk's object `dev`. No file
// byte is ever kept anywhere else.
//
//   object page:  empty ---read submitted---> READING ---completion---> valid
//                   ^                           | (failed: bad; the next lookup drops it: EIO)
//                   |                           v
//                   +------ evicted (clean) --- valid <---> DIRTY ---writeback---> valid
//
// Dirty file pages (FrameFlag.DIRTY) are written back by DMA straight from their frames (no copy);
// a writer that finds a frame under output (outRef > 0) gets a copy first (TCOW: pageReplace),
// so the bytes being written never change. Directory and metadata pages are never DIRTY: they
// reach the disk through the log (fs/log.ts), which holds a reference on each while logged.
//
// Eviction: a clock sweeps the frame table. A page-cache frame used since the hand last passed
// (REFERENCED) gets a second chance; one that is clean and held by nothing but its object slot
// (refs == 1: not logged or pinned) with no pending I/O, no pin and no mapping is evicted.

import { DiskOp, Ev, Errno, FrameFlag, FrameKind, PAGE_SIZE } from "../base/abi";
import { trace } from "../base/trace";
import { panic, spin } from "../base/panic";
import { frame, frameAlloc, frameStranded, freeFrames } from "../vm/frame";
import { framePtr, ramFrames } from "../vm/ram";
import { objectGrow, objectInstall, objectRelease, objects, ObjKind, VmObject } from "../vm/object";
import { objectReplacePage, unmapThrough } from "../vm/swap";
import { pageReplace } from "../vm/fault";
import { blockPending } from "../drivers/block";
import { fsSubmit, Req, ringRoom } from "./bio";
import { missAny, missReq } from "./wait";
import { dev } from "./super";
import { bmap, Inode, inodeOfObj } from "./inode";

// Per frame (indexed by frame number): the read filling it, and whether that read failed.
let readReq = new StaticArray<u32>(0);
let readBad = new StaticArray<u8>(0);

/** Pages evicted and written back since boot (FsInfo). */
export let evictions: u32 = 0;
export let writebacks: u32 = 0;
/** Data writes in flight. */
export let wbInFlight: i32 = 0;

// Dirty frames in the order they became dirty (with their generation, to skip reused frames).
let dirtyQ = new Array<u32>();
let dirtyG = new Array<u32>();
let dirtyHead: i32 = 0;
let wbWant: i32 = 0;
let hand: u32 = 1;

/** pcInit: per-frame state for a machine of nframes frames (mount). */
export function pcInit(nframes: u32): void {
  if (<u32>readReq.length != nframes) {
    readReq = new StaticArray<u32>(<i32>nframes);
    readBad = new StaticArray<u8>(<i32>nframes);
  }
}

/** lowWater: free frames the page cache leaves to the rest of the kernel. */
export function lowWater(): u32 {
  return max<u32>(8, ramFrames >> 5);
}

// ---- lookups --------------------------------------------------------------------------------

/** cacheLookup: frame of page idx of o if valid; 0 if absent; SYS_RESTART while it is being
 *  read; -EIO if its read failed (the page is dropped: the next lookup reads it again). */
export function cacheLookup(o: VmObject, idx: u32): i32 {
  if (idx >= o.npages) return 0;
  const f = unchecked(o.pages[idx]);
  if (f == 0) return 0;
  const r = unchecked(readReq[f]);
  if (r != 0) return missReq(r);
  if (unchecked(readBad[f]) != 0) {
    unchecked((readBad[f] = 0));
    objectRelease(o, idx, idx + 1);
    return -Errno.EIO;
  }
  frame(f).flags |= <u8>FrameFlag.REFERENCED;
  return <i32>f;
}

/** cacheReady: page idx of o, in memory, holds its bytes: 0; SYS_RESTART while it is being
 *  read (the caller waits for that read); -EIO if its read failed (the page is dropped, as by
 *  cacheLookup). Unlike cacheLookup it leaves the page's second chance alone. */
export function cacheReady(o: VmObject, idx: u32): i32 {
  if (idx >= o.npages) return 0;
  const f = unchecked(o.pages[idx]);
  if (f == 0 || (unchecked(readReq[f]) == 0 && unchecked(readBad[f]) == 0)) return 0;
  const r = cacheLookup(o, idx);
  return r < 0 ? r : 0;
}

/** newFrame: a page-cache frame (zero-filled if zero), or 0 if none is free. */
function newFrame(zero: bool): u32 {
  const f = frameAlloc(FrameKind.PAGECACHE, zero);
  if (f != 0) {
    unchecked((readReq[f] = 0));
    unchecked((readBad[f] = 0));
  }
  return f;
}

/** cacheRead: start reading block into a new frame at page idx of o; SYS_RESTART or -errno. */
export function cacheRead(o: VmObject, idx: u32, block: u32): i32 {
  if (!ringRoom()) return missAny();
  const f = newFrame(false);
  if (f == 0) return missAny();
  growTo(o, idx);
  objectInstall(o, idx, f);
  const id = fsSubmit(DiskOp.READ, block, f, Req.READ, o.id, idx);
  if (id < 0) {
    objectRelease(o, idx, idx + 1);
    return id == -Errno.EAGAIN ? missAny() : -Errno.EIO;
  }
  unchecked((readReq[f] = <u32>id));
  return missReq(<u32>id);
}

/** bread: the frame caching disk block b (a metadata block); SYS_RESTART / -EIO. */
export function bread(b: u32): i32 {
  const o = dev!;
  const f = cacheLookup(o, b);
  if (f != 0) return f;
  return cacheRead(o, b, b);
}

/** bnew: block b starts over as a zeroed metadata page (a new indirect block); its frame. The
 *  caller made sure a frame is free. */
export function bnew(b: u32): u32 {
  const f = newFrame(true);
  if (f == 0) panic("bnew: no free frame");
  frame(f).flags |= <u8>FrameFlag.REFERENCED;
  const o = dev!;
  growTo(o, b);
  if (unchecked(o.pages[b]) != 0) objectReplacePage(o, b, f);
  else objectInstall(o, b, f);
  return f;
}

/** bforget: drop the cached copy of metadata block b (it was freed). */
export function bforget(b: u32): void {
  const o = dev!;
  if (b < o.npages && unchecked(o.pages[b]) != 0) objectRelease(o, b, b + 1);
}

/** slotsFor: how many page slots an object growing to hold page idx gets (grows by halves). */
function slotsFor(o: VmObject, idx: u32): u32 {
  return max<u32>(idx + 1, o.npages + max<u32>(16, o.npages >> 1));
}

/** growTo: make room for page idx in object o. */
function growTo(o: VmObject, idx: u32): void {
  if (idx >= o.npages) objectGrow(o, slotsFor(o, idx));
}

/** pcGrow: make room for page idx in ip's object and block map. */
export function pcGrow(ip: Inode, idx: u32): void {
  const o = ip.obj;
  if (idx < o.npages) return;
  const n = slotsFor(o, idx);
  objectGrow(o, n);
  const a = new StaticArray<u32>(<i32>n);
  memory.copy(changetype<usize>(a), changetype<usize>(ip.blk), <usize>ip.blk.length << 2);
  ip.blk = a;
}

/** pcPage: the frame of page idx of file ip (valid), 0 if the page is a hole not in memory
 *  (it reads as zeroes); SYS_RESTART while it is read, -EIO. */
export function pcPage(ip: Inode, idx: u32): i32 {
  const o = ip.obj;
  const f = cacheLookup(o, idx);
  if (f != 0) return f;
  const b = bmap(ip, idx, false);
  if (b <= 0) return b;
  pcGrow(ip, idx);
  unchecked((ip.blk[idx] = <u32>b));
  return cacheRead(o, idx, <u32>b);
}

/** pcNew: a new page idx of ip (it must be absent): a frame, zero-filled if zero. The caller made
 *  sure a frame is free. */
export function pcNew(ip: Inode, idx: u32, zero: bool): u32 {
  const f = newFrame(zero);
  if (f == 0) panic("pcNew: no free frame");
  frame(f).flags |= <u8>FrameFlag.REFERENCED;
  pcGrow(ip, idx);
  objectInstall(ip.obj, idx, f);
  return f;
}

/** pcWritable: the frame of page idx of o that a writer may change now: f itself, or, if f is
 *  under output (TCOW) — or, with cow, shared with an application's memory (an emulated-copy
 *  write put it there), or stranded under a pin (a private mapping's share output wired it,
 *  vm/frame.ts frameStranded) — a copy that replaces it in the object. 0 if no frame is free. Only a
 *  regular file's pages may be shared that way (the log holds references on directory pages). */
export function pcWritable(o: VmObject, idx: u32, f: u32, cow: bool = false): u32 {
  const m = frame(f);
  if (m.outRef == 0 && !(cow && m.refs > 1) && !frameStranded(m)) return f;
  const dirty = (m.flags & FrameFlag.DIRTY) != 0;
  m.flags &= ~(<u8>FrameFlag.DIRTY); // the orphan keeps its output, not its dirtiness
  const c = pageReplace(o, idx, f);
  if (c == 0) {
    if (dirty) m.flags |= <u8>FrameFlag.DIRTY;
    return 0;
  }
  unchecked((readReq[c] = 0));
  unchecked((readBad[c] = 0));
  frame(c).flags |= <u8>FrameFlag.REFERENCED;
  if (dirty) pcDirty(c);
  return c;
}

/** pcDirty: file page frame f holds bytes the disk does not have yet. */
export function pcDirty(f: u32): void {
  const m = frame(f);
  if ((m.flags & FrameFlag.DIRTY) != 0) return;
  m.flags |= <u8>(FrameFlag.DIRTY | FrameFlag.REFERENCED);
  dirtyQ.push(f);
  dirtyG.push(m.gen);
}

/** pcAdopt: frame f became page idx of file object o by other means than a read (a write fault
 *  through a mapping, page swapping on input, pswap): it is a valid, dirty page now. */
export function pcAdopt(o: VmObject, idx: u32, f: u32): void {
  unchecked((readReq[f] = 0));
  unchecked((readBad[f] = 0));
  pcDirty(f);
}

/** pcDrop: drop pages [lo, hi) of o from the cache, dirty or not (truncate, unlink, unmount).
 *  Frames under I/O become orphans, freed when it ends. */
export function pcDrop(o: VmObject, lo: u32, hi: u32): void {
  hi = min(hi, o.npages);
  for (let i = lo; i < hi; i++) {
    const f = unchecked(o.pages[i]);
    if (f == 0) continue;
    frame(f).flags &= ~(<u8>FrameFlag.DIRTY);
    unmapThrough(o, i, f); // a mapping of a dropped page would show stale bytes
    objectRelease(o, i, i + 1);
  }
}

/** pcDirtyCount: dirty page-cache frames (a sweep of the frame table, for inspection). */
export function pcDirtyCount(): i32 {
  let n = 0;
  for (let f: u32 = 1; f < ramFrames; f++) {
    const m = frame(f);
    if (m.kind == FrameKind.PAGECACHE && (m.flags & FrameFlag.DIRTY) != 0) n++;
  }
  return n;
}

// ---- writeback --------------------------------------------------------------------------------

/** wbSubmit: write dirty frame f back to its block; false if the ring is full. */
function wbSubmit(f: u32): bool {
  const m = frame(f);
  const ip = inodeOfObj(m.owner);
  if (ip == null) {
    m.flags &= ~(<u8>FrameFlag.DIRTY);
    return true;
  }
  const b = m.index < <u32>ip.blk.length ? unchecked(ip.blk[m.index]) : 0;
  if (b == 0) panic("wbSubmit: a dirty page has no block");
  const id = fsSubmit(DiskOp.WRITE, b, f, Req.DATA, m.owner, m.index);
  if (id == -Errno.EAGAIN) return false;
  m.flags &= ~(<u8>FrameFlag.DIRTY);
  if (id < 0) {
    ip.wbErr = -Errno.EIO;
    return true;
  }
  wbInFlight++;
  writebacks++;
  ip.wbLast = <u32>id;
  trace(Ev.FsWriteback, <i32>f, <i32>b, id);
  return true;
}

/** dirtyNext: the oldest frame of the dirty queue that is still a dirty page, or 0. */
function dirtyNext(): u32 {
  while (dirtyHead < dirtyQ.length) {
    spin("fs/pagecache.ts dirtyNext");
    const f = unchecked(dirtyQ[dirtyHead]);
    const m = frame(f);
    if (m.gen == unchecked(dirtyG[dirtyHead]) && m.kind == FrameKind.PAGECACHE && m.owner != 0 &&
        (m.flags & FrameFlag.DIRTY) != 0) return f;
    dirtyHead++;
  }
  if (dirtyHead > 0) {
    dirtyQ = new Array<u32>();
    dirtyG = new Array<u32>();
    dirtyHead = 0;
  }
  return 0;
}

/** wbKick: ask for n more dirty pages to be written back (0: just go on with what was asked);
 *  as many as the ring takes are submitted now, the rest as requests complete. */
export function wbKick(n: i32): void {
  wbWant += n;
  while (wbWant > 0 && ringRoom()) {
    spin("fs/pagecache.ts wbKick");
    const f = dirtyNext();
    if (f == 0) { wbWant = 0; return; }
    if (!wbSubmit(f)) return;
    dirtyHead++;
    wbWant--;
  }
}

/** wbAll: write back every dirty page (commit, unmount); true when none is dirty or in flight. */
export function wbAll(): bool {
  for (;;) {
    spin("fs/pagecache.ts wbAll");
    const f = dirtyNext();
    if (f == 0) break;
    if (!wbSubmit(f)) return false;
    dirtyHead++;
  }
  return wbInFlight == 0;
}

/** wbInode: submit every dirty page of ip; false if the ring filled first. */
export function wbInode(ip: Inode): bool {
  const o = ip.obj;
  for (let i: u32 = 0; i < o.npages; i++) {
    const f = unchecked(o.pages[i]);
    if (f != 0 && (frame(f).flags & FrameFlag.DIRTY) != 0 && !wbSubmit(f)) return false;
  }
  return true;
}

/** wbDone: a writeback of a page of object obj completed with result. */
export function wbDone(obj: u32, result: i32): void {
  wbInFlight--;
  if (result < 0) {
    const ip = inodeOfObj(obj);
    if (ip != null) ip.wbErr = -Errno.EIO;
  }
}

/** readDone: the read filling frame f (generation gen) completed with result. */
export function readDone(f: u32, gen: u32, result: i32): void {
  const m = frame(f);
  if (m.gen != gen) return;
  unchecked((readReq[f] = 0));
  if (m.kind != FrameKind.PAGECACHE || m.owner == 0) return; // dropped meanwhile (freed orphan)
  if (result < 0) unchecked((readBad[f] = 1));
  else m.flags |= <u8>FrameFlag.REFERENCED;
}

// ---- eviction -----------------------------------------------------------------------------

/** evictable: may the clock take frame f now? (Second chances are handled by the caller.) */
function evictable(f: u32): bool {
  const m = frame(f);
  return m.kind == FrameKind.PAGECACHE && m.owner != 0 && m.refs == 1 && m.outRef == 0 && m.inRef == 0 &&
    m.wired == 0 && m.maps == 0 && (m.flags & (FrameFlag.DIRTY | FrameFlag.ORPHAN)) == 0 && unchecked(readReq[f]) == 0;
}

/** pcReclaim: run the clock until want clean pages are evicted or two turns are done; how many. */
export function pcReclaim(want: u32): u32 {
  let freed: u32 = 0;
  const n = ramFrames;
  for (let step: u32 = 0; step < 2 * n && freed < want; step++) {
    const f = hand;
    hand = hand + 1 >= n ? 1 : hand + 1;
    const m = frame(f);
    if (m.kind != FrameKind.PAGECACHE || m.owner == 0) continue;
    if ((m.flags & FrameFlag.REFERENCED) != 0) {
      m.flags &= ~(<u8>FrameFlag.REFERENCED);
      continue;
    }
    if (!evictable(f)) continue;
    const o = objects[m.owner];
    if (o == null || o.kind != ObjKind.FILE) continue;
    const idx = m.index;
    trace(Ev.FsEvict, <i32>f, <i32>o.id, <i32>idx);
    objectRelease(o, idx, idx + 1);
    evictions++;
    freed++;
  }
  return freed;
}

/** pcBalance: keep lowWater frames free: evict clean pages, and start writing dirty ones back
 *  when clean ones are not enough. */
export function pcBalance(): void {
  const low = lowWater();
  if (freeFrames < low) pcReclaim(low - freeFrames + (low >> 1));
  if (freeFrames < low) wbKick(<i32>(low - freeFrames));
  else if (<u32>(dirtyQ.length - dirtyHead) > ramFrames >> 2) wbKick(<i32>(ramFrames >> 4)); // too many dirty pages
}

/** pcReserve: make sure n frames are free for changes that cannot wait; 0, or SYS_RESTART
 *  (waiting for writeback to make pages clean) / -ENOMEM. */
export function pcReserve(n: u32): i32 {
  if (freeFrames >= n) return 0;
  pcReclaim(n - freeFrames + 8);
  if (freeFrames >= n) return 0;
  wbKick(<i32>(n - freeFrames + 16));
  if (blockPending() == 0) return -Errno.ENOMEM;
  return missAny();
}

/** zeroPage: a page of zeroes (reads of holes copy from it). */
export const zeroPage: usize = memory.data(PAGE_SIZE);

/** pagePtr: address of the bytes of page-cache frame f (0: the zero page, for a hole). */
export function pagePtr(f: i32): usize {
  return f == 0 ? zeroPage : framePtr(<u32>f);
}
