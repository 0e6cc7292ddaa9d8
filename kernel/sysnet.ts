// kernel/sysnet.ts — the socket system calls: argument checks, then net/ and kernel/io/.
//
//   sendto(fd, va, len, flags, ip, port): the semantics (flags & SEM_MASK) turns the buffer into
//     an output request (kernel/io); UDP sends it; the call returns when it is handed to the NIC
//   recvfrom(fd, va, len, flags): a queued datagram is delivered at once; otherwise the process
//     waits (BLOCKED) and the datagram is delivered into its buffer when it arrives

import { Counter, Errno, MsgFlag, SEM_MASK, Sem, SYS_BLOCKED } from "../base/abi";
import { count } from "../base/stats";
import { Proc } from "./proc";
import { File, FileKind } from "./file";
import { ioError, ioOutputDone, ioOutputV, semResolve, semSupported } from "./io/index";
import { OutReq, outReqNew, outReqRelease } from "../drivers/outreq";
import { zcNotify, zcOutput } from "./io/zerocopy";
import { Chan, ChanEnd } from "./chan";
import { chanRecv, chanSend } from "./ipc";
import { copyin, userRange } from "./uio";
import { fileResident, inputPrepare } from "./io/resident";
import { Socket, sockBind, sockNew } from "../net/socket";
import { sockRecv } from "./recv";
import { moveFamily } from "./io/move";
import { tokenWait } from "./io/notify";
import { udpOutput } from "../net/udpout";
import { MAX_NICS, Nic, nics } from "../drivers/nicdev";
import { JUMBO_MAX_DATA } from "../net/jumbo";
import { loopOutput, loopSource } from "../net/loopback";
import { spin } from "../base/panic";

function sock(p: Proc, fd: i32): Socket | null {
  const f = p.fds.get(fd);
  return f == null || f.kind != FileKind.SOCKET ? null : f.sock;
}

/** route: the NIC to reach ip (same /24 first, else NIC 0), or null with no NIC. */
export function route(ip: u32): Nic | null {
  let any: Nic | null = null;
  for (let k = 0; k < MAX_NICS; k++) {
    const n = nics[k];
    if (n == null) continue;
    if ((n.ip & 0xffffff00) == (ip & 0xffffff00)) return n;
    if (any == null) any = n;
  }
  return any;
}

/** sysSocket: socket(): a descriptor for a new unbound UDP socket, or -EMFILE. */
export function sysSocket(p: Proc): i32 {
  return p.fds.install(new File(FileKind.SOCKET, sockNew()));
}

/** sysBind: bind(fd, port): the port bound (a free ephemeral one for 0), or -errno. */
export function sysBind(p: Proc, fd: i32, port: i32): i32 {
  const s = sock(p, fd);
  if (s == null) return p.fds.get(fd) == null ? -Errno.EBADF : -Errno.ENOTSOCK;
  if (port < 0 || port > 65535) return -Errno.EINVAL;
  return sockBind(s, <u32>port);
}

/** sysConnect: connect(fd, ip, port): 0, the default destination of later sends set; or -errno. */
export function sysConnect(p: Proc, fd: i32, ip: u32, port: i32): i32 {
  const s = sock(p, fd);
  if (s == null) return p.fds.get(fd) == null ? -Errno.EBADF : -Errno.ENOTSOCK;
  if (port <= 0 || port > 65535 || ip == 0) return -Errno.EINVAL;
  s.peerIp = ip;
  s.peerPort = <u32>port;
  return 0;
}

/** sendTo: send payload r from descriptor fd (a socket, to ip:port; or a channel end); the
 *  bytes sent or -errno. r is consumed either way. */
function sendTo(p: Proc, fd: i32, r: OutReq, ip: u32, port: i32): i32 {
  const f = p.fds.get(fd)!;
  const len = r.len; // r may be released (and reused) before this returns
  if (f.kind == FileKind.CHANNEL) {
    const e = chanSend(f.end!, r);
    if (e < 0) outReqRelease(r);
    return e < 0 ? e : <i32>len;
  }
  const s = f.sock!;
  const self = loopSource(ip);
  if (self != 0) {
    // To this machine: delivered at once, never on the wire (net/loopback.ts).
    if (s.port == 0) { const b = sockBind(s, 0); if (b < 0) { outReqRelease(r); return b; } }
    const e = loopOutput(self, s.port, <u32>port, r);
    if (e == 0) count(Counter.DatagramsSent);
    ioOutputDone(r);
    return e < 0 ? e : <i32>len;
  }
  const n = route(ip);
  if (n == null) { outReqRelease(r); return -Errno.ENETUNREACH; }
  r.pending++; // held while the packets are queued
  const e = udpOutput(n, s.port, ip, <u32>port, r);
  if (e == 0) count(Counter.DatagramsSent);
  if (--r.pending == 0) ioOutputDone(r); // nothing queued (error) or already sent
  return e < 0 ? e : <i32>len;
}

