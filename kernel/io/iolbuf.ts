// kernel/io/iolbuf.ts — IO-Lite buffers and pools, in the style of IO-Lite (Pai, Druschel,
// Zwaenepoel, OSDI '99; docs/peers.md §3): what a buffer is, how a pool's window grows and is
// reused, the file cache's buffers, and when a pool goes. Processes, aggregates and the I/O
// paths are kernel/io/iolite.ts and kernel/sysiolite.ts.
//
//   pool k (one per access-control set)          window: the same addresses in every member
//   IOL_WINDOW_BASE + k * IOL_POOL_PAGES pages   +--------+--------+----+--------+--------+
//                                                | buf 1  | buf 2  |... | free   | (grows)|
//   a shared memory object; each member maps     +--------+--------+----+--------+--------+
//   it read-only (maxProt READ)                  0                            top
//
//   IolBuf: pages [pg, pg+npages) of its pool; references (processes, pipes); a generation,
//           bumped at each reuse, that names its contents with its window address (checksum
//           cache); the process filling it (iol_alloc: its pages lent writable to it alone
//           until it passes the buffer)
//   free buffers stay in the window, mapped: taking one again changes no PTE
//   the file-cache pool (0): one-page buffers that are page-cache frames themselves, each held
//           by an output reference (a writer of the file gets a new frame: TCOW) while cached
//
// A buffer's bytes never change while anyone holds it: the kernel fills a buffer only before
// handing it out (a receive) or lends it to one writer (iol_alloc) until that writer passes it.

import { Counter, Errno, FrameFlag, FrameKind, IOL_MAX_POOLS, IOL_POOL_PAGES, IOL_WINDOW_BASE, MAX_PROCS, PAGE_SHIFT, PAGE_SIZE, Pte } from "../../base/abi";
import { count } from "../../base/stats";
import { objectDrop, objectInstall, objectNew, objectPage, objectRelease, VmObject } from "../../vm/object";
import { frame, frameAlloc, frameIoDone, frameOutput, frameRef, IoRef } from "../../vm/frame";
import { pmapPageProtect, pmapProtect } from "../../vm/pmap";
import { unmapThrough } from "../../vm/swap";
import { checkRegisterLender } from "../../vm/check";
import { framePtr } from "../../vm/ram";
import { lend, Tally } from "../../vm/tally";

export const IOL_FILE_POOL = 0;
export const POOL_SPAN: u32 = <u32>IOL_POOL_PAGES << PAGE_SHIFT;
export const CSUM_SLOTS = 8;

export class IolBuf {
  pool: IolPool;
  pg: u32 = 0;
  npages: u32 = 0;
  gen: u32 = 0;
  refs: i32 = 0;
  users: StaticArray<i32> = new StaticArray<i32>(MAX_PROCS + 1);
  filler: i32 = 0;
  /** A file-cache buffer: the page-cache frame it is (0: the buffer's own frames). */
  file: u32 = 0;
  free: bool = false;
  // The checksum cache of this generation: partial sums of (off, len) slices.
  csGen: u32 = 0;
  csOff: StaticArray<u32> = new StaticArray<u32>(CSUM_SLOTS);
  csLen: StaticArray<u32> = new StaticArray<u32>(CSUM_SLOTS);
  csSum: StaticArray<u32> = new StaticArray<u32>(CSUM_SLOTS);
  csNext: i32 = 0;
  csUsed: i32 = 0;
  constructor(pool: IolPool) {
    this.pool = pool;
  }

  /** va: the window address of byte off of the buffer. */
  va(off: u32): u32 {
    return this.pool.base + (this.pg << PAGE_SHIFT) + off;
  }
  /** frameAt: the frame holding byte off. */
  frameAt(off: u32): u32 {
    return objectPage(this.pool.obj, this.pg + (off >> PAGE_SHIFT));
  }
}

export class IolPool {
  id: i32 = 0;
  base: u32 = 0;
  obj: VmObject;
  top: u32 = 0;
  members: u64 = 0;
  freeBufs: Array<IolBuf> = [];
  /** The buffer at each page of the window (null: none yet). */
  pageBuf: Array<IolBuf | null> = new Array<IolBuf | null>(IOL_POOL_PAGES);
  /** File pool: one-page slots given back, to be used again. */
  freeSlots: Array<u32> = [];
  constructor(id: i32) {
    this.id = id;
    this.base = IOL_WINDOW_BASE + <u32>id * POOL_SPAN;
    this.obj = objectNew(IOL_POOL_PAGES, true);
  }
}

