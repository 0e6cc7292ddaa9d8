// kernel/pipe.ts — pipes: an ordered queue of page references, so that splice and vmsplice can
// pass pages by reference (Linux's pipe_buffer; docs/peers.md §1). read() and write() copy.
//
//   write end --> | buf | buf | buf | ... | --> read end          at most PIPE_MAX_BYTES queued
//   buf: frame, offset, length, and how the pipe holds the frame (one reference, plus):
//     COPY  a kernel buffer write() copied the bytes into
//     FILE  a page-cache frame (splice from a file): an output reference, every mapping of the
//           frame write-protected (TCOW): a writer of the file gets a new frame, the pipe keeps
//           the bytes as they were at the splice
//     USER  an application's frame (vmsplice): pinned; the application must not change it until
//           it is consumed (weak integrity, as Linux's vmsplice without SPLICE_F_GIFT)
//     IOLITE  a page of an immutable IO-Lite buffer (iol_write): the pipe holds a reference to the
//           buffer; iol_read passes it on by reference, read() copies it (kernel/io/iolite.ts)
//
// Pipes never block (ours, for brevity): reading an empty pipe gives -EAGAIN (0 once the write end
// is closed), writing a full one -EAGAIN.

import { Counter, Errno, FrameKind, PAGE_SHIFT, PAGE_SIZE, Pte } from "../base/abi";
import { count } from "../base/stats";
import { Proc } from "./proc";
import { copyin, copyout } from "./uio";
import { checkRegisterHolder, checkRegisterProtector } from "../vm/check";
import { frame, frameAlloc, frameIoDone, frameOutput, frameRef, frameRelease, frameUnref, frameWire, IoRef } from "../vm/frame";
import { pmapPageProtect } from "../vm/pmap";
import { framePtr, paPtr } from "../vm/ram";
import { OutReq } from "../drivers/outreq";
import { bufDrop, bufHold, IolBuf } from "./io/iolbuf";
import { hold, Tally } from "../vm/tally";

/** The most bytes a pipe holds: Linux's default pipe-max-size (1 MiB), so one pipe can carry a
 *  datagram of the largest size the benchmarks send. */
export const PIPE_MAX_BYTES: u32 = 1 << 20;

export enum PipeHold {
  COPY = 0,
  FILE = 1,
  USER = 2,
  IOLITE = 3,
}

export class Pipe {
  frames: Array<u32> = [];
  offs: Array<u32> = [];
  lens: Array<u32> = [];
  holds: Array<PipeHold> = [];
  /** IOLITE: the buffer (kernel/io/iolite.ts) and the window address of the bytes; else null, 0. */
  iolBuf: Array<IolBuf | null> = [];
  iolVa: Array<u32> = [];
  bytes: u32 = 0;
  readers: i32 = 1;
  writers: i32 = 1;
}

const live = new Array<Pipe>();

/** pipeNew: an empty pipe with one reader and one writer. */
export function pipeNew(): Pipe {
  const q = new Pipe();
  live.push(q);
  return q;
}

/** pipeRoom: bytes that may still be queued in q. */
export function pipeRoom(q: Pipe): u32 {
  return PIPE_MAX_BYTES - q.bytes;
}

/** pipePut: queue bytes [off, off+len) of frame f, taking hold of it as `hold` says. */
export function pipePut(q: Pipe, f: u32, off: u32, len: u32, hold: PipeHold): void {
  frameRef(f);
  if (hold == PipeHold.FILE) {
    const first = frame(f).outRef == 0;
    frameOutput(f);
    if (first) pmapPageProtect(f, Pte.TCOW);
  } else if (hold == PipeHold.USER) {
    frameWire(f);
    count(Counter.Wires);
  }
  if (hold != PipeHold.COPY) count(Counter.PagesSpliced);
  q.frames.push(f);
  q.offs.push(off);
  q.lens.push(len);
  q.holds.push(hold);
  q.iolBuf.push(null);
  q.iolVa.push(0);
  q.bytes += len;
}

/** pipePutIol: queue bytes [off, off+len) of frame f, window address va, of IO-Lite buffer b
 *  (the pipe holds a reference to b). */
export function pipePutIol(q: Pipe, f: u32, off: u32, len: u32, b: IolBuf, va: u32): void {
  pipePut(q, f, off, len, PipeHold.IOLITE);
  bufHold(b);
  q.iolBuf[q.iolBuf.length - 1] = b;
  q.iolVa[q.iolVa.length - 1] = va;
}

/** pipeIolFront: bytes at the front of q that are IO-Lite buffer slices (iol_read takes them). */
export function pipeIolFront(q: Pipe): u32 {
  let n: u32 = 0;
  for (let i = 0; i < q.holds.length && q.holds[i] == PipeHold.IOLITE; i++) n += q.lens[i];
  return n;
}

/** pipeTake: consume the first n bytes of q (the caller has taken what it needs of them). */
export function pipeTake(q: Pipe, n: u32): void {
  consume(q, n);
}