/** A send's destination as sendCheck resolves it: ip << 16 | port (0 for a channel). */
// @ts-ignore: decorator
@inline function destIp(dest: i64): u32 {
  return <u32>(dest >> 16);
}
// @ts-ignore: decorator
@inline function destPort(dest: i64): i32 {
  return <i32>(dest & 0xffff);
}

/**
 * sendCheck: the checks every send makes before touching memory: the descriptor, flags and
 * destination (ip 0: the socket's peer). The destination (destIp, destPort), or -errno.
 */
export function sendCheck(p: Proc, fd: i32, flags: i32, ip: u32, port: i32): i64 {
  const f = p.fds.get(fd);
  if (f == null) return -Errno.EBADF;
  if (f.kind != FileKind.SOCKET && f.kind != FileKind.CHANNEL) return -Errno.ENOTSOCK;
  if ((flags & ~(SEM_MASK | MsgFlag.DONTWAIT | MsgFlag.ZEROCOPY)) != 0 || (flags & SEM_MASK) >= Sem.COUNT) return -Errno.EINVAL;
  if (!semSupported(semResolve(p, <Sem>(flags & SEM_MASK)))) return -Errno.EOPNOTSUPP;
  // MSG_ZEROCOPY asks a socket send with copy semantics to share the pages instead.
  if ((flags & MsgFlag.ZEROCOPY) != 0 && (f.kind != FileKind.SOCKET || semResolve(p, <Sem>(flags & SEM_MASK)) != Sem.COPY))
    return -Errno.EINVAL;
  if (f.kind == FileKind.CHANNEL) return 0;
  const s = f.sock!;
  if (ip == 0) {
    if (s.peerIp == 0) return -Errno.ENOTCONN;
    ip = s.peerIp;
    port = <i32>s.peerPort;
  }
  if (port <= 0 || port > 65535) return -Errno.EINVAL;
  if (route(ip) == null && loopSource(ip) == 0) return -Errno.ENETUNREACH;
  if (s.port == 0) {
    const e = sockBind(s, 0);
    if (e < 0) return e;
  }
  return (<i64>ip << 16) | <i64>port;
}

/** sendCommon: output the gather list under flags' semantics through fd to dest (sendCheck);
 *  bytes or -errno. */
function sendCommon(p: Proc, fd: i32, vas: Array<u32>, lens: Array<u32>, flags: i32, dest: i64): i32 {
  let total: u64 = 0;
  for (let i = 0; i < vas.length; i++) {
    total += lens[i];
    if (lens[i] > 0 && !userRange(vas[i], lens[i])) return -Errno.EFAULT;
  }
  if (total > <u64>JUMBO_MAX_DATA) return -Errno.EMSGSIZE;
  // File pages not in memory are read first (the call is made again then): no output work is
  // done, and undone, for each page that turns out to be on disk.
  for (let i = 0; i < vas.length; i++) {
    const e = lens[i] > 0 ? fileResident(p, vas[i], lens[i]) : 0;
    if (e < 0) return e;
  }
  const sem = semResolve(p, <Sem>(flags & SEM_MASK));
  if ((flags & MsgFlag.ZEROCOPY) != 0) {
    if (vas.length != 1) return -Errno.EINVAL;
    const z = outReqNew(Sem.SHARE, p.pid, <u32>total);
    const e = zcOutput(p, sock(p, fd)!, vas[0], lens[0], z);
    if (e < 0) { outReqRelease(z); return e; }
    return sendTo(p, fd, z, destIp(dest), destPort(dest));
  }
  // Across protection domains copy semantics is carried out as an emulated copy (TCOW).
  const how = p.fds.get(fd)!.kind == FileKind.CHANNEL && sem == Sem.COPY ? Sem.EMULATED_COPY : sem;
  const r = ioOutputV(p, how, vas, lens);
  if (r == null) return ioError;
  p.ret0 = r.token;
  return sendTo(p, fd, r, destIp(dest), destPort(dest));
}

// sendto's one-buffer gather list, reused from call to call.
const oneVa = new Array<u32>(1);
const oneLen = new Array<u32>(1);

