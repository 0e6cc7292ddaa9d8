// net/socket.ts — UDP sockets: ports, receive queues, and receives waiting for data.
//
//   datagram arrives (udpInput) ---> socket of its port ---> a receive is waiting?
//                                                             yes: deliver into its buffer now
//                                                                  (ioInput), wake the process
//                                                             no:  queue it (up to SOCK_QMAX)
//   recvfrom ---> a datagram is queued? deliver it : (DONTWAIT ? EAGAIN : wait, BLOCKED)
//
// With early demultiplexing (NicFeature.EARLY_DEMUX) a bound socket gets its own receive queue
// on the NIC, so the driver can post buffers chosen for that socket's receives.

import { Drop, Errno, Ev, NIC_QUEUES, NicFeature, ProcState, Sem } from "../base/abi";
import { trace } from "../base/trace";
import { Dgram, dgramFree } from "./pkt";
import { dropCount } from "./drop";
import { MAX_NICS, Nic, nicPlanDone, nicPlanEnd, nicRenew, nics, nicSteer, rxSetup } from "../drivers/nic";
import { alignReceive } from "../kernel/io/align";
import { ioInput } from "../kernel/io/index";
import { procs, Proc } from "../kernel/proc";
import { hostWake } from "../base/host";

export const SOCK_QMAX = 64;
export const EPHEMERAL_BASE: u32 = 49152;
const STEERED_BUFFERS: u32 = 32;

export class Socket {
  refs: i32 = 1;
  port: u32 = 0;
  peerIp: u32 = 0;
  peerPort: u32 = 0;
  rxq: Array<Dgram> = [];
  /** Early demux: this socket's receive queue on each NIC (0 = the default queue). */
  queue: StaticArray<i32> = new StaticArray<i32>(MAX_NICS);
  // A receive waiting for data:
  waiter: i32 = 0;
  wVa: u32 = 0;
  wLen: u32 = 0;
  wSem: Sem = Sem.COPY;
  // MSG_ZEROCOPY (kernel/io/zerocopy.ts): the id of the next zero-copy send, sends not yet
  // completed, completed ranges [zcLo, zcHi] not yet read (with their "copied" flag), and a
  // process waiting to read one.
  zcNext: u32 = 0;
  zcPending: i32 = 0;
  zcLo: Array<u32> = [];
  zcHi: Array<u32> = [];
  zcCopied: Array<bool> = [];
  zcWaiter: i32 = 0;
}

const ports = new Map<u32, Socket>();
const queueOwner = new StaticArray<Socket | null>(MAX_NICS * NIC_QUEUES);

/** sockNew: an unbound UDP socket. */
export function sockNew(): Socket {
  return new Socket();
}

/** sockBind: bind s to port (0 = a free ephemeral port); the port, or -EADDRINUSE / -EINVAL. */
export function sockBind(s: Socket, port: u32): i32 {
  if (s.port != 0) return -Errno.EINVAL;
  if (port > 65535) return -Errno.EINVAL;
  if (port == 0) {
    for (let p = EPHEMERAL_BASE; p <= 65535; p++) if (!ports.has(p)) { port = p; break; }
    if (port == 0) return -Errno.EADDRINUSE;
  } else if (ports.has(port)) return -Errno.EADDRINUSE;
  s.port = port;
  ports.set(port, s);
  for (let k = 0; k < MAX_NICS; k++) {
    const n = nics[k];
    if (n != null && n.has(NicFeature.EARLY_DEMUX)) steer(n, s);
  }
  return <i32>port;
}

/** steer: give s a receive queue of its own on NIC n, if one is free. */
function steer(n: Nic, s: Socket): void {
  for (let q = 1; q < NIC_QUEUES; q++) {
    const slot = n.id * NIC_QUEUES + q;
    if (queueOwner[slot] != null) continue;
    if (rxSetup(n, q, STEERED_BUFFERS) < 0) return;
    queueOwner[slot] = s;
    s.queue[n.id] = q;
    nicSteer(n, s.port, q);
    return;
  }
}