export const pools = new StaticArray<IolPool | null>(IOL_MAX_POOLS);
/** Every buffer that exists (live or free), to find those a process holds. */
export const bufs = new Array<IolBuf>();
/** The file-cache buffer of each page-cache frame in the file pool. */
const fileBufOf = new Map<u32, IolBuf>();

/** iolPool: pool k, or null. */
export function iolPool(k: i32): IolPool | null {
  return k < 0 || k >= IOL_MAX_POOLS ? null : pools[k];
}

/** filePool: the file-cache pool, made at first use. */
export function filePool(): IolPool {
  let q = pools[IOL_FILE_POOL];
  if (q == null) { q = new IolPool(IOL_FILE_POOL); pools[IOL_FILE_POOL] = q; }
  return q;
}

/** usable: may buffer b's pages be filled again (no output still reads them, no receive plan
 *  still holds them)? */
function usable(b: IolBuf): bool {
  for (let i: u32 = 0; i < b.npages; i++) {
    const m = frame(objectPage(b.pool.obj, b.pg + i));
    if (m.outRef != 0 || m.wired != 0) return false;
  }
  return true;
}

/** newBuf: a buffer object for pages [pg, pg+n) of q. */
function newBuf(q: IolPool, pg: u32, n: u32): IolBuf {
  const b = new IolBuf(q);
  bufs.push(b);
  b.pg = pg;
  b.npages = n;
  for (let i: u32 = 0; i < n; i++) q.pageBuf[pg + i] = b;
  return b;
}

/** bufAlloc: a buffer of at least len bytes from q: a free one again (no mapping changes), or
 *  new window pages (the pool grows); null if the window is full or no frame is free. */
export function bufAlloc(q: IolPool, len: u32): IolBuf | null {
  const n = max<u32>(1, (len + PAGE_SIZE - 1) >> PAGE_SHIFT);
  let b: IolBuf | null = null;
  for (let i = 0; i < q.freeBufs.length; i++) {
    const c = q.freeBufs[i];
    if (c.npages < n || !usable(c)) continue;
    q.freeBufs.splice(i, 1);
    if (c.npages > n) {
      const rest = newBuf(q, c.pg + n, c.npages - n); // the tail stays free
      rest.free = true;
      q.freeBufs.push(rest);
      c.npages = n;
    }
    count(Counter.IolBufReused);
    b = c;
    break;
  }
  if (b == null) {
    if (q.top + n > <u32>IOL_POOL_PAGES) return null;
    for (let i: u32 = 0; i < n; i++) {
      const idx = q.top + i;
      const f = objectPage(q.obj, idx);
      if (f != 0) { frame(f).kind = <u8>FrameKind.IOLITE; continue; } // a stray read filled it with zeroes
      const g = frameAlloc(FrameKind.IOLITE, true);
      if (g == 0) return null;
      objectInstall(q.obj, idx, g);
    }
    count(Counter.IolPoolPages, n);
    b = newBuf(q, q.top, n);
    q.top += n;
  }
  const c = b;
  c.free = false;
  c.gen++;
  c.filler = 0;
  for (let i: u32 = 0; i < c.npages; i++) frame(objectPage(q.obj, c.pg + i)).flags &= ~(<u8>FrameFlag.IMMUTABLE);
  return c;
}

/** bufSeal: b is immutable from now on: its filler's write permission is revoked. */
export function bufSeal(b: IolBuf): void {
  for (let i: u32 = 0; i < b.npages; i++) {
    const va = b.va(i << PAGE_SHIFT);
    if (b.filler != 0) pmapProtect(b.filler, va, 0, Pte.W);
    frame(b.frameAt(i << PAGE_SHIFT)).flags |= <u8>FrameFlag.IMMUTABLE;
  }
  b.filler = 0;
}

/** bufGive: process pid holds one more reference to b. */
export function bufGive(pid: i32, b: IolBuf): void {
  b.users[pid]++;
  b.refs++;
}

/** bufHold: one more kernel reference to b (a pipe queues a slice of it). */
export function bufHold(b: IolBuf): void {
  b.refs++;
}

/** bufDrop: one reference to b fewer (pid's, or the kernel's with pid 0); at none, b is free
 *  (and its pool goes, with settle, if nobody is in it any more). */
export function bufDrop(b: IolBuf, pid: i32, settle: bool = true): void {
  if (pid != 0) b.users[pid]--;
  if (--b.refs == 0) bufIdle(b, settle);
}

/** bufIdle: nobody holds b: it goes back to its pool's free buffers (a file-cache buffer stays
 *  cached while it is its file's page). A buffer never handed out may be given back so too. */
