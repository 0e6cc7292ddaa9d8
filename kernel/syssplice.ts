// kernel/syssplice.ts — the Linux-style zero-copy calls (docs/peers.md §1): pipes, splice,
// vmsplice, sendfile. Argument checks, then kernel/pipe.ts, the page cache and the send path.
//
//   pipe() -> read fd; sysret(0) = write fd          read / write on a pipe copy
//   vmsplice(pipe, va, len)       the application's pages into the pipe, by reference (pinned)
//   splice(file, pipe, len, off)  page-cache pages into the pipe, by reference (TCOW-protected)
//   splice(pipe, socket, len)     the pipe's pages out as one datagram to the socket's peer
//   sendfile(socket, file, len, off)  page-cache pages straight into the NIC's gather list: one
//                                 datagram to the socket's peer, no copy, no pipe
//
// File pages are sent (or queued) as they are at the call: each is held by an output reference
// and every mapping of it is write-protected, so a writer — write(), a MAP_SHARED store — gets a
// new frame in the file (TCOW, as for emulated copy) and never changes the bytes in flight. A hole
// is sent as zeroes from a kernel buffer. The file's offset does not move (an explicit offset, as
// Linux's sendfile with a non-null offset). File pages not in memory are read first: the call
// returns SYS_RESTART and is made again (fs/wait.ts).

import { Access, Counter, Errno, FrameKind, FsType, PAGE_MASK, PAGE_SHIFT, PAGE_SIZE, Pte, Sem, SYS_RESTART } from "../base/abi";
import { count } from "../base/stats";
import { Proc } from "./proc";
import { File, FileKind } from "./file";
import { userPa, userRange } from "./uio";
import { enter, finish } from "./sysfs";
import { sendCheck, sendPrepared } from "./sysnet";
import { OutReq, outReqNew, outReqRelease } from "../drivers/outreq";
import { Pipe, pipeNew, pipeOutput, pipePut, pipeRead, pipeRoom, pipeWrite, PipeHold } from "./pipe";
import { frame, frameAlloc, frameOutput, frameUnref } from "../vm/frame";
import { pmapPageProtect } from "../vm/pmap";
import { Inode } from "../fs/inode";
import { pcPage } from "../fs/pagecache";
import { JUMBO_MAX_DATA } from "../net/jumbo";

/** pipeEnd: the pipe of descriptor fd if it is a pipe end readable (reader) or writable; else null. */
function pipeEnd(p: Proc, fd: i32, reader: bool): Pipe | null {
  const f = p.fds.get(fd);
  if (f == null || f.kind != FileKind.PIPE) return null;
  return (reader ? f.readable : f.writable) ? f.pipe : null;
}

/** isPipe: is descriptor fd a pipe end (read and write go to the pipe then)? */
export function isPipe(p: Proc, fd: i32): bool {
  const f = p.fds.get(fd);
  return f != null && f.kind == FileKind.PIPE;
}

/** pipe() -> fd of the read end; sysret(0) = fd of the write end. */
export function sysPipe(p: Proc): i32 {
  const q = pipeNew();
  const r = new File(FileKind.PIPE, null);
  r.pipe = q;
  r.readable = true;
  const w = new File(FileKind.PIPE, null);
  w.pipe = q;
  w.writable = true;
  const a = p.fds.install(r);
  if (a < 0) { q.readers = q.writers = 0; return a; }
  const b = p.fds.install(w);
  if (b < 0) { p.fds.close(a); q.writers = 0; return b; }
  p.ret0 = b;
  return a;
}

/** read(pipe, va, len) / write(pipe, va, len): copy out of / into the pipe. */
export function sysPipeIo(p: Proc, fd: i32, va: u32, len: u32, flags: i32, write: bool): i32 {
  const q = pipeEnd(p, fd, !write);
  if (q == null) return -Errno.EBADF;
  if (flags != 0 && flags != Sem.COPY) return -Errno.EOPNOTSUPP;
  if (len == 0) return 0;
  if (!userRange(va, len)) return -Errno.EFAULT;
  return write ? pipeWrite(q, p, va, len) : pipeRead(q, p, va, len);
}

