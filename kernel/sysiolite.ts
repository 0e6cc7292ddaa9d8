// kernel/sysiolite.ts — the IO-Lite calls (docs/peers.md §3): argument checks, then
// kernel/io/iolite.ts for buffers and pools, and the socket, pipe and file paths.
//
//   iol_pool()                     a pool whose access-control set is the caller
//   iol_alloc(pool, len)           a buffer the caller fills in place, writable by it alone until
//                                  it passes the buffer (iol_write) or frees it: then immutable
//   iol_read(fd, agg, max, len, pool, flags)    an aggregate of immutable slices, by value:
//        file    the file-cache buffers (page-cache frames) of [off, off+len); the offset moves
//        socket  one datagram, in a new buffer of `pool` (waits unless flags has DONTWAIT)
//        pipe    the slices queued by iol_write, by reference (the reader joins their pools)
//   iol_write(fd, agg, count, ip, port)          the aggregate's bytes:
//        socket  one datagram gathered from the buffers (cached checksums), to ip:port or the peer
//        pipe    queued by reference
//        file    copied into the file at its offset (ours: the page cache keeps its own frames)
//   iol_free(agg, count)           the caller's references to the slices' buffers dropped
//
// Snapshot semantics: every slice names bytes that never change while it is held.

import { Errno, FsType, IOL_MAX_BUF, IOL_MAX_SLICES, MsgFlag, PAGE_MASK, PAGE_SHIFT, PAGE_SIZE, ProcState, Sem, SYS_BLOCKED, SYS_RESTART } from "../base/abi";
import { Proc } from "./proc";
import { File, FileKind } from "./file";
import { userRange } from "./uio";
import { enter, finish, sysWrite } from "./sysfs";
import { sendCheck, sendPrepared } from "./sysnet";
import { resident } from "./syssplice";
import { outReqNew } from "../drivers/outreq";
import { pipeIolFront, pipePutIol, pipeRoom, pipeTake, Pipe } from "./pipe";
import { aggBuf, aggBytes, aggLen, aggOff, aggOut, aggParse, iolInput, iolJoinFiles, iolOutput, iolPoolNew, iolUnwait, iolWait, IOL_SEM, mapBuf, member } from "./io/iolite";
import { bufAlloc, bufDrop, bufGive, bufIdle, bufSeal, iolFileBuf, iolHoleBuf, IolBuf, IolPool, iolPool } from "./io/iolbuf";
import { pcPage } from "../fs/pagecache";
import { sockDequeue, sockRecvBegin, sockWait } from "../net/socket";
import { JUMBO_MAX_DATA } from "../net/jumbo";

/** iol_pool() -> pool id. */
export function sysIolPool(p: Proc): i32 {
  return iolPoolNew(p);
}

/** poolOf: pool k if p is in it; null with -EINVAL (no such pool) or -EACCES in poolErr. */
let poolErr: i32 = 0;
function poolOf(p: Proc, k: i32): IolPool | null {
  const q = iolPool(k);
  poolErr = q == null || k == 0 ? -Errno.EINVAL : member(q, p) ? 0 : -Errno.EACCES;
  return poolErr == 0 ? q : null;
}

/** iol_alloc(pool, len) -> va of a new buffer p may write until it passes or frees it. */
export function sysIolAlloc(p: Proc, k: i32, len: u32): i32 {
  const q = poolOf(p, k);
  if (q == null) return poolErr;
  if (len == 0 || len > <u32>IOL_MAX_BUF) return -Errno.EINVAL;
  const b = bufAlloc(q, len);
  if (b == null) return -Errno.ENOMEM;
  bufGive(p.pid, b);
  const e = mapBuf(p, b, true);
  if (e < 0) { bufDrop(b, p.pid); return e; }
  return <i32>b.va(0);
}

/** aggArgs: the checks of an aggregate argument (va, count). */
function aggArgs(va: u32, cnt: i32): i32 {
  if (cnt <= 0 || cnt > IOL_MAX_SLICES) return -Errno.EINVAL;
  return userRange(va, <u32>cnt * 8) ? 0 : -Errno.EFAULT;
}

