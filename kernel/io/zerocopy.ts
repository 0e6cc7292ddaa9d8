// kernel/io/zerocopy.ts — MSG_ZEROCOPY (Linux 4.14 and later; docs/peers.md §1): a send with copy
// semantics asked to share the pages instead, with completion notifications the application
// reads before it reuses its buffer.
//
//   sendto(fd, va, len, COPY | ZEROCOPY)   -> bytes; sysret(0) = the send's id (0, 1, 2, ... per socket)
//     each page of the buffer:  few bytes on it?  copy them (cheaper than pinning: zcCopyBelow)
//                               otherwise         pin it (share semantics); the NIC gathers from it
//   completion: unpin; queue [id, id] on the socket, merged with the range before it when that
//               ends at id - 1 and has the same "copied" flag (as Linux's error queue does)
//   zcNotify(fd) -> 1, sysret = (first id, last id, copied): a completed range; the buffers of
//               those sends may be reused now. "copied": the kernel copied every byte of them
//               (the application may stop asking for zero copy there).
//
// Weak integrity, as published: the application must not write its buffer before the send's
// notification; if it does, the wire may carry the new bytes (never another process's).
// Whether zero copy pays is not decided here: pins, unpins, the notification and the call that
// reads it are charged from the cost profile against the copy they avoid.

import { Counter, Errno, PAGE_SIZE, ProcState, SYS_BLOCKED } from "../../base/abi";
import { count, costOf } from "../../base/stats";
import { Proc, procs } from "../proc";
import { pageBytes } from "../uio";
import { Socket } from "../../net/socket";
import { hostWake } from "../../base/host";
import { OutReq } from "../../drivers/outreq";
import { copyPiece } from "./copy";
import { wirePiece } from "./share";

/** The socket of each zero-copy send in flight, by output request id. */
const sockOf = new Map<i32, Socket>();

/** zcCopyBelow: a page holding fewer bytes of a zero-copy send than this is copied: below it the
 *  copy costs less than pinning and unpinning the page (from the cost profile). */
export function zcCopyBelow(): u32 {
  const per = costOf(Counter.BytesCopied);
  if (per <= 0) return 0;
  return <u32>min<f64>(PAGE_SIZE, (costOf(Counter.Wires) + costOf(Counter.Unwires)) / per);
}

/** zcOutput: fill r from [va, va+len) of p for a zero-copy send on socket s; 0 or -errno. */
export function zcOutput(p: Proc, s: Socket, va: u32, len: u32, r: OutReq): i32 {
  const small = zcCopyBelow();
  let copied: u32 = 0;
  for (let done: u32 = 0; done < len; ) {
    const at = va + done;
    const n = pageBytes(at, len - done);
    const e = n < small ? copyPiece(p, at, n, r) : wirePiece(p, at, n, r);
    if (e < 0) return e;
    if (n < small) copied += n;
    done += n;
  }
  if (copied > 0) count(Counter.ZcCopied, copied);
  r.zc = true;
  sockOf.set(r.id, s);
  r.zcId = s.zcNext++;
  r.zcCopied = copied == len;
  s.zcPending++;
  p.ret0 = <i32>r.zcId;
  return 0;
}

/** zcComplete: the zero-copy send of r is done: queue its notification, wake a reader. */
export function zcComplete(r: OutReq): void {
  const s = sockOf.get(r.id);
  sockOf.delete(r.id);
  r.zc = false;
  s.zcPending--;
  const k = s.zcLo.length;
  if (k > 0 && s.zcHi[k - 1] + 1 == r.zcId && s.zcCopied[k - 1] == r.zcCopied) s.zcHi[k - 1] = r.zcId;
  else {
    s.zcLo.push(r.zcId);
    s.zcHi.push(r.zcId);
    s.zcCopied.push(r.zcCopied);
  }
  // The process waiting in zcNotify (one that died waiting was forgotten: net/socket.ts sockForget).
  const pid = s.zcWaiter;
  if (pid == 0) return;
  s.zcWaiter = 0;
  const p = procs[pid];
  p.result = zcTake(s, p);
  p.state = ProcState.RUNNABLE;
  hostWake(pid);
}

/** zcTake: hand p the oldest completed range of s (ret0..ret2); 1. */
function zcTake(s: Socket, p: Proc): i32 {
  p.ret0 = <i32>s.zcLo.shift();
  p.ret1 = <i32>s.zcHi.shift();
  p.ret2 = s.zcCopied.shift() ? 1 : 0;
  count(Counter.Notifications);
  return 1;
}

/** zcNotify: read a completion of s for p: 1, -EAGAIN (none, and dontwait or nothing pending),
 *  -EBUSY (another process waits), or SYS_BLOCKED until one comes. */
export function zcNotify(s: Socket, p: Proc, dontwait: bool): i32 {
  if (s.zcLo.length > 0) return zcTake(s, p);
  if (dontwait || s.zcPending == 0) return -Errno.EAGAIN;
  if (s.zcWaiter != 0) return -Errno.EBUSY;
  s.zcWaiter = p.pid;
  p.state = ProcState.BLOCKED;
  return SYS_BLOCKED;
}