/** vmsplice(pipe, va, len) -> bytes queued: [va, va+len) into the pipe by reference, pinned. */
export function sysVmsplice(p: Proc, fd: i32, va: u32, len: u32): i32 {
  const q = pipeEnd(p, fd, false);
  if (q == null) return -Errno.EBADF;
  if (len == 0) return 0;
  if (!userRange(va, len)) return -Errno.EFAULT;
  if (q.readers == 0) return -Errno.EPIPE;
  const n = min(len, pipeRoom(q));
  if (n == 0) return -Errno.EAGAIN;
  let done: u32 = 0;
  while (done < n) {
    const at = va + done;
    const k = min(n - done, PAGE_SIZE - (at & PAGE_MASK));
    const pa = userPa(p, at, Access.READ);
    if (pa < 0) return done > 0 ? <i32>done : <i32>pa;
    pipePut(q, <u32>pa >> PAGE_SHIFT, <u32>pa & PAGE_MASK, k, PipeHold.USER);
    done += k;
  }
  return <i32>n;
}

/** fileArg: the inode of the regular file open for reading at fd, the offset (lo, hi) in offArg;
 *  null with the error in argErr. */
let offArg: u64 = 0;
function fileArg(p: Proc, fd: i32, lo: i32, hi: i32): Inode | null {
  const f = p.fds.get(fd);
  argErr = 0;
  if (f == null) argErr = -Errno.EBADF;
  else if (f.kind != FileKind.FILE) argErr = -Errno.EINVAL;
  else if (!f.readable) argErr = -Errno.EBADF;
  else if (f.node!.type == FsType.DIR) argErr = -Errno.EISDIR;
  else if (hi < 0) argErr = -Errno.EINVAL;
  if (argErr < 0) return null;
  offArg = (<u64>(<u32>hi) << 32) | <u64>(<u32>lo);
  return f!.node;
}
let argErr: i32 = 0;

/** resident: every page of [off, off+n) of ip in memory (reads started for the rest); 0,
 *  SYS_RESTART or -EIO. */
export function resident(ip: Inode, off: u64, n: u32): i32 {
  let r = 0;
  for (let pg = <u32>(off >> PAGE_SHIFT); pg <= <u32>((off + n - 1) >> PAGE_SHIFT); pg++) {
    const x = pcPage(ip, pg);
    if (x == SYS_RESTART) r = SYS_RESTART;
    else if (x < 0) return x;
  }
  return r;
}

// The page-cache page a splice or sendfile has reached: its frame (0: a kernel buffer of zeroes
// for a hole, in zeroFrame), its offset and length.
let zeroFrame: u32 = 0;

/** filePage: the frame holding file bytes at pos (resident); 0 for a hole, with a zeroed kernel
 *  buffer in zeroFrame (0 too if none could be had). */
function filePage(ip: Inode, pos: u64): u32 {
  const x = pcPage(ip, <u32>(pos >> PAGE_SHIFT));
  zeroFrame = 0;
  if (x > 0) return <u32>x;
  zeroFrame = frameAlloc(FrameKind.IOBUF, true);
  return 0;
}

/** sendfile(socket, file, len, off lo, off hi) -> bytes sent: one datagram to the socket's
 *  connected peer, gathered from the file's page-cache frames. */
export function sysSendfile(p: Proc, sfd: i32, ffd: i32, len: u32, lo: i32, hi: i32): i32 {
  const s = p.fds.get(sfd);
  if (s == null) return -Errno.EBADF;
  if (s.kind != FileKind.SOCKET) return -Errno.ENOTSOCK;
  const ip = fileArg(p, ffd, lo, hi);
  if (ip == null) return argErr;
  if (len == 0) return 0;
  if (len > JUMBO_MAX_DATA) return -Errno.EMSGSIZE;
  const dest = sendCheck(p, sfd, 0, 0, 0);
  if (dest < 0) return <i32>dest;
  let e = enter();
  if (e < 0) return e;
  const off = offArg;
  if (off >= ip.size) return 0;
  const n = <u32>min<u64>(len, ip.size - off);
  e = resident(ip, off, n);
  if (e < 0) return finish(p, e);
  const r = outReqNew(Sem.EMULATED_COPY, p.pid, n);
  r.protect = true; // the file's pages go out write-protected (TCOW)
  for (let done: u32 = 0; done < n; ) {
    const pos = off + done;
    const po = <u32>(pos & PAGE_MASK);
    const k = min<u32>(PAGE_SIZE - po, n - done);
    const f = filePage(ip, pos);
    if (f == 0) {
      if (zeroFrame == 0) { outReqRelease(r); return -Errno.ENOMEM; }
      r.frames.push(zeroFrame);
      r.addRun(zeroFrame << PAGE_SHIFT, k);
    } else {
      refFilePage(f, r);
      r.addRun((f << PAGE_SHIFT) + po, k);
    }
    done += k;
  }
  return sendPrepared(p, sfd, r, dest);
}

