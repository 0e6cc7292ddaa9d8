// kernel/ipc.ts — channels: I/O-oriented IPC between the processes of one machine, in the style
// of Genie (docs/data-passing.md §6; the mechanism's purpose is published, this design is ours).
//
//   channel():  two connected ends, each a descriptor; fork passes them on
//   sendto(end, buf, sem)    the message is an output request over the sender's buffer, built
//                            by the same semantics units as network output (kernel/io): a
//                            COPY send is carried out as an emulated copy (TCOW), so crossing
//                            a protection domain costs no copy, yet the sender may write its
//                            buffer at once, exactly as copy semantics promises
//   recvfrom(end, buf, sem)  the message is delivered by the same input units as a datagram:
//                            emulated copy swaps or maps whole pages (read-only, copy-on-write
//                            when the sender still holds them), the move semantics map them into
//                            a region the kernel picks, copy copies
//
//   end 0 --(queue 1)--> end 1          each end: its incoming queue and at most one waiting
//   end 0 <--(queue 0)-- end 1          receive, like a socket

import { Errno, ProcState, Sem, SYS_BLOCKED, SYS_RESTART } from "../base/abi";
import { CHAN_QMAX, ChanEnd } from "./chan";
import { Proc, procs } from "./proc";
import { OutReq } from "../drivers/outreq";
import { ioInput, ioOutputDone } from "./io/index";
import { ioInputNow } from "./io/resident";
import { Pkt, pktAlloc, PKT_MAX_RUNS } from "../drivers/pkt";
import { dgramFree, dgramNew } from "../net/dgram";
import { hostWake } from "../base/host";
import { FileKind, MAX_FDS } from "./file";

/** chanSend: message r (an output request) from end e to the other end; 0 or -EPIPE / -EAGAIN.
 *  On success the channel owns r. */
export function chanSend(e: ChanEnd, r: OutReq): i32 {
  const c = e.chan;
  const to = 1 - e.side;
  if (c.open[to] == 0) return -Errno.EPIPE;
  const pid = c.waiter[to];
  c.waiter[to] = 0;
  // The receive waiting at the other end, if its process still waits (it may have died since).
  if (pid != 0 && procs[pid].state == ProcState.BLOCKED) {
    const p = procs[pid];
    p.ret0 = 0;
    p.ret1 = 0;
    p.result = deliver(r, p, c.wVa[to], c.wLen[to], <Sem>c.wSem[to], false);
    // A file page it needs is on disk: the message stays first in line, and the receive is
    // made again in the receiver's context (which reads the page first).
    if (p.result == SYS_RESTART) c.queue[to].unshift(r);
    p.state = ProcState.RUNNABLE;
    hostWake(pid);
    return 0;
  }
  if (c.queue[to].length >= CHAN_QMAX) return -Errno.EAGAIN;
  c.queue[to].push(r);
  return 0;
}

/** chanRecv: receive at end e into [va, va+len) under sem: bytes, -EAGAIN (dontwait), or
 *  SYS_BLOCKED (p waits; a sender completes the call). */
export function chanRecv(e: ChanEnd, p: Proc, va: u32, len: u32, sem: Sem, dontwait: bool): i32 {
  const c = e.chan;
  const me = e.side;
  if (c.waiter[me] != 0) return -Errno.EBUSY;
  if (c.queue[me].length > 0) {
    const n = deliver(c.queue[me][0], p, va, len, sem, true);
    if (n != SYS_RESTART) c.queue[me].shift();
    return n;
  }
  if (c.open[1 - me] == 0) return 0; // the other end is closed: end of messages
  if (dontwait) return -Errno.EAGAIN;
  c.waiter[me] = p.pid;
  c.wVa[me] = va;
  c.wLen[me] = len;
  c.wSem[me] = sem;
  p.state = ProcState.BLOCKED;
  return SYS_BLOCKED;
}

/** deliver: message r into [va, va+len) of p under sem (the input units see it as a datagram
 *  whose data lies in the sender's frames); then r lets go of what it held. In p's own context
 *  (own) file pages are read first if need be; SYS_RESTART: r untouched (kernel/io/resident.ts). */
function deliver(r: OutReq, p: Proc, va: u32, len: u32, sem: Sem, own: bool): i32 {
  const d = dgramNew();
  d.len = r.len;
  let k: Pkt | null = null;
  for (let i = 0; i < r.runPa.length; i++) {
    if (k == null || k.nruns == PKT_MAX_RUNS) {
      k = pktAlloc();
      d.pkts.push(k!);
    }
    k!.addRun(r.runPa[i], r.runLen[i]);
  }
  const n = own ? ioInputNow(p, sem, va, len, d) : ioInput(p, sem, va, len, d);
  if (n == SYS_RESTART) {
    dgramFree(d); // the wrapper only: its packets hold no frames (the sender's request does)
    return n;
  }
  ioOutputDone(r); // the send is complete: a weak semantics' token too
  return n;
}

/** chanForget: p no longer waits on any channel end (it died). Its ends may stay open in
 *  other processes: a receive left posted would answer their receives EBUSY, and a later
 *  process given the same pid could be handed the next message. */
export function chanForget(p: Proc): void {
  for (let i = 0; i < MAX_FDS; i++) {
    const f = p.fds.files[i];
    if (f == null || f.kind != FileKind.CHANNEL || f.end == null) continue;
    const e = f.end!;
    if (e.chan.waiter[e.side] == p.pid) e.chan.waiter[e.side] = 0;
  }
}

/** chanClose: one descriptor fewer refers to end e; the last one closes it (its queue is
 *  dropped, a receive waiting at the other end returns 0: end of messages). */
export function chanClose(e: ChanEnd): void {
  const c = e.chan;
  if (--c.open[e.side] > 0) return;
  const q = c.queue[e.side];
  for (let i = 0; i < q.length; i++) ioOutputDone(q[i]); // dropped unread: complete (tokens too)
  q.length = 0;
  const other = 1 - e.side;
  const pid = c.waiter[other];
  if (pid != 0) {
    c.waiter[other] = 0;
    const p = procs[pid];
    p.result = 0;
    p.state = ProcState.RUNNABLE;
    hostWake(pid);
  }
}