export function bufIdle(b: IolBuf, settle: bool = true): void {
  if (b.refs != 0 || b.free) return;
  const q = b.pool;
  if (b.file != 0) {
    if (frame(b.file).owner == 0) fileBufRemove(b); // no longer the file's page: leave the cache
  } else {
    if (b.filler != 0) bufSeal(b);
    b.free = true;
    q.freeBufs.push(b);
  }
  if (settle) poolMaybeDestroy(q);
}

// ---- the file cache: page-cache frames as buffers ------------------------------------------------

/** iolFileBuf: the file-cache buffer of page-cache frame f (made, and placed in the file pool's
 *  window, if it has none); null if the window is full. */
export function iolFileBuf(f: u32): IolBuf | null {
  if (fileBufOf.has(f)) return fileBufOf.get(f);
  const q = filePool();
  fileSweep(q);
  let idx: u32;
  if (q.freeSlots.length > 0) idx = q.freeSlots.pop();
  else if (q.top < <u32>IOL_POOL_PAGES) idx = q.top++;
  else return null;
  frameRef(f);
  objectInstall(q.obj, idx, f);
  const m = frame(f);
  const first = m.outRef == 0;
  frameOutput(f); // a writer of the file gets a new frame (TCOW); this one stays as it is
  if (first) pmapPageProtect(f, Pte.TCOW);
  m.flags |= <u8>FrameFlag.IMMUTABLE;
  count(Counter.IolPoolPages);
  let b = q.pageBuf[idx];
  if (b == null) b = newBuf(q, idx, 1);
  b.free = false;
  b.file = f;
  b.gen++;
  fileBufOf.set(f, b);
  return b;
}

/** iolHoleBuf: a one-page buffer of zeroes in the file pool (a hole of a file); null if none. */
export function iolHoleBuf(): IolBuf | null {
  const b = bufAlloc(filePool(), PAGE_SIZE);
  if (b == null) return null;
  const f = b.frameAt(0);
  memory.fill(framePtr(f), 0, PAGE_SIZE);
  count(Counter.BytesZeroed, PAGE_SIZE);
  bufSeal(b);
  return b;
}

/** fileSweep: file-cache buffers nobody holds whose page the file no longer has (written since)
 *  leave the window. */
function fileSweep(q: IolPool): void {
  for (let i: u32 = 0; i < q.top; i++) {
    const b = q.pageBuf[i];
    if (b != null && b.file != 0 && b.refs == 0 && frame(b.file).owner == 0) fileBufRemove(b);
  }
}

/** fileBufRemove: b leaves the file cache: unmapped from every member, its slot given back. */
function fileBufRemove(b: IolBuf): void {
  const q = b.pool, f = b.file;
  unmapThrough(q.obj, b.pg, f);
  const m = frame(f);
  m.flags &= ~(<u8>FrameFlag.IMMUTABLE);
  frameIoDone(f, IoRef.OUT);
  objectRelease(q.obj, b.pg, b.pg + 1);
  fileBufOf.delete(f);
  b.file = 0;
  b.free = true; // kept at its page: the slot's next file buffer
  q.freeSlots.push(b.pg);
}

// ---- lifetime ------------------------------------------------------------------------------------

/** poolMaybeDestroy: q goes when no process is in it and no buffer of it is held. */
export function poolMaybeDestroy(q: IolPool): void {
  if (q.members != 0) return;
  for (let i = 0; i < bufs.length; i++) if (bufs[i].pool == q && bufs[i].refs > 0) return;
  poolDestroy(q);
}

export function poolDestroy(q: IolPool): void {
  for (let i = 0; i < bufs.length; i++) {
    const b = bufs[i];
    if (b.pool != q) continue;
    if (b.file != 0) {
      frame(b.file).flags &= ~(<u8>FrameFlag.IMMUTABLE);
      frameIoDone(b.file, IoRef.OUT);
      fileBufOf.delete(b.file);
      b.file = 0;
    }
    b.free = true;
  }
  let k = 0;
  for (let i = 0; i < bufs.length; i++) if (bufs[i].pool != q) bufs[k++] = bufs[i];
  bufs.length = k;
  pools[q.id] = null;
  objectDrop(q.obj);
}

// ---- the invariant check: pages lent to their filler ---------------------------------------------

function lent(out: Tally): void {
  for (let i = 0; i < bufs.length; i++) {
    const b = bufs[i];
    if (b.filler == 0) continue;
    for (let k: u32 = 0; k < b.npages; k++) lend(out, b.frameAt(k << PAGE_SHIFT), <u32>b.filler);
  }
}
checkRegisterLender(lent);

