// kernel/io/iolite.ts — IO-Lite buffers, pools and windows, in the style of IO-Lite (Pai,
// Druschel, Zwaenepoel, OSDI '99; docs/peers.md §3). The calls are kernel/sysiolite.ts.
//
//   pool k (one per access-control set)          window: the same addresses in every member
//   IOL_WINDOW_BASE + k * IOL_POOL_PAGES pages   +--------+--------+----+--------+--------+
//                                                | buf 1  | buf 2  |... | free   | (grows)|
//   a shared memory object; each member maps     +--------+--------+----+--------+--------+
//   it read-only (maxProt READ)                  0                            top
//
//   IolBuf: pages [pg, pg+npages) of its pool; references (processes, pipes); a generation,
//           bumped at each reuse, that names its contents with its id (checksum cache); the
//           process filling it (iol_alloc: its pages lent writable to it alone until passed)
//   free buffers stay in the window, mapped: taking one again changes no PTE
//   the file-cache pool (0): one-page buffers that are page-cache frames themselves, each held
//           by an output reference (a writer of the file gets a new frame: TCOW) while cached
//
// A buffer's bytes never change while anyone holds it: the kernel fills a buffer only before
// handing it out (a receive) or lends it to one writer (iol_alloc) until that writer passes it.

import { Counter, Errno, FrameFlag, FrameKind, IOL_MAX_POOLS, IOL_POOL_PAGES, IOL_WINDOW_BASE, MAX_PROCS, PAGE_SHIFT, PAGE_SIZE, Prot, Pte, Sem } from "../../base/abi";
import { count } from "../../base/stats";
import { Proc } from "../proc";
import { copyin, copyout } from "../uio";
import { asFind, asIsFree, asMap } from "../../vm/aspace";
import { objectDrop, objectInstall, objectNew, objectPage, objectRelease, VmObject } from "../../vm/object";
import { frame, frameAlloc, frameIoDone, frameOutput, frameRef, IoRef } from "../../vm/frame";
import { pmapEnter, pmapPageProtect, pmapProtect, pmapPte } from "../../vm/pmap";
import { pteFrame } from "../../vm/pagetable";
import { unmapThrough } from "../../vm/swap";
import { checkRegisterLender } from "../../vm/check";
import { framePtr, paPtr } from "../../vm/ram";
import { OutReq } from "../../drivers/outreq";
import { Dgram, dgramFree } from "../../net/dgram";
import { csumAdd, csumRange } from "../../net/checksum";
import { UDP_HLEN } from "../../net/udp";

/** A socket receive waiting in iol_read (the semantics its wait records: not a Sem of the ABI). */
export const IOL_SEM: Sem = Sem.COUNT;
/** The pool of the file cache. */
export const IOL_FILE_POOL = 0;
const POOL_SPAN: u32 = <u32>IOL_POOL_PAGES << PAGE_SHIFT;
const CSUM_SLOTS = 8;

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

const pools = new StaticArray<IolPool | null>(IOL_MAX_POOLS);
/** Every buffer that exists (live or free), to find those a process holds. */
const bufs = new Array<IolBuf>();
/** The file-cache buffer of each page-cache frame in the file pool. */
const fileBufOf = new Map<u32, IolBuf>();

/** iolPool: pool k, or null. */
export function iolPool(k: i32): IolPool | null {
  return k < 0 || k >= IOL_MAX_POOLS ? null : pools[k];
}

/** iolPoolNew: a new pool whose access-control set is p (p joins it); its id, or -errno. */
export function iolPoolNew(p: Proc): i32 {
  for (let k = IOL_FILE_POOL + 1; k < IOL_MAX_POOLS; k++) {
    if (pools[k] != null) continue;
    const q = new IolPool(k);
    pools[k] = q;
    const e = iolJoin(q, p);
    if (e < 0) { poolDestroy(q); return e; }
    return k;
  }
  return -Errno.ENOMEM;
}

/** filePool: the file-cache pool, made at first use. */
function filePool(): IolPool {
  let q = pools[IOL_FILE_POOL];
  if (q == null) { q = new IolPool(IOL_FILE_POOL); pools[IOL_FILE_POOL] = q; }
  return q!;
}

