// kernel/index.ts — the kernel's entry points: everything the host may call.
//
// This is the whole interface between "hardware" (the host: tools/host) and the operating
// system. test/kernel/interface.test.ts checks that the built module exports exactly these
// functions and imports exactly the documented hardware interface; tools/host/kernel.ts types
// them. Addresses and frame numbers are i32; results < 0 are -Errno or -Kill as documented.

import { Access, Counter, Errno, Kill, MAX_CPUS, MAX_FRAMES, MIN_FRAMES, PAGE_SHIFT, ProcField, ProcState, RegionField } from "../base/abi";
import { beginEntry, count, entryNs as stEntryNs } from "../base/stats";
import { alarmFired } from "../base/clock";
import { cpuInit, cpuSet, ncpus } from "../base/cpu";
import { procGet, procs } from "./proc";
import { procExit, procReap, procSpawn } from "./lifecycle";
import { lastProc, syscall as dispatch } from "./syscall";
import { userRange } from "./uio";
import { zioMemcpy } from "./io/zio";
import { framesInit, freeFrames as nFree } from "../vm/frame";
import { ramBase as base, ramFrames } from "../vm/ram";
import { pmapCpus, pmapInit } from "../vm/pmap";
import { tlbEntry as tlbWord, tlbReset } from "../vm/tlb";
import { translate } from "../vm/mmu";
import { checkInit, checkInvariants, checkReport } from "../vm/check";
import { objects } from "../vm/object";
import { indirectPeek } from "../vm/indirect";
import { nicAttach as attachNic, nicIntr, nicReplenish } from "../drivers/nic";
import { MAX_NICS } from "../drivers/nicdev";
import { ioOutputDone } from "./io/index";
import { netAlarm, netExpire, netInput } from "../net/ipin";
import { callBegin, callBlock } from "../fs/wait";
import { hooksRegister } from "./hooks";
import "../fs/mmap"; // the file system's pager: file pages for mappings
import { reasmLimits, REASM_SLOTS, REASM_TIMEOUT_NS } from "../net/reasm";
import { blockAttach, blockInterrupt, blockStatus, blockSubmit } from "../drivers/block";
import { fsInfo as infoFs, fsMessage as mountMessage, fsMount as mountFs, fsUnmount as unmountFs } from "../fs/mount";

export { setCost, countersPtr } from "../base/stats";
export { setClock } from "../base/clock";
/** loopBudget(n): loop turns one kernel entry may take before it panics (0: the default). */
export { spinBudget as loopBudget } from "../base/panic";
export { dropsPtr, fatesPtr } from "../base/drop";
export { setTraceMask } from "../base/trace";
export { frameTablePtr } from "../vm/frame";

let booted = false;

/** boot: bring up a machine with `frames` 4 KiB frames of RAM and `cpus` CPUs; 0 or -EINVAL. */
export function boot(frames: i32, cpus: i32): i32 {
  if (booted) return -Errno.EBUSY;
  if (frames < MIN_FRAMES || frames > MAX_FRAMES || cpus < 1 || cpus > MAX_CPUS) return -Errno.EINVAL;
  cpuInit(cpus);
  framesInit(<u32>frames);
  pmapInit(<u32>frames * 4);
  checkInit(<u32>frames);
  // Reassembly may pin at most a quarter of RAM (at least 2 MiB: one jumbogram's fragments).
  reasmLimits(REASM_SLOTS, max<u32>(2 << 20, (<u32>frames << PAGE_SHIFT) / 4), REASM_TIMEOUT_NS);
  tlbReset();
  hooksRegister();
  booted = true;
  return 0;
}

/** spawn: a new process with an empty address space on cpu; its pid, or -EAGAIN / -EINVAL. */
export function spawn(cpu: i32): i32 {
  if (cpu < 0 || cpu >= ncpus) return -Errno.EINVAL;
  beginEntry();
  const pid = procSpawn(cpu);
  return pid == 0 ? -Errno.EAGAIN : pid;
}

/** syscall: system call nr for pid with arguments a0..a5; value >= 0 or -Errno. */
export function syscall(pid: i32, nr: i32, a0: i32, a1: i32, a2: i32, a3: i32, a4: i32, a5: i32): i32 {
  beginEntry();
  callBegin();
  return dispatch(pid, nr, a0, a1, a2, a3, a4, a5);
}

/** sysret: second result register i (0, 1 or 2) of the last system call. */
export function sysret(i: i32): i32 {
  const p = lastProc;
  if (p == null) return 0;
  return i == 0 ? p.ret0 : i == 1 ? p.ret1 : i == 2 ? p.ret2 : 0;
}

/**
 * uaccess: physical address for an access (Access.READ/WRITE) by pid to va, faulting pages in
 * as the CPU would. If the access cannot be made the process is killed and the result is
 * -Kill reason; a pid that is not alive gives -Kill.KILLED. SYS_RESTART: a file page is being
 * read; the process is BLOCKED until it is in, then the access is made again.
 */
