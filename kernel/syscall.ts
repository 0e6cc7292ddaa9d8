// kernel/syscall.ts — system-call dispatch and argument checking.
//
// syscall(pid, nr, a0..a5) -> value >= 0, or -Errno. Every argument is checked before anything
// changes: a bad call returns its error and leaves the process and the machine as they were.
// Second results go to the process's ret0 / ret1 (read with the sysret export).

import { Counter, Errno, Ev, Kill, MapFlag, PAGE_MASK, ProcState, Prot, Sys, USER_BASE, USER_TOP, MAX_PROCS } from "../base/abi";
import { count } from "../base/stats";
import { trace } from "../base/trace";
import { cpuSet, ncpus } from "../base/cpu";
import { Proc, procGet, procs } from "./proc";
import { procExit, procFork, procReap } from "./lifecycle";
import { asCovered, asMapAnon, asMayProtect, asIsFree, asProtect, asUnmap } from "../vm/aspace";
import { pmapRunsOn } from "../vm/pmap";
import { pswap } from "../vm/pswap";
import { userRange } from "./uio";
import { sysMmapFile, sysMsync } from "./sysmmap";
import { sysSocket, sysBind, sysConnect, sysSendto, sysSendv, sysRecvfrom, sysClose, sysIowait, sysChannel, sysZcNotify } from "./sysnet";
import { fileResident } from "./io/resident";
import { zioConfig } from "./io/zio";
import { isPipe, sysPipe, sysPipeIo, sysSendfile, sysSplice, sysVmsplice } from "./syssplice";
import { sysIolAlloc, sysIolFree, sysIolPool, sysIolRead, sysIolWrite } from "./sysiolite";
import { sysFsync, sysFstat, sysFtruncate, sysLseek, sysMkdir, sysOpen, sysRead, sysReaddir, sysStat, sysUnlink, sysWrite } from "./sysfs";

/** The process of the last system call (its ret0 / ret1 are the second result registers). */
export let lastProc: Proc | null = null;

function pageRound(len: u32): u32 {
  return <u32>((<u64>len + PAGE_MASK) & ~(<u64>PAGE_MASK));
}

// mmap(hint, len, prot, flags, fd, pageOffset): anonymous memory for now; files come with fs/.
function sysMmap(p: Proc, hint: u32, len: u32, prot: i32, flags: i32, fd: i32, pgoff: i32): i32 {
  if (len == 0) return -Errno.EINVAL;
  if (len > <u32>(USER_TOP - USER_BASE)) return -Errno.ENOMEM;
  if ((prot & ~(Prot.READ | Prot.WRITE)) != 0) return -Errno.EINVAL;
  if ((flags & ~(MapFlag.PRIVATE | MapFlag.SHARED | MapFlag.FIXED)) != 0) return -Errno.EINVAL;
  const share = flags & (MapFlag.PRIVATE | MapFlag.SHARED);
  if (share != MapFlag.PRIVATE && share != MapFlag.SHARED) return -Errno.EINVAL;
  if (fd == -1 && pgoff != 0) return -Errno.EINVAL;
  const size = pageRound(len);
  let fixed = (flags & MapFlag.FIXED) != 0;
  if (fixed && ((hint & PAGE_MASK) != 0 || !userRange(hint, size))) return -Errno.EINVAL;
  // A free, aligned hint is honoured; otherwise the kernel chooses.
  if (!fixed && hint != 0 && (hint & PAGE_MASK) == 0 && userRange(hint, size) && asIsFree(p.as!, hint, hint + size))
    fixed = true;
  if (fd != -1) return sysMmapFile(p, hint, size, prot, share == MapFlag.SHARED, fixed, fd, pgoff);
  const at = asMapAnon(p.as!, hint, size, prot, share == MapFlag.SHARED, fixed);
  return <i32>at;
}

function sysMunmap(p: Proc, va: u32, len: u32): i32 {
  if ((va & PAGE_MASK) != 0 || !userRange(va, len)) return -Errno.EINVAL;
  asUnmap(p.as!, va, va + pageRound(len));
  return 0;
}

function sysMprotect(p: Proc, va: u32, len: u32, prot: i32): i32 {
  if ((va & PAGE_MASK) != 0 || !userRange(va, len)) return -Errno.EINVAL;
  if ((prot & ~(Prot.READ | Prot.WRITE)) != 0) return -Errno.EINVAL;
  const end = va + pageRound(len);
  if (!asCovered(p.as!, va, end)) return -Errno.ENOMEM;
  if (!asMayProtect(p.as!, va, end, prot)) return -Errno.EACCES;
  asProtect(p.as!, va, end, prot);
  return 0;
}

function sysSetcpu(p: Proc, cpu: i32): i32 {
  if (cpu < 0 || cpu >= ncpus) return -Errno.EINVAL;
  p.cpu = cpu;
  pmapRunsOn(p.pid, cpu);
  return 0;
}

function sysPswap(p: Proc, a: u32, b: u32, len: u32): i32 {
  if (!userRange(a, len) || !userRange(b, len)) return len == 0 ? -Errno.EINVAL : -Errno.EFAULT;
  // File pages not in memory are read first (the call is made again then): a page is exchanged
  // only once it is resident, and nothing in pswap may wait for the disk.
  let e = fileResident(p, a, len);
  if (e == 0) e = fileResident(p, b, len);
  if (e < 0) return e;
  return pswap(p.as!, p.cpu, a, b, len);
}