/** member: is p in q's access-control set? */
export function member(q: IolPool, p: Proc): bool {
  return (q.members & (<u64>1 << <u64>p.pid)) != 0;
}

/** iolJoin: p joins q: q's window mapped read-only in p (once; it persists); 0 or -ENOMEM. */
export function iolJoin(q: IolPool, p: Proc): i32 {
  const as = p.as!;
  const r = asFind(as, q.base);
  if (r == null || r.obj != q.obj || r.start != q.base || r.end != q.base + POOL_SPAN) {
    if (!asIsFree(as, q.base, q.base + POOL_SPAN)) return -Errno.ENOMEM; // the process uses the addresses
    q.obj.refs++; // the region's reference
    asMap(as, q.base, POOL_SPAN, Prot.READ, q.obj, 0, true);
    asFind(as, q.base)!.maxProt = Prot.READ;
  }
  q.members |= <u64>1 << <u64>p.pid;
  return 0;
}

/** iolJoinFiles: p joins the file-cache pool. */
export function iolJoinFiles(p: Proc): i32 {
  return iolJoin(filePool(), p);
}

/** usable: may buffer b's pages be filled again (no output still reads them)? */
function usable(b: IolBuf): bool {
  for (let i: u32 = 0; i < b.npages; i++) if (frame(objectPage(b.pool.obj, b.pg + i)).outRef != 0) return false;
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
  const c = b!;
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

/** mapBuf: b's pages mapped in p (read-only, or writable for its filler) where they are not
 *  yet: a buffer handed out again costs no PTE write. 0 or -errno. */
export function mapBuf(p: Proc, b: IolBuf, write: bool): i32 {
  const q = b.pool;
  if (!member(q, p)) {
    const e = iolJoin(q, p);
    if (e < 0) return e;
  }
  const r = asFind(p.as!, q.base);
  if (r == null || r.obj != q.obj) return -Errno.EFAULT; // the window was unmapped
  for (let i: u32 = 0; i < b.npages; i++) {
    const va = b.va(i << PAGE_SHIFT);
    const f = objectPage(q.obj, b.pg + i);
    const pte = pmapPte(p.pid, va);
    if ((pte & Pte.P) != 0 && pteFrame(pte) == f) {
      if (write && (pte & Pte.W) == 0) pmapProtect(p.pid, va, Pte.W, 0);
      continue;
    }
    if (!pmapEnter(p.pid, va, f, Pte.U | (write ? Pte.W : 0))) return -Errno.ENOMEM;
  }
  if (write) b.filler = p.pid;
  return 0;
}

/** bufGive: p holds one more reference to b. */
export function bufGive(p: Proc, b: IolBuf): void {
  b.users[p.pid]++;
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

// ---- aggregates ------------------------------------------------------------------------------
//
// A user aggregate is count (va, len) u32 pairs. aggParse checks each names bytes of one live
// buffer p holds and leaves the slices in aggBuf / aggOff / aggLen.

export const aggBuf = new Array<IolBuf>();
export const aggOff = new Array<u32>();
export const aggLen = new Array<u32>();
export let aggBytes: u64 = 0;

/** aggParse: the count slices at va of p; 0, -EFAULT (unreadable) or -EINVAL (a slice that is
 *  not within one buffer p holds). */
export function aggParse(p: Proc, va: u32, cnt: i32): i32 {
  aggBuf.length = 0;
  aggOff.length = 0;
  aggLen.length = 0;
  aggBytes = 0;
  const raw = new StaticArray<u32>(cnt * 2);
  const e = copyin(p, va, changetype<usize>(raw), <u32>cnt * 8);
  if (e < 0) return e;
  for (let i = 0; i < cnt; i++) {
    const sva = raw[2 * i], len = raw[2 * i + 1];
    if (len == 0 || sva < <u32>IOL_WINDOW_BASE) return -Errno.EINVAL;
    const k = <i32>((sva - IOL_WINDOW_BASE) / POOL_SPAN);
    const q = iolPool(k);
    if (q == null) return -Errno.EINVAL;
    const idx = (sva - q.base) >> PAGE_SHIFT;
    const b = q.pageBuf[idx];
    if (b == null || b.free || b.users[p.pid] <= 0) return -Errno.EINVAL;
    const off = sva - b.va(0);
    if (<u64>off + len > <u64>b.npages << PAGE_SHIFT) return -Errno.EINVAL;
    aggBuf.push(b);
    aggOff.push(off);
    aggLen.push(len);
    aggBytes += len;
  }
  return 0;
}

/** aggOut: write the slices (va, len) of bufs/offs/lens to va of p; 0 or -EFAULT. */
export function aggOut(p: Proc, va: u32, bs: Array<IolBuf>, offs: Array<u32>, lens: Array<u32>): i32 {
  const n = bs.length;
  if (n == 0) return 0;
  const raw = new StaticArray<u32>(n * 2);
  for (let i = 0; i < n; i++) {
    raw[2 * i] = bs[i].va(offs[i]);
    raw[2 * i + 1] = lens[i];
  }
  return copyout(p, va, changetype<usize>(raw), <u32>n * 8);
}

// ---- output: a send gathers straight from the buffers; checksums cached ------------------------

/** iolOutput: r gathers the parsed aggregate's bytes from its buffers' frames (each held by an
 *  output reference: a buffer freed meanwhile is not filled again until the device is done). */
export function iolOutput(r: OutReq): void {
  r.protect = true;
  for (let i = 0; i < aggBuf.length; i++) {
    const b = aggBuf[i];
    for (let done: u32 = 0; done < aggLen[i]; ) {
      const off = aggOff[i] + done;
      const n = min(aggLen[i] - done, PAGE_SIZE - (off & (PAGE_SIZE - 1)));
      const f = b.frameAt(off);
      frameOutput(f);
      r.outFrames.push(f);
      r.addRun((f << PAGE_SHIFT) + (off & (PAGE_SIZE - 1)), n);
      done += n;
    }
  }
  r.paySum = iolPaySum;
}

/** sliceSum: the partial sum of bytes [off, off+len) of b, as if at an even offset: from the
 *  cache of b's generation, or summed (and cached). */
function sliceSum(b: IolBuf, off: u32, len: u32): u32 {
  if (b.csGen != b.gen) { b.csGen = b.gen; b.csUsed = 0; b.csNext = 0; }
  for (let i = 0; i < b.csUsed; i++) {
    if (b.csOff[i] == off && b.csLen[i] == len) {
      count(Counter.IolCsumHits);
      return b.csSum[i];
    }
  }
  count(Counter.IolCsumMisses);
  let sum: u32 = 0;
  for (let done: u32 = 0; done < len; ) {
    const at = off + done;
    const n = min(len - done, PAGE_SIZE - (at & (PAGE_SIZE - 1)));
    sum = csumRange(sum, paPtr((b.frameAt(at) << PAGE_SHIFT) + (at & (PAGE_SIZE - 1))), n, done);
    done += n;
  }
  const k = b.csNext;
  b.csOff[k] = off;
  b.csLen[k] = len;
  b.csSum[k] = sum;
  b.csNext = (k + 1) % CSUM_SLOTS;
  if (b.csUsed < CSUM_SLOTS) b.csUsed++;
  return sum;
}

/** iolPaySum: the payload sum of the send being made (the parsed aggregate), from the slices'
 *  cached sums (net/udpout.ts asks, only when the CPU sums: no checksum offload). */
function iolPaySum(r: OutReq): i32 {
  let sum: u32 = 0;
  let at: u32 = UDP_HLEN;
  for (let i = 0; i < aggBuf.length; i++) {
    sum = csumAdd(sum, sliceSum(aggBuf[i], aggOff[i], aggLen[i]), at);
    at += aggLen[i];
  }
  return <i32>sum;
}

// ---- input: a datagram into a new buffer ---------------------------------------------------------

// The waiting iol_read of each process: its pool.
const waitPool = new StaticArray<i32>(MAX_PROCS + 1);

/** iolWait: p's iol_read on a socket waits; the datagram goes into a buffer of pool k. */
export function iolWait(p: Proc, k: i32): void {
  waitPool[p.pid] = k;
}

/** iolInput: datagram d (consumed) into a new buffer of pool k for p, its one slice (va, len) at
 *  agg; bytes (at most len: UDP drops the rest), or -errno. The receive copies the data once into
 *  the buffer (ours: the adapter does not place data in pool buffers). */
export function iolInput(p: Proc, k: i32, agg: u32, len: u32, d: Dgram): i32 {
  const q = iolPool(k);
  const n = min(len, d.len);
  if (q == null || n == 0) { dgramFree(d); p.ret2 = 0; return q == null ? -Errno.EINVAL : 0; }
  const b = bufAlloc(q, n);
  if (b == null) { dgramFree(d); return -Errno.ENOMEM; }
  let at: u32 = 0;
  for (let i = 0; i < d.pkts.length && at < n; i++) {
    const pk = d.pkts[i];
    for (let j = 0; j < pk.nruns && at < n; j++) {
      let pa = pk.runPa[j];
      let left = min(pk.runLen[j], n - at);
      while (left > 0) {
        const m = min(left, PAGE_SIZE - (at & (PAGE_SIZE - 1)));
        memory.copy(framePtr(b.frameAt(at)) + (at & (PAGE_SIZE - 1)), paPtr(pa), m);
        count(Counter.BytesCopied, m);
        at += m;
        pa += m;
        left -= m;
      }
    }
  }
  dgramFree(d);
  bufSeal(b);
  bufGive(p, b);
  let e = mapBuf(p, b, false);
  if (e == 0) {
    oneBuf[0] = b;
    oneOff[0] = 0;
    oneLen[0] = n;
    e = aggOut(p, agg, oneBuf, oneOff, oneLen);
  }
  if (e < 0) { bufDrop(b, p.pid); return e; }
  p.ret2 = 1;
  return <i32>n;
}
const oneBuf = new Array<IolBuf>(1);
const oneOff = new Array<u32>(1);
const oneLen = new Array<u32>(1);

/** iolWaitPool: the pool p's waiting iol_read receives into. */
export function iolWaitPool(p: Proc): i32 {
  return waitPool[p.pid];
}

// ---- the file cache: page-cache frames as buffers ------------------------------------------------

/** iolFileBuf: the file-cache buffer of page-cache frame f (made, and placed in the file pool's
 *  window, if it has none); null if the window is full. */
export function iolFileBuf(f: u32): IolBuf | null {
  if (fileBufOf.has(f)) return fileBufOf.get(f);
  const q = filePool();
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
  b!.free = false;
  b!.file = f;
  b!.gen++;
  fileBufOf.set(f, b!);
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
function poolMaybeDestroy(q: IolPool): void {
  if (q.members != 0) return;
  for (let i = 0; i < bufs.length; i++) if (bufs[i].pool == q && bufs[i].refs > 0) return;
  poolDestroy(q);
}

function poolDestroy(q: IolPool): void {
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

/** iolForget: p is exiting: its references dropped, it leaves every pool. */
export function iolForget(p: Proc): void {
  const pid = p.pid;
  for (let i = 0; i < bufs.length; i++) {
    const b = bufs[i];
    if (b.filler == pid) b.filler = 0; // its address space goes: nothing to revoke
    while (b.users[pid] > 0) bufDrop(b, pid, false);
  }
  for (let k = 0; k < IOL_MAX_POOLS; k++) {
    const q = pools[k];
    if (q == null) continue;
    q.members &= ~(<u64>1 << <u64>pid);
    poolMaybeDestroy(q);
  }
}

// ---- the invariant check: pages lent to their filler ---------------------------------------------

function lent(out: StaticArray<u32>): void {
  for (let i = 0; i < bufs.length; i++) {
    const b = bufs[i];
    if (b.filler == 0) continue;
    for (let k: u32 = 0; k < b.npages; k++) out[b.frameAt(k << PAGE_SHIFT)] = <u32>b.filler;
  }
}
checkRegisterLender(lent);