export function uaccess(pid: i32, va: i32, access: i32): i32 {
  beginEntry();
  callBegin();
  const p = procGet(pid);
  if (p == null) return -Kill.KILLED;
  cpuSet(p.cpu);
  const acc: Access = access == Access.WRITE ? Access.WRITE : Access.READ;
  const pa = translate(pid, p.cpu, <u32>va, acc);
  if (pa >= 0) return <i32>pa;
  if (pa == -(<i64>Kill.BLOCKED)) return callBlock(p.pid); // a file page is being read: retry then
  p.killVa = <u32>va;
  p.killAccess = acc;
  procExit(p, -1, <Kill>(<i32>-pa));
  return <i32>pa;
}

/**
 * umemcpy: the application pid copies len bytes from src to dst (memcpy, through zIO's
 * interposed library: kernel/io/zio.ts); no system call is charged. 0, -EINVAL (the ranges
 * overlap), -Kill reason (a bad address: the process is killed, as a memcpy would crash it), or
 * SYS_RESTART (a file page is being read: call again once the process is runnable).
 */
export function umemcpy(pid: i32, dst: i32, src: i32, len: i32): i32 {
  beginEntry();
  callBegin();
  const p = procGet(pid);
  if (p == null) return -Kill.KILLED;
  cpuSet(p.cpu);
  let r = len == 0 ? 0 : !userRange(<u32>dst, <u32>len) || !userRange(<u32>src, <u32>len) ? -Kill.SEGV_UNMAPPED : zioMemcpy(p, <u32>dst, <u32>src, <u32>len);
  if (r >= 0 || r == -Errno.EINVAL) return r;
  if (r == -Kill.BLOCKED) return callBlock(p.pid);
  p.killVa = <u32>dst;
  p.killAccess = Access.WRITE;
  procExit(p, -1, <Kill>(-r));
  return r;
}

/** kill: end process pid (reason KILLED); 0 or -ESRCH. */
export function kill(pid: i32): i32 {
  const p = procGet(pid);
  if (p == null) return -Errno.ESRCH;
  beginEntry();
  cpuSet(p.cpu);
  procExit(p, -1, Kill.KILLED);
  return 0;
}

/** reap: free the slot of a dead process; its exit status, or -ESRCH if pid is not dead. */
export function reap(pid: i32): i32 {
  const r = procReap(pid);
  return r == -1 && !(pid > 0 && pid < procs.length) ? -Errno.ESRCH : r;
}

/** entryNs: simulated CPU time charged by the last kernel entry, in nanoseconds. */
export function entryNs(): f64 {
  return stEntryNs;
}

/** ramBase: where physical RAM (pa 0) sits in linear memory. */
export function ramBase(): usize { return base; }
/** ramBytes: the size of physical RAM in bytes. */
export function ramBytes(): i32 { return <i32>(ramFrames << PAGE_SHIFT); }

/** freeFrames: frames on the free list. */
export function freeFrames(): i32 { return <i32>nFree; }

/** procInfo: field f (ProcField) of process pid; -ESRCH if the slot is unused. */
export function procInfo(pid: i32, f: i32): i32 {
  if (pid <= 0 || pid >= procs.length) return -Errno.ESRCH;
  const p = procs[pid];
  if (p.state == ProcState.UNUSED) return -Errno.ESRCH;
  switch (f) {
    case ProcField.STATE: return p.state;
    case ProcField.CPU: return p.cpu;
    case ProcField.PARENT: return p.parent;
    case ProcField.PD: return p.as == null ? 0 : <i32>p.as!.pd;
    case ProcField.KILL: return p.kill;
    case ProcField.KILL_VA: return <i32>p.killVa;
    case ProcField.KILL_ACCESS: return p.killAccess;
    case ProcField.STATUS: return p.status;
    case ProcField.CPU_MASK: return pmapCpus(pid);
    case ProcField.REGIONS: return p.as == null ? 0 : p.as!.regions.length;
    case ProcField.RESULT: return p.result;
    case ProcField.RET0: return p.ret0;
    case ProcField.RET1: return p.ret1;
    case ProcField.RET2: return p.ret2;
  }
  return -Errno.EINVAL;
}

/** regionInfo: field f (RegionField) of region i of pid's address space; -EINVAL if none. */
export function regionInfo(pid: i32, i: i32, f: i32): i32 {
  const p = procGet(pid);
  if (p == null) return -Errno.ESRCH;
  const rs = p.as!.regions;
  if (i < 0 || i >= rs.length) return -Errno.EINVAL;
  const r = rs[i];
  switch (f) {
    case RegionField.START: return <i32>r.start;
    case RegionField.END: return <i32>r.end;
    case RegionField.PROT: return r.prot;
    case RegionField.SHARED: return r.obj.shared ? 1 : 0;
    case RegionField.OBJECT: return <i32>r.obj.id;
    case RegionField.PGOFF: return <i32>r.pgoff;
  }
  return -Errno.EINVAL;
}