/** iol_free(agg, count) -> 0. */
export function sysIolFree(p: Proc, agg: u32, cnt: i32): i32 {
  let e = aggArgs(agg, cnt);
  if (e == 0) e = aggParse(p, agg, cnt);
  if (e < 0) return e;
  // Each slice one reference: a buffer named twice must be held twice.
  for (let i = 0; i < aggBuf.length; i++) {
    let times = 0;
    for (let j = 0; j < aggBuf.length; j++) if (aggBuf[j] == aggBuf[i]) times++;
    if (aggBuf[i].users[p.pid] < times) return -Errno.EINVAL;
  }
  const bs = aggBuf.slice(0);
  for (let i = 0; i < bs.length; i++) bufDrop(bs[i], p.pid);
  return 0;
}

/** iol_write(fd, agg, count, ip, port) -> bytes. */
export function sysIolWrite(p: Proc, fd: i32, agg: u32, cnt: i32, ip: u32, port: i32): i32 {
  const f = p.fds.get(fd);
  if (f == null) return -Errno.EBADF;
  let e = aggArgs(agg, cnt);
  if (e == 0) e = aggParse(p, agg, cnt);
  if (e < 0) return e;
  if (f.kind == FileKind.SOCKET) {
    if (aggBytes > <u64>JUMBO_MAX_DATA) return -Errno.EMSGSIZE;
    const dest = sendCheck(p, fd, 0, ip, port);
    if (dest < 0) return <i32>dest;
    sealAll();
    const r = outReqNew(Sem.EMULATED_COPY, p.pid, <u32>aggBytes);
    iolOutput(r);
    return sendPrepared(p, fd, r, dest);
  }
  if (f.kind == FileKind.PIPE) {
    if (!f.writable) return -Errno.EBADF;
    const q = f.pipe!;
    if (q.readers == 0) return -Errno.EPIPE;
    if (aggBytes > <u64>pipeRoom(q)) return -Errno.EAGAIN; // all or nothing: slices stay whole
    sealAll();
    for (let i = 0; i < aggBuf.length; i++) queueSlice(q, aggBuf[i], aggOff[i], aggLen[i]);
    return <i32>aggBytes;
  }
  if (f.kind == FileKind.FILE) {
    if (!f.writable) return -Errno.EBADF; // before sealing: a refused call changes nothing
    sealAll();
    // The slices are readable in p's window: write() copies them into the page cache.
    const bs = aggBuf.slice(0), offs = aggOff.slice(0), lens = aggLen.slice(0);
    let done: u32 = 0;
    for (let i = 0; i < bs.length; i++) {
      for (let at: u32 = 0; at < lens[i]; ) {
        const n = sysWrite(p, fd, bs[i].va(offs[i] + at), lens[i] - at, Sem.COPY);
        if (n == SYS_RESTART || n < 0) return done > 0 ? <i32>done : n; // short: the host goes on
        at += <u32>n;
        done += <u32>n;
      }
    }
    return <i32>done;
  }
  return -Errno.EINVAL;
}

/** sealAll: every buffer of the parsed aggregate becomes immutable (its filler's write revoked). */
function sealAll(): void {
  for (let i = 0; i < aggBuf.length; i++) if (aggBuf[i].filler != 0) bufSeal(aggBuf[i]);
}

/** queueSlice: bytes [off, off+len) of b into pipe q, page piece by page piece. */
function queueSlice(q: Pipe, b: IolBuf, off: u32, len: u32): void {
  for (let done: u32 = 0; done < len; ) {
    const at = off + done;
    const n = min(len - done, PAGE_SIZE - (at & PAGE_MASK));
    pipePutIol(q, b.frameAt(at), at & PAGE_MASK, n, b, b.va(at));
    done += n;
  }
}

/** iol_read(fd, agg, max, len, pool, flags) -> bytes; p.ret2 = slices. */
export function sysIolRead(p: Proc, fd: i32, agg: u32, max: i32, len: u32, k: i32, flags: i32): i32 {
  const f = p.fds.get(fd);
  if (f == null) return -Errno.EBADF;
  const e = aggArgs(agg, max);
  if (e < 0) return e;
  if ((flags & ~MsgFlag.DONTWAIT) != 0) return -Errno.EINVAL;
  if (f.kind == FileKind.FILE) return fileRead(p, f, agg, max, len);
  if (f.kind == FileKind.PIPE) return pipeRead(p, f, agg, max, len);
  if (f.kind != FileKind.SOCKET) return -Errno.EINVAL;
  const q = poolOf(p, k);
  if (q == null) return poolErr;
  if (len == 0) return 0;
  const s = f.sock!;
  const b = sockRecvBegin(s);
  if (b < 0) return b;
  const d = sockDequeue(s);
  if (d != null) {
    p.ret0 = <i32>d.src;
    p.ret1 = <i32>d.sport;
    iolUnwait(p);
    return iolInput(p, k, agg, len, d);
  }
  if ((flags & MsgFlag.DONTWAIT) != 0) return -Errno.EAGAIN;
  iolWait(p, k, s, len);
  sockWait(s, p.pid, agg, len, IOL_SEM);
  p.state = ProcState.BLOCKED;
  return SYS_BLOCKED;
}