/** sysSendto: sendto(fd, va, len, flags, ip, port): bytes sent under flags' semantics (token in ret0), or -errno. */
export function sysSendto(p: Proc, fd: i32, va: u32, len: u32, flags: i32, ip: u32, port: i32): i32 {
  const dest = sendCheck(p, fd, flags, ip, port);
  if (dest < 0) return <i32>dest;
  oneVa[0] = va;
  oneLen[0] = len;
  return sendCommon(p, fd, oneVa, oneLen, flags, dest);
}

/** The most buffers one sendv gathers. */
export const IOV_MAX = 16;

/** sendv(fd, iov, count, flags, ip, port): iov is count (va, len) pairs of u32 in user memory. */
export function sysSendv(p: Proc, fd: i32, iov: u32, cnt: i32, flags: i32, ip: u32, port: i32): i32 {
  const dest = sendCheck(p, fd, flags, ip, port);
  if (dest < 0) return <i32>dest;
  if (cnt <= 0 || cnt > IOV_MAX) return -Errno.EINVAL;
  if (!userRange(iov, <u32>cnt * 8)) return -Errno.EFAULT;
  const buf = new StaticArray<u32>(cnt * 2);
  const c = copyin(p, iov, changetype<usize>(buf), <u32>cnt * 8);
  if (c < 0) return c;
  const vas = new Array<u32>(cnt), lens = new Array<u32>(cnt);
  for (let i = 0; i < cnt; i++) {
    vas[i] = buf[2 * i];
    lens[i] = buf[2 * i + 1];
  }
  return sendCommon(p, fd, vas, lens, flags, dest);
}

/** sysRecvfrom: recvfrom(fd, va, len, flags): bytes received (source in ret0 / ret1), -errno, or SYS_BLOCKED / SYS_RESTART. */
export function sysRecvfrom(p: Proc, fd: i32, va: u32, len: u32, flags: i32): i32 {
  const f = p.fds.get(fd);
  if (f == null) return -Errno.EBADF;
  if (f.kind != FileKind.SOCKET && f.kind != FileKind.CHANNEL) return -Errno.ENOTSOCK;
  if ((flags & ~(SEM_MASK | MsgFlag.DONTWAIT)) != 0 || (flags & SEM_MASK) >= Sem.COUNT) return -Errno.EINVAL;
  const sem = semResolve(p, <Sem>(flags & SEM_MASK));
  if (!semSupported(sem)) return -Errno.EOPNOTSUPP;
  // The move semantics receive into a region the kernel picks; va's page offset says where in
  // its first page the data should start.
  if (len > 0 && !moveFamily(sem) && !userRange(va, len)) return -Errno.EFAULT;
  const dontwait = (flags & MsgFlag.DONTWAIT) != 0;
  if (!moveFamily(sem)) {
    const e = inputPrepare(p, va, len, sem);
    if (e < 0) return e;
  }
  if (f.kind == FileKind.CHANNEL) return chanRecv(f.end!, p, va, len, sem, dontwait);
  return sockRecv(f.sock!, p, va, len, sem, dontwait);
}

/** channel() -> fd of end 0; sysret(0) = fd of end 1. */
export function sysChannel(p: Proc): i32 {
  const c = new Chan();
  const f0 = new File(FileKind.CHANNEL, null);
  f0.end = new ChanEnd(c, 0);
  const f1 = new File(FileKind.CHANNEL, null);
  f1.end = new ChanEnd(c, 1);
  const a = p.fds.install(f0);
  if (a < 0) return a;
  const b = p.fds.install(f1);
  if (b < 0) { p.fds.files[a] = null; return b; }
  p.ret0 = b;
  return a;
}

/** sendPrepared: send payload r through fd to dest (what sendCheck returned); bytes or -errno
 *  (r is consumed). */
export function sendPrepared(p: Proc, fd: i32, r: OutReq, dest: i64): i32 {
  return sendTo(p, fd, r, destIp(dest), destPort(dest));
}

/** zcNotify(fd, dontwait): a completed range of fd's MSG_ZEROCOPY sends (kernel/io/zerocopy.ts). */
export function sysZcNotify(p: Proc, fd: i32, dontwait: i32): i32 {
  const s = sock(p, fd);
  if (s == null) return p.fds.get(fd) == null ? -Errno.EBADF : -Errno.ENOTSOCK;
  return zcNotify(s, p, dontwait != 0);
}

/** sysIowait: iowait(token): 0 once the weak-semantics output of token completed, -EINVAL, or SYS_BLOCKED. */
export function sysIowait(p: Proc, token: i32): i32 {
  return tokenWait(p, token);
}

/** sysClose: close(fd): 0, or -EBADF. */
export function sysClose(p: Proc, fd: i32): i32 {
  return p.fds.close(fd);
}