/** refFilePage: r sends page-cache frame f by reference: an output reference, every mapping
 *  write-protected (TCOW). */
function refFilePage(f: u32, r: OutReq): void {
  const first = frame(f).outRef == 0;
  frameOutput(f);
  r.outFrames.push(f);
  if (first) pmapPageProtect(f, Pte.TCOW);
  count(Counter.PagesSpliced);
}

/** splice(in, out, len, off lo, off hi) -> bytes: file -> pipe (at the offset) or pipe -> socket. */
export function sysSplice(p: Proc, in_: i32, out: i32, len: u32, lo: i32, hi: i32): i32 {
  const fi = p.fds.get(in_), fo = p.fds.get(out);
  if (fi == null || fo == null) return -Errno.EBADF;
  if (fi.kind == FileKind.FILE && fo.kind == FileKind.PIPE) return spliceIn(p, in_, fo, len, lo, hi);
  if (fi.kind == FileKind.PIPE && fo.kind == FileKind.SOCKET) return spliceOut(p, fi, out, len);
  return -Errno.EINVAL;
}

/** spliceIn: up to len bytes of the file at in_ from the offset into the pipe of fo, by reference. */
function spliceIn(p: Proc, in_: i32, fo: File, len: u32, lo: i32, hi: i32): i32 {
  if (!fo.writable) return -Errno.EBADF;
  const q = fo.pipe!;
  const ip = fileArg(p, in_, lo, hi);
  if (ip == null) return argErr;
  if (len == 0) return 0;
  if (q.readers == 0) return -Errno.EPIPE;
  let e = enter();
  if (e < 0) return e;
  const off = offArg;
  if (off >= ip.size) return 0;
  const n = <u32>min<u64>(min(len, pipeRoom(q)), ip.size - off);
  if (n == 0) return -Errno.EAGAIN;
  e = resident(ip, off, n);
  if (e < 0) return finish(p, e);
  let done: u32 = 0;
  while (done < n) {
    const pos = off + done;
    const po = <u32>(pos & PAGE_MASK);
    const k = min<u32>(PAGE_SIZE - po, n - done);
    const f = filePage(ip, pos);
    if (f == 0) {
      if (zeroFrame == 0) break;
      pipePut(q, zeroFrame, 0, k, PipeHold.COPY);
      frameUnref(zeroFrame);
    } else pipePut(q, f, po, k, PipeHold.FILE);
    done += k;
  }
  return done > 0 ? <i32>done : -Errno.ENOMEM;
}

/** spliceOut: up to len queued bytes of the pipe of fi as one datagram to the peer of socket out. */
function spliceOut(p: Proc, fi: File, out: i32, len: u32): i32 {
  if (!fi.readable) return -Errno.EBADF;
  const q = fi.pipe!;
  const dest = sendCheck(p, out, 0, 0, 0);
  if (dest < 0) return <i32>dest;
  if (len == 0) return 0;
  if (q.bytes == 0) return q.writers == 0 ? 0 : -Errno.EAGAIN;
  const n = min(min(len, q.bytes), JUMBO_MAX_DATA);
  const r = outReqNew(Sem.EMULATED_COPY, p.pid, n);
  r.protect = true; // file and IO-Lite pages go out write-protected (r.outFrames); vmspliced ones pinned (r.wired)
  pipeOutput(q, n, r);
  return sendPrepared(p, out, r, dest);
}