// The slices an iol_read hands out, gathered before they are written to the aggregate.
const outBuf = new Array<IolBuf>();
const outOff = new Array<u32>();
const outLen = new Array<u32>();

/** handOut: give p the gathered slices (mapped, one reference each), written at agg; bytes. */
function handOut(p: Proc, agg: u32, bytes: u32): i32 {
  let e = 0;
  for (let i = 0; i < outBuf.length && e == 0; i++) e = mapBuf(p, outBuf[i], false);
  if (e == 0) e = aggOut(p, agg, outBuf, outOff, outLen);
  if (e < 0) {
    for (let i = 0; i < outBuf.length; i++) bufIdle(outBuf[i]); // a hole's buffer made for nothing
    return e;
  }
  for (let i = 0; i < outBuf.length; i++) bufGive(p.pid, outBuf[i]);
  p.ret2 = outBuf.length;
  return <i32>bytes;
}

function clearOut(): void {
  outBuf.length = 0;
  outOff.length = 0;
  outLen.length = 0;
}

/** fileRead: the file-cache buffers of [off, off+len) of f's file, one slice per page. */
function fileRead(p: Proc, f: File, agg: u32, max: i32, len: u32): i32 {
  if (!f.readable) return -Errno.EBADF;
  const ip = f.node!;
  if (ip.type == FsType.DIR) return -Errno.EISDIR;
  if (len == 0) return 0;
  let e = enter();
  if (e < 0) return e;
  const off = f.off;
  if (off >= ip.size) return 0;
  // As many pages as the aggregate has slices for.
  const room = (<u64>max << PAGE_SHIFT) - (off & PAGE_MASK);
  const n = <u32>min<u64>(min<u64>(<u64>len, ip.size - off), room);
  e = resident(ip, off, n);
  if (e < 0) return finish(p, e);
  e = iolJoinFiles(p);
  if (e < 0) return e;
  clearOut();
  for (let done: u32 = 0; done < n; ) {
    const pos = off + done;
    const po = <u32>(pos & PAGE_MASK);
    const k = min<u32>(PAGE_SIZE - po, n - done);
    const x = pcPage(ip, <u32>(pos >> PAGE_SHIFT));
    const b = x > 0 ? iolFileBuf(<u32>x) : iolHoleBuf();
    if (b == null) return -Errno.ENOMEM;
    outBuf.push(b);
    outOff.push(po);
    outLen.push(k);
    done += k;
  }
  const r = handOut(p, agg, n);
  if (r >= 0) f.off = off + n;
  return r;
}

/** pipeRead: up to len bytes of IO-Lite slices queued in f's pipe, by reference. */
function pipeRead(p: Proc, f: File, agg: u32, max: i32, len: u32): i32 {
  if (!f.readable) return -Errno.EBADF;
  const q = f.pipe!;
  if (len == 0) return 0;
  if (q.bytes == 0) return q.writers == 0 ? 0 : -Errno.EAGAIN;
  const avail = pipeIolFront(q);
  if (avail == 0) return -Errno.EINVAL; // bytes written with write(): read() them
  clearOut();
  let n: u32 = 0;
  for (let i = 0; i < q.lens.length && n < min(len, avail); i++) {
    const b = q.iolBuf[i]!;
    const k = min(q.lens[i], min(len, avail) - n);
    const va = q.iolVa[i];
    const last = outBuf.length - 1;
    if (last >= 0 && outBuf[last] == b && outBuf[last].va(outOff[last] + outLen[last]) == va) outLen[last] += k;
    else {
      if (outBuf.length == max) break;
      outBuf.push(b);
      outOff.push(va - b.va(0));
      outLen.push(k);
    }
    n += k;
  }
  const r = handOut(p, agg, n);
  if (r >= 0) pipeTake(q, n);
  return r;
}