/** letGo: q drops the holds of its buffer i (the caller removes it). */
function letGo(q: Pipe, i: i32): void {
  const f = q.frames[i];
  if (q.holds[i] == PipeHold.FILE) frameIoDone(f, IoRef.OUT);
  else if (q.holds[i] == PipeHold.USER) { frameIoDone(f, IoRef.WIRE); count(Counter.Unwires); }
  else if (q.holds[i] == PipeHold.IOLITE) bufDrop(q.iolBuf[i]!, 0);
  frameRelease(f);
}

/** consume: remove n bytes from the front of q (whole buffers let go, a partial one trimmed). */
function consume(q: Pipe, n: u32): void {
  q.bytes -= n;
  while (n > 0) {
    const k = q.lens[0];
    if (n < k) {
      q.offs[0] += n;
      q.iolVa[0] += n;
      q.lens[0] = k - n;
      return;
    }
    letGo(q, 0);
    q.frames.shift();
    q.offs.shift();
    q.lens.shift();
    q.holds.shift();
    q.iolBuf.shift();
    q.iolVa.shift();
    n -= k;
  }
}

/** pipeWrite: copy [va, va+len) of p into q (as much as fits); bytes, -EAGAIN (full), -EPIPE. */
export function pipeWrite(q: Pipe, p: Proc, va: u32, len: u32): i32 {
  if (q.readers == 0) return -Errno.EPIPE;
  const n = min(len, pipeRoom(q));
  if (n == 0) return -Errno.EAGAIN;
  for (let done: u32 = 0; done < n; ) {
    const k = min<u32>(PAGE_SIZE, n - done);
    const f = frameAlloc(FrameKind.IOBUF, false);
    if (f == 0) return done > 0 ? <i32>done : -Errno.ENOMEM;
    const e = copyin(p, va + done, framePtr(f), k);
    if (e < 0) {
      frameUnref(f);
      return done > 0 ? <i32>done : e;
    }
    pipePut(q, f, 0, k, PipeHold.COPY);
    frameUnref(f); // the pipe's reference is the only one
    done += k;
  }
  return <i32>n;
}

/** pipeRead: copy up to len queued bytes of q out to [va, va+len) of p; bytes, 0 (empty, no
 *  writer left), -EAGAIN (empty) or -EFAULT. */
export function pipeRead(q: Pipe, p: Proc, va: u32, len: u32): i32 {
  if (q.bytes == 0) return q.writers == 0 ? 0 : -Errno.EAGAIN;
  const n = min(len, q.bytes);
  let done: u32 = 0;
  for (let i = 0; done < n; i++) {
    const k = min(q.lens[i], n - done);
    const e = copyout(p, va + done, paPtr((q.frames[i] << PAGE_SHIFT) + q.offs[i]), k);
    if (e < 0) {
      consume(q, done);
      return done > 0 ? <i32>done : e;
    }
    done += k;
  }
  consume(q, n);
  return <i32>n;
}

/** pipeOutput: move the first n queued bytes of q into output request r by reference (r takes
 *  its own holds of each frame: the same kind the pipe had). */
export function pipeOutput(q: Pipe, n: u32, r: OutReq): void {
  let done: u32 = 0;
  for (let i = 0; done < n; i++) {
    const f = q.frames[i];
    const k = min(q.lens[i], n - done);
    frameRef(f);
    r.frames.push(f);
    if (q.holds[i] == PipeHold.FILE || q.holds[i] == PipeHold.IOLITE) {
      frameOutput(f);
      r.outFrames.push(f);
    } else if (q.holds[i] == PipeHold.USER) {
      frameWire(f);
      count(Counter.Wires);
      r.wired.push(f);
    }
    if (q.holds[i] != PipeHold.COPY) count(Counter.PagesSpliced);
    r.addRun((f << PAGE_SHIFT) + q.offs[i], k);
    done += k;
  }
  consume(q, n);
}

/** pipeClose: one end of q fewer (reader: true for the read end); with neither left, the queued
 *  buffers are let go. */
export function pipeClose(q: Pipe, reader: bool): void {
  if (reader) q.readers--;
  else q.writers--;
  if (q.readers > 0 || q.writers > 0) return;
  consume(q, q.bytes);
  const i = live.indexOf(q);
  if (i >= 0) live.splice(i, 1);
}

function holds(expected: Tally): void {
  for (let i = 0; i < live.length; i++) {
    const q = live[i];
    for (let k = 0; k < q.frames.length; k++) hold(expected, q.frames[k]);
  }
}
checkRegisterHolder(holds);

/** protects: the frames a pipe holds write-protected (FILE: TCOW at the splice; IOLITE: a sealed
 *  buffer's) for the invariant check: no mapping may write them while queued. USER frames are
 *  pinned, not protected (weak integrity, as vmsplice). */
function protects(guarded: Tally): void {
  for (let i = 0; i < live.length; i++) {
    const q = live[i];
    for (let k = 0; k < q.frames.length; k++) if (q.holds[k] == PipeHold.FILE || q.holds[k] == PipeHold.IOLITE) hold(guarded, q.frames[k]);
  }
}
checkRegisterProtector(protects);
