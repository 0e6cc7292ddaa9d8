// kernel/sysnet.ts — the socket system calls: argument checks, then net/ and kernel/io/.
//
//   sendto(fd, va, len, flags, ip, port): the semantics (flags & SEM_MASK) turns the buffer into
//     an output request (kernel/io); UDP sends it; the call returns when it is handed to the NIC
//   recvfrom(fd, va, len, flags): a queued datagram is delivered at once; otherwise the process
//     waits (BLOCKED) and the datagram is delivered into its buffer when it arrives

import { Errno, MsgFlag, SEM_MASK, Sem, SYS_BLOCKED } from "./abi";
import { Proc } from "./proc";
import { File, FileKind } from "./file";
import { userRange } from "./syscall";
import { ioError, ioOutput, ioOutputDone, semResolve, semSupported } from "./io/index";
import { Socket, sockBind, sockNew, sockRecv } from "../net/socket";
import { moveFamily } from "./io/move";
import { tokenWait } from "./io/notify";
import { udpOutput } from "../net/udpout";
import { MAX_NICS, Nic, nics } from "../drivers/nic";
import { JUMBO_MAX_DATA } from "../net/jumbo";

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

export function sysSocket(p: Proc): i32 {
  return p.fds.install(new File(FileKind.SOCKET, sockNew()));
}

export function sysBind(p: Proc, fd: i32, port: i32): i32 {
  const s = sock(p, fd);
  if (s == null) return p.fds.get(fd) == null ? -Errno.EBADF : -Errno.ENOTSOCK;
  if (port < 0 || port > 65535) return -Errno.EINVAL;
  return sockBind(s, <u32>port);
}

export function sysConnect(p: Proc, fd: i32, ip: u32, port: i32): i32 {
  const s = sock(p, fd);
  if (s == null) return p.fds.get(fd) == null ? -Errno.EBADF : -Errno.ENOTSOCK;
  if (port <= 0 || port > 65535 || ip == 0) return -Errno.EINVAL;
  s.peerIp = ip;
  s.peerPort = <u32>port;
  return 0;
}

export function sysSendto(p: Proc, fd: i32, va: u32, len: u32, flags: i32, ip: u32, port: i32): i32 {
  const s = sock(p, fd);
  if (s == null) return p.fds.get(fd) == null ? -Errno.EBADF : -Errno.ENOTSOCK;
  if ((flags & ~(SEM_MASK | MsgFlag.DONTWAIT)) != 0 || (flags & SEM_MASK) >= Sem.COUNT) return -Errno.EINVAL;
  if (ip == 0) {
    if (s.peerIp == 0) return -Errno.ENOTCONN;
    ip = s.peerIp;
    port = <i32>s.peerPort;
  }
  if (port <= 0 || port > 65535) return -Errno.EINVAL;
  if (len > JUMBO_MAX_DATA) return -Errno.EMSGSIZE;
  if (len > 0 && !userRange(va, len)) return -Errno.EFAULT;
  const sem = semResolve(p, <Sem>(flags & SEM_MASK));
  if (!semSupported(sem)) return -Errno.EOPNOTSUPP;
  const n = route(ip);
  if (n == null) return -Errno.ENETUNREACH;
  if (s.port == 0) {
    const e = sockBind(s, 0);
    if (e < 0) return e;
  }
  const r = ioOutput(p, sem, va, len);
  if (r == null) return ioError;
  p.ret0 = r.token;
  r.pending++; // held while the packets are queued
  const e = udpOutput(n, s.port, ip, <u32>port, r);
  if (--r.pending == 0) ioOutputDone(r); // nothing queued (error) or already sent
  return e < 0 ? e : <i32>len;
}

export function sysRecvfrom(p: Proc, fd: i32, va: u32, len: u32, flags: i32): i32 {
  const s = sock(p, fd);
  if (s == null) return p.fds.get(fd) == null ? -Errno.EBADF : -Errno.ENOTSOCK;
  if ((flags & ~(SEM_MASK | MsgFlag.DONTWAIT)) != 0 || (flags & SEM_MASK) >= Sem.COUNT) return -Errno.EINVAL;
  const sem = semResolve(p, <Sem>(flags & SEM_MASK));
  if (!semSupported(sem)) return -Errno.EOPNOTSUPP;
  // The move semantics receive into a region the kernel picks: va is not used.
  if (len > 0 && !moveFamily(sem) && !userRange(va, len)) return -Errno.EFAULT;
  const r = sockRecv(s, p, va, len, sem, (flags & MsgFlag.DONTWAIT) != 0);
  return r == SYS_BLOCKED ? SYS_BLOCKED : r;
}

export function sysIowait(p: Proc, token: i32): i32 {
  return tokenWait(p, token);
}

export function sysClose(p: Proc, fd: i32): i32 {
  return p.fds.close(fd);
}
