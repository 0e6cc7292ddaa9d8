// kernel/io/iolite.ts — IO-Lite for processes (docs/peers.md §3; buffers and pools are
// kernel/io/iolbuf.ts): joining a pool (its window mapped read-only, once), handing buffers out,
// aggregates passed by value, sends gathered from the buffers with cached checksums, a datagram
// received into a new buffer, and a process's exit.
//
//   aggregate (user memory): count x (va u32, len u32), each slice inside one buffer the caller
//   holds; the kernel copies the pairs in and out (8 bytes a slice), never the bytes they name

import { Counter, Errno, IOL_MAX_POOLS, IOL_WINDOW_BASE, MAX_PROCS, NicFeature, PAGE_SHIFT, PAGE_SIZE, Prot, Pte, Sem } from "../../base/abi";
import { count } from "../../base/stats";
import { Proc } from "../proc";
import { copyin, copyout } from "../uio";
import { asFind, asIsFree, asMap } from "../../vm/aspace";
import { objectPage } from "../../vm/object";
import { frameOutput } from "../../vm/frame";
import { pmapEnter, pmapProtect, pmapPte } from "../../vm/pmap";
import { pteFrame } from "../../vm/pagetable";
import { framePtr, paPtr } from "../../vm/ram";
import { OutReq } from "../../drivers/outreq";
import { Dgram, dgramFree } from "../../net/dgram";
import { csumAdd, csumRange } from "../../net/checksum";
import { UDP_HLEN } from "../../net/udp";
import { Socket } from "../../net/socket";
import { udpIpHlen, udpStep } from "../../net/udpout";
import { MAX_NICS, nics } from "../../drivers/nicdev";
import { nicPlan } from "../../drivers/nicpost";
import { planNew, planUseFrames } from "../../drivers/rxlayout";
import { bufAlloc, bufDrop, bufGive, bufHold, bufs, bufSeal, CSUM_SLOTS, filePool, IOL_FILE_POOL, IolBuf, IolPool, iolPool, poolDestroy, poolMaybeDestroy, pools, POOL_SPAN } from "./iolbuf";

export { IolBuf, IolPool, iolPool };

/** A socket receive waiting in iol_read (the semantics its wait records: not a Sem of the ABI). */
export const IOL_SEM: Sem = Sem.COUNT;
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

// The waiting iol_read of each process: its pool, and the buffer the adapter fills in place.
const waitPool = new StaticArray<i32>(MAX_PROCS + 1);
const waitBuf = new StaticArray<IolBuf | null>(MAX_PROCS + 1);

/** iolUnwait: p waits no more: the buffer laid out for it (if any) goes back to its pool. */
export function iolUnwait(p: Proc): void {
  const b = waitBuf[p.pid];
  waitBuf[p.pid] = null;
  if (b != null) bufDrop(b, 0);
}

/**
 * iolWait: p's iol_read of up to len bytes waits on socket s; the datagram goes into a buffer of
 * pool k. Where s has its own receive queue (early demultiplexing) on a NIC that splits headers,
 * the queue is laid out over a buffer of the pool, so the data lands in it in place: the
 * adapter fills the buffer (its pages wired while posted), no CPU copy.
 */
export function iolWait(p: Proc, k: i32, s: Socket, len: u32): void {
  iolUnwait(p);
  waitPool[p.pid] = k;
  const q = iolPool(k)!;
  for (let i = 0; i < MAX_NICS; i++) {
    const n = nics[i];
    const rq = s.queue[i];
    if (n == null || rq == 0 || !n.has(NicFeature.HEADER_SPLIT)) continue;
    let b = waitBuf[p.pid];
    if (b == null) {
      b = bufAlloc(q, len);
      if (b == null) return; // no room: the data will be copied from the adapter's buffers
      bufHold(b);
      waitBuf[p.pid] = b;
    }
    const plan = planNew(0, len, udpStep(len, n.mtu), udpIpHlen(len), UDP_HLEN, n.features);
    if (<u32>plan.frames.length == b.npages) {
      const frames = new Array<u32>();
      for (let j: u32 = 0; j < b.npages; j++) frames.push(b.frameAt(j << PAGE_SHIFT));
      planUseFrames(plan, frames);
    }
    nicPlan(n, rq, plan);
  }
}

/** iolInput: datagram d (consumed) into a buffer of pool k for p — the one the adapter filled in
 *  place, or a new one the data is copied into — its one slice (va, len) at agg; bytes (at most
 *  len: UDP drops the rest), or -errno. */
export function iolInput(p: Proc, k: i32, agg: u32, len: u32, d: Dgram): i32 {
  const q = iolPool(k);
  const n = min(len, d.len);
  const laid = waitBuf[p.pid]; // the buffer the adapter was to fill in place
  waitBuf[p.pid] = null;
  let b: IolBuf | null = null;
  if (laid != null) {
    if (n > 0 && <u64>n <= <u64>laid.npages << PAGE_SHIFT) b = laid;
    else bufDrop(laid, 0);
  }
  if (q == null || n == 0) { dgramFree(d); p.ret2 = 0; return q == null ? -Errno.EINVAL : 0; }
  if (b == null) {
    b = bufAlloc(q, n);
    if (b == null) { dgramFree(d); return -Errno.ENOMEM; }
  }
  let at: u32 = 0;
  for (let i = 0; i < d.pkts.length && at < n; i++) {
    const pk = d.pkts[i];
    for (let j = 0; j < pk.nruns && at < n; j++) {
      let pa = pk.runPa[j];
      let left = min(pk.runLen[j], n - at);
      while (left > 0) {
        const m = min(left, PAGE_SIZE - (at & (PAGE_SIZE - 1)));
        const to = (b.frameAt(at) << PAGE_SHIFT) + (at & (PAGE_SIZE - 1));
        if (to != pa) { // not where the adapter was to place it: copied
          memory.copy(paPtr(to), paPtr(pa), m);
          count(Counter.BytesCopied, m);
        }
        at += m;
        pa += m;
        left -= m;
      }
    }
  }
  dgramFree(d);
  bufSeal(b);
  bufGive(p.pid, b);
  if (b == laid) bufDrop(b, 0); // the wait's hold, now the process's
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

/** iolForget: p is exiting: its references dropped, it leaves every pool. */
export function iolForget(p: Proc): void {
  const pid = p.pid;
  iolUnwait(p);
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

