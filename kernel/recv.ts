// kernel/recv.ts — a process receiving from a UDP socket.
//
//   recvfrom ---> a datagram is queued on the socket? deliver it now (ioInputNow: file pages it
//                 needs are read first, kernel/io/resident.ts)
//                 none: DONTWAIT ? EAGAIN : lay the NIC's buffers out for the receive
//                       (input alignment), wait (BLOCKED, SYS_BLOCKED)
//   datagram arrives for the waiting receive (net/socket.ts, deliver hook) ---> recvDeliver:
//                 deliver it, the call's results in the process, runnable (host.wake)

import { Errno, ProcState, Sem, SYS_BLOCKED, SYS_RESTART } from "../base/abi";
import { hostWake } from "../base/host";
import { Dgram } from "../net/dgram";
import { Socket, sockDequeue, sockRecvBegin, sockRequeue, sockWait } from "../net/socket";
import { alignReceive } from "./io/align";
import { ioInput } from "./io/index";
import { ioInputNow } from "./io/resident";
import { Proc, procs } from "./proc";

/**
 * sockRecv: receive on s into [va, va+len) of p under sem. Returns bytes delivered (source in
 * p.ret0/ret1), -EINVAL / -EBUSY (sockRecvBegin), -EAGAIN (nothing queued and dontwait), or
 * SYS_BLOCKED: p now waits.
 */
export function sockRecv(s: Socket, p: Proc, va: u32, len: u32, sem: Sem, dontwait: bool): i32 {
  const e = sockRecvBegin(s);
  if (e < 0) return e;
  const d = sockDequeue(s);
  if (d != null) {
    p.ret0 = <i32>d.src;
    p.ret1 = <i32>d.sport;
    const r = ioInputNow(p, sem, va, len, d);
    if (r == SYS_RESTART) sockRequeue(s, d); // p waits for file pages, then makes the call again
    return r;
  }
  if (dontwait) return -Errno.EAGAIN;
  alignReceive(s, p, va, len, sem);
  sockWait(s, p.pid, va, len, sem);
  p.state = ProcState.BLOCKED;
  return SYS_BLOCKED;
}

/** recvDeliver: the socket's deliver hook: the receive pid waits in gets datagram d (consumed);
 *  false if a file page it needs is on disk: d untouched, the receive made again (result
 *  SYS_RESTART), in the process's context, which reads the page first. */
export function recvDeliver(pid: i32, d: Dgram, va: u32, len: u32, sem: Sem): bool {
  const p = procs[pid];
  p.ret0 = <i32>d.src;
  p.ret1 = <i32>d.sport;
  p.result = ioInput(p, sem, va, len, d);
  p.state = ProcState.RUNNABLE;
  hostWake(pid);
  return p.result != SYS_RESTART;
}

/** recvFail: the socket's fail hook: the receive pid waits in fails with err (-Errno). */
export function recvFail(pid: i32, err: i32): void {
  const p = procs[pid];
  p.result = err;
  p.state = ProcState.RUNNABLE;
  hostWake(pid);
}