function sysWait(p: Proc, pid: i32): i32 {
  if (pid <= 0 || pid > MAX_PROCS) return -Errno.ECHILD;
  const c = unchecked(procs[pid]);
  if (c.parent != p.pid || c.state == ProcState.UNUSED) return -Errno.ECHILD;
  if (c.state != ProcState.ZOMBIE) return -Errno.EAGAIN;
  p.ret0 = c.status;
  p.ret1 = c.kill;
  procReap(pid);
  return 0;
}

/** syscall: run system call nr for process pid on its CPU; a value >= 0 or -Errno. */
export function syscall(pid: i32, nr: i32, a0: i32, a1: i32, a2: i32, a3: i32, a4: i32, a5: i32): i32 {
  const p = procGet(pid);
  if (p == null) return -Errno.ESRCH;
  cpuSet(p.cpu);
  pmapRunsOn(pid, p.cpu);
  count(Counter.Syscalls);
  lastProc = p;
  p.ret0 = 0;
  p.ret1 = 0;
  p.ret2 = 0;
  let r: i32;
  switch (nr) {
    case Sys.GETPID: r = pid; break;
    case Sys.EXIT: procExit(p, a0, Kill.EXITED); r = 0; break;
    case Sys.FORK: { const c = procFork(p); r = c == 0 ? -Errno.ENOMEM : c; break; }
    case Sys.MMAP: r = sysMmap(p, <u32>a0, <u32>a1, a2, a3, a4, a5); break;
    case Sys.MUNMAP: r = sysMunmap(p, <u32>a0, <u32>a1); break;
    case Sys.MPROTECT: r = sysMprotect(p, <u32>a0, <u32>a1, a2); break;
    case Sys.SETCPU: r = sysSetcpu(p, a0); break;
    case Sys.WAIT: r = sysWait(p, a0); break;
    case Sys.SOCKET: r = sysSocket(p); break;
    case Sys.BIND: r = sysBind(p, a0, a1); break;
    case Sys.CONNECT: r = sysConnect(p, a0, <u32>a1, a2); break;
    case Sys.SENDTO: r = sysSendto(p, a0, <u32>a1, <u32>a2, a3, <u32>a4, a5); break;
    case Sys.RECVFROM: r = sysRecvfrom(p, a0, <u32>a1, <u32>a2, a3); break;
    case Sys.CLOSE: r = sysClose(p, a0); break;
    case Sys.IOWAIT: r = sysIowait(p, a0); break;
    case Sys.SENDV: r = sysSendv(p, a0, <u32>a1, a2, a3, <u32>a4, a5); break;
    case Sys.CHANNEL: r = sysChannel(p); break;
    case Sys.PSWAP: r = sysPswap(p, <u32>a0, <u32>a1, <u32>a2); break;
    case Sys.MSYNC: r = sysMsync(p, <u32>a0, <u32>a1); break;
    case Sys.OPEN: r = sysOpen(p, <u32>a0, <u32>a1, a2); break;
    case Sys.READ: r = isPipe(p, a0) ? sysPipeIo(p, a0, <u32>a1, <u32>a2, a3, false) : sysRead(p, a0, <u32>a1, <u32>a2, a3); break;
    case Sys.WRITE: r = isPipe(p, a0) ? sysPipeIo(p, a0, <u32>a1, <u32>a2, a3, true) : sysWrite(p, a0, <u32>a1, <u32>a2, a3); break;
    case Sys.PIPE: r = sysPipe(p); break;
    case Sys.VMSPLICE: r = sysVmsplice(p, a0, <u32>a1, <u32>a2); break;
    case Sys.SPLICE: r = sysSplice(p, a0, a1, <u32>a2, a3, a4); break;
    case Sys.SENDFILE: r = sysSendfile(p, a0, a1, <u32>a2, a3, a4); break;
    case Sys.ZC_NOTIFY: r = sysZcNotify(p, a0, a1); break;
    case Sys.ZIO_CONFIG: r = zioConfig(p, <u32>a0, a1 != 0); break;
    case Sys.IOL_POOL: r = sysIolPool(p); break;
    case Sys.IOL_ALLOC: r = sysIolAlloc(p, a0, <u32>a1); break;
    case Sys.IOL_READ: r = sysIolRead(p, a0, <u32>a1, a2, <u32>a3, a4, a5); break;
    case Sys.IOL_WRITE: r = sysIolWrite(p, a0, <u32>a1, a2, <u32>a3, a4); break;
    case Sys.IOL_FREE: r = sysIolFree(p, <u32>a0, a1); break;
    case Sys.LSEEK: r = sysLseek(p, a0, a1, a2, a3); break;
    case Sys.FTRUNCATE: r = sysFtruncate(p, a0, a1, a2); break;
    case Sys.UNLINK: r = sysUnlink(p, <u32>a0, <u32>a1); break;
    case Sys.MKDIR: r = sysMkdir(p, <u32>a0, <u32>a1); break;
    case Sys.READDIR: r = sysReaddir(p, a0, <u32>a1, <u32>a2); break;
    case Sys.STAT: r = sysStat(p, <u32>a0, <u32>a1, <u32>a2); break;
    case Sys.FSTAT: r = sysFstat(p, a0, <u32>a1); break;
    case Sys.FSYNC: r = sysFsync(p, a0); break;
    default: r = -Errno.ENOSYS;
  }
  trace(Ev.Syscall, pid, nr, r);
  return r;
}