/** objectPage: frame at page idx of memory object id (0 if not materialised), or -EINVAL. */
export function objectPage(id: i32, idx: i32): i32 {
  if (id <= 0 || id >= objects.length) return -Errno.EINVAL;
  const o = objects[id];
  if (o == null || idx < 0 || <u32>idx >= o.npages) return -Errno.EINVAL;
  return <i32>o.pages[idx];
}

/** objectOwed: the source frame page idx of memory object id is owed an elided copy of (zIO,
 *  vm/indirect.ts), 0 if it owes none, or -EINVAL. */
export function objectOwed(id: i32, idx: i32): i32 {
  if (id <= 0 || id >= objects.length) return -Errno.EINVAL;
  const o = objects[id];
  if (o == null || idx < 0 || <u32>idx >= o.npages) return -Errno.EINVAL;
  return <i32>indirectPeek(o, <u32>idx);
}

/** tlbEntry: word k (0 tag = asid<<20|vpn, 1 pte) of TLB entry i on cpu, for inspection. */
export function tlbEntry(cpu: i32, i: i32, k: i32): i32 {
  if (cpu < 0 || cpu >= ncpus || i < 0 || i >= 64 || k < 0 || k > 1) return 0;
  return <i32>tlbWord(cpu, i, k);
}

/** check: run the invariant check (with scrub, every clean free frame is verified zero). */
export function check(scrub: i32): i32 {
  return checkInvariants(scrub != 0);
}

/** checkMessage: the report of the last check, as an AssemblyScript string pointer. */
export function checkMessage(): string {
  return checkReport();
}

/**
 * collect: free the kernel heap's objects that nothing references any more. The kernel is built
 * with AssemblyScript's minimal runtime (asconfig.json), which keeps no shadow stack of
 * references, so garbage is collected only here: the host calls it between kernel calls, never
 * from inside one (Machine.call).
 */
export function collect(): void {
  __collect();
}

// ---- Block device (drivers/block.ts) ---------------------------------------------------------

/** diskAttach: a disk of `blocks` 4 KiB blocks is present; the pa of its request ring, or -EBUSY / -EINVAL / -ENOMEM. */
export function diskAttach(blocks: i32): i32 {
  beginEntry();
  cpuSet(0);
  return blockAttach(<u32>blocks);
}

/** diskSubmit: queue a DiskOp of one block to/from frame; request id > 0, or -ENODEV / -EINVAL / -EAGAIN. */
export function diskSubmit(op: i32, block: i32, frame: i32): i32 {
  beginEntry();
  cpuSet(0);
  return blockSubmit(op, <u32>block, <u32>frame);
}

/** diskStatus: 1 while request id is pending, then 0 / -EIO / -EINVAL; -ERANGE if unknown or forgotten. */
export function diskStatus(id: i32): i32 {
  return blockStatus(id);
}

/** diskInterrupt: the disk's completion interrupt (CPU 0); the number of requests completed. */
export function diskInterrupt(): i32 {
  beginEntry();
  cpuSet(0);
  return blockInterrupt();
}

// ---- File system (fs/) ----------------------------------------------------------------------

/** fsMount: mount the disk's file system (MountFlag bits); 0, SYS_RESTART (call again once the
 *  disk is idle), or -errno with fsMessage() saying why. */
export function fsMount(flags: i32): i32 {
  beginEntry();
  cpuSet(0);
  return mountFs(flags);
}

/** fsUnmount: write everything back and unmount; 0, SYS_RESTART (call again once the disk is
 *  idle), -EBUSY (files open) or -EINVAL (nothing mounted). */
export function fsUnmount(): i32 {
  beginEntry();
  cpuSet(0);
  return unmountFs();
}

/** fsMessage: why the last mount / unmount was refused, as an AssemblyScript string pointer. */
export function fsMessage(): string {
  return mountMessage();
}

/** fsInfo: field f (FsInfo) of the file system's state; -EINVAL for an unknown field. */
export function fsInfo(f: i32): i32 {
  return infoFs(f);
}

/** nicAttach: NIC id (0..1) with this MTU, NicFeature bits and IPv4 address; 0 or -errno. */
export function nicAttach(id: i32, mtu: i32, features: i32, ip: i32): i32 {
  if (id < 0 || id >= MAX_NICS || mtu < 68 || mtu > 65535) return -Errno.EINVAL;
  beginEntry();
  return attachNic(id, <u32>mtu, features, <u32>ip);
}

/** nicInterrupt: the interrupt of NIC id (runs on CPU 0): completions, then received packets. */
export function nicInterrupt(id: i32): void {
  beginEntry();
  cpuSet(0);
  netExpire();
  nicIntr(id, ioOutputDone, netInput);
  netAlarm();
}

/** timerInterrupt: the alarm the kernel set went off (runs on CPU 0): reassembly timeouts
 *  (their frames may refill a receive ring that ran short). */
export function timerInterrupt(): void {
  beginEntry();
  cpuSet(0);
  alarmFired();
  count(Counter.Interrupts);
  netExpire();
  nicReplenish();
  netAlarm();
}