/** sockRelease: one descriptor fewer refers to s; the last one closes it. */
export function sockRelease(s: Socket): void {
  if (--s.refs > 0) return;
  if (s.port != 0) {
    ports.delete(s.port);
    endPlans(s);
    for (let k = 0; k < MAX_NICS; k++) {
      const n = nics[k];
      if (n == null || s.queue[k] == 0) continue;
      nicSteer(n, s.port, 0);
      queueOwner[k * NIC_QUEUES + s.queue[k]] = null;
      s.queue[k] = 0;
    }
  }
  for (let i = 0; i < s.rxq.length; i++) dgramFree(s.rxq[i]);
  s.rxq.length = 0;
  if (s.waiter != 0) {
    // A receive waits on the socket closed under it: it fails.
    const p = procs[s.waiter];
    p.result = -Errno.EBADF;
    p.state = ProcState.RUNNABLE;
    hostWake(p.pid);
  }
  s.waiter = 0;
}

/** sockForget: p no longer waits on any socket (it died): its receive's layouts end. */
export function sockForget(pid: i32): void {
  const vs = ports.values();
  for (let i = 0; i < vs.length; i++) {
    if (vs[i].waiter != pid) continue;
    vs[i].waiter = 0;
    endPlans(vs[i]); // (a share receive's plan holds the dead process's frames)
  }
}

/** endPlans: the buffers laid out for s's receive are not wanted any more: take them back
 *  from the devices (now, unless a packet in them waits for its interrupt). */
function endPlans(s: Socket): void {
  for (let k = 0; k < MAX_NICS; k++) {
    const n = nics[k];
    if (n != null && s.queue[k] != 0) nicPlanEnd(n!, s.queue[k]);
  }
  nicRenew();
}

/**
 * sockRecv: receive into [va, va+len) of p under sem. Returns bytes delivered (source in
 * p.ret0/ret1), -EAGAIN (nothing queued and dontwait), or SYS_BLOCKED: p now waits.
 */
export function sockRecv(s: Socket, p: Proc, va: u32, len: u32, sem: Sem, dontwait: bool): i32 {
  if (s.port == 0) return -Errno.EINVAL;
  if (s.waiter != 0) return -Errno.EBUSY;
  if (s.rxq.length > 0) {
    const d = s.rxq.shift();
    p.ret0 = <i32>d.src;
    p.ret1 = <i32>d.sport;
    return ioInput(p, sem, va, len, d);
  }
  if (dontwait) return -Errno.EAGAIN;
  alignReceive(s, p, va, len, sem);
  s.waiter = p.pid;
  s.wVa = va;
  s.wLen = len;
  s.wSem = sem;
  p.state = ProcState.BLOCKED;
  return -4096; // SYS_BLOCKED
}

/** udpDeliver: datagram d arrived for its destination port (consumed). */
export function udpDeliver(d: Dgram): void {
  if (!ports.has(d.dport)) {
    dropCount(Drop.NoSocket);
    trace(Ev.NetDrop, 0, Drop.NoSocket, <i32>d.len);
    dgramFree(d);
    return;
  }
  const s = ports.get(d.dport);
  const pid = s.waiter;
  // The layouts made for this socket's receive are done, whichever queue the packets took
  // (a fragment that missed the plan comes through queue 0).
  for (let k = 0; k < MAX_NICS; k++) {
    const n = nics[k];
    if (n != null && s.queue[k] != 0) nicPlanDone(n!, s.queue[k]);
  }
  trace(Ev.NetDeliver, <i32>d.dport, <i32>d.len, pid);
  if (pid != 0) {
    const p = procs[pid];
    s.waiter = 0;
    p.ret0 = <i32>d.src;
    p.ret1 = <i32>d.sport;
    p.result = ioInput(p, s.wSem, s.wVa, s.wLen, d);
    p.state = ProcState.RUNNABLE;
    hostWake(pid);
    return;
  }
  if (s.rxq.length >= SOCK_QMAX) {
    dropCount(Drop.SocketFull);
    trace(Ev.NetDrop, 0, Drop.SocketFull, <i32>d.len);
    dgramFree(d);
    return;
  }
  s.rxq.push(d);
}
