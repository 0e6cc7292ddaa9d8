// net/socket.ts — UDP sockets: ports, receive queues, and receives waiting for data.
//
//   datagram arrives (udpInput) ---> socket of its port ---> a receive is waiting?
//                                                             yes: deliver into its buffer now
//                                                                  (ioInput), wake the process
//                                                             no:  queue it (up to SOCK_QMAX)
//   recvfrom ---> a datagram is queued? deliver it : (DONTWAIT ? EAGAIN : wait, BLOCKED)
//                 (kernel/sysnet.ts, with sockRecvBegin, sockDequeue, sockWait)
//
// Delivering into a waiting receive and failing one are the process layer's business: the
// socket calls up through two hooks the kernel registers at boot (sockRegister).
// With early demultiplexing (NicFeature.EARLY_DEMUX) a bound socket gets its own receive queue
// on the NIC, so the driver can post buffers chosen for that socket's receives.

import { Drop, Errno, Ev, NIC_QUEUES, NicFeature, PAGE_MASK, Sem } from "../base/abi";
import { panic } from "../base/panic";
import { trace } from "../base/trace";
import { Dgram, dgramFate, dgramFree } from "./dgram";
import { dropCount } from "../base/drop";
import { MAX_NICS, Nic, nics } from "../drivers/nicdev";
import { nicPlanDone, nicPlanEnd, nicRenew, nicSteer, rxSetup } from "../drivers/nicpost";

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

// ---- Hooks: registered at boot by the process layer (kernel/hooks.ts) ------------------------

/** deliverHook(pid, d, va, len, sem): the receive process pid waits in gets datagram d
 *  (consumed): deliver it into [va, va+len) under sem and make pid runnable. false: d is left
 *  as it was, to be queued first, and the receive is made again (a file page it needs is on
 *  disk: kernel/io/resident.ts). */
let deliverHook: (pid: i32, d: Dgram, va: u32, len: u32, sem: Sem) => bool = noDeliver;
/** failHook(pid, err): the receive process pid waits in fails with err (-Errno): runnable. */
let failHook: (pid: i32, err: i32) => void = noFail;

function noDeliver(pid: i32, d: Dgram, va: u32, len: u32, sem: Sem): bool {
  panic("udpDeliver: no receive hook registered");
  return false;
}
function noFail(pid: i32, err: i32): void {
  panic("sockRelease: no receive hook registered");
}

/** sockRegister: how a waiting receive is completed (deliver) or failed (fail). */
export function sockRegister(deliver: (pid: i32, d: Dgram, va: u32, len: u32, sem: Sem) => bool, fail: (pid: i32, err: i32) => void): void {
  deliverHook = deliver;
  failHook = fail;
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
  const pid = s.waiter;
  s.waiter = 0;
  if (pid != 0) failHook(pid, -Errno.EBADF); // a receive waits on the socket closed under it
}

/** sockForget: pid no longer waits on any socket (it died), in a receive (its layouts end) or
 *  for a MSG_ZEROCOPY completion: neither wakes a process given the pid later. (A socket it
 *  waits on is bound, since a send bound it or a receive needs it bound, and still open.) */
export function sockForget(pid: i32): void {
  const vs = ports.values();
  for (let i = 0; i < vs.length; i++) {
    if (vs[i].zcWaiter == pid) vs[i].zcWaiter = 0;
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

/** sockRecvBegin: may a receive start on s? 0, -EINVAL (not bound) or -EBUSY (one waits already). */
export function sockRecvBegin(s: Socket): i32 {
  if (s.port == 0) return -Errno.EINVAL;
  if (s.waiter != 0) return -Errno.EBUSY;
  return 0;
}

/** sockDequeue: the oldest datagram queued on s (the caller delivers it), or null. */
export function sockDequeue(s: Socket): Dgram | null {
  return s.rxq.length > 0 ? s.rxq.shift() : null;
}

/** sockRequeue: d (just dequeued, not delivered) goes back to the head of s's queue. */
export function sockRequeue(s: Socket, d: Dgram): void {
  s.rxq.unshift(d);
}

/** sockWait: process pid waits on s for a datagram into [va, va+len) under sem (the next
 *  udpDeliver completes it through the deliver hook). */
export function sockWait(s: Socket, pid: i32, va: u32, len: u32, sem: Sem): void {
  s.waiter = pid;
  s.wVa = va;
  s.wLen = len;
  s.wSem = sem;
}

/** sockWaitOffset: the page offset of the buffer of the receive waiting on port (0 if none). */
export function sockWaitOffset(port: u32): u32 {
  if (!ports.has(port)) return 0;
  const s = ports.get(port);
  return s.waiter != 0 ? s.wVa & PAGE_MASK : 0;
}

/** udpDeliver: datagram d arrived for its destination port (consumed). */
export function udpDeliver(d: Dgram): void {
  if (!ports.has(d.dport)) {
    dropCount(Drop.NoSocket);
    trace(Ev.NetDrop, 0, Drop.NoSocket, <i32>d.len);
    dgramFate(d, Drop.NoSocket);
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
    s.waiter = 0;
    dgramFate(d, Drop.None);
    if (!deliverHook(pid, d, s.wVa, s.wLen, s.wSem)) sockRequeue(s, d);
    return;
  }
  if (s.rxq.length >= SOCK_QMAX) {
    dropCount(Drop.SocketFull);
    trace(Ev.NetDrop, 0, Drop.SocketFull, <i32>d.len);
    dgramFate(d, Drop.SocketFull);
    dgramFree(d);
    return;
  }
  dgramFate(d, Drop.None);
  s.rxq.push(d);
}
