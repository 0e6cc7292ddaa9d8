// kernel/lifecycle.ts — a process's life: spawned or forked, exited (or killed), reaped.
//
//   UNUSED --spawn/fork--> RUNNABLE ... --exit / fatal fault--> ZOMBIE --wait/reap--> UNUSED
//
// Exit lets go of everything the process held, in every layer: its receives and sockets, its
// completion tokens, its file-system waits, its descriptors, its address space. Each layer
// forgets the pid there too, so that what is still in flight (an output, a disk read) completes
// without reaching the next process given the pid: slot() hands out the lowest free one.

import { Counter, Ev, Kill, MAX_PROCS, ProcState, Sem } from "../base/abi";
import { count } from "../base/stats";
import { trace } from "../base/trace";
import { ncpus } from "../base/cpu";
import { AddrSpace, asCreate, asDestroy, asFork } from "../vm/aspace";
import { sockForget } from "../net/socket";
import { fsForget } from "../fs/wait";
import { FdTable } from "./file";
import { tokensForget } from "./io/notify";
import { chanForget } from "./ipc";
import { outReqForget } from "../drivers/outreq";
import { iolForget } from "./io/iolite";
import { Proc, procs } from "./proc";

function slot(): Proc | null {
  for (let i = 1; i <= MAX_PROCS; i++) if (unchecked(procs[i]).state == ProcState.UNUSED) return unchecked(procs[i]);
  return null;
}

function born(p: Proc, parent: i32, cpu: i32, as: AddrSpace): void {
  p.state = ProcState.RUNNABLE;
  p.cpu = cpu;
  p.parent = parent;
  p.as = as;
  p.status = 0;
  p.kill = Kill.NONE;
  p.killVa = 0;
  p.killAccess = 0;
  p.result = p.ret0 = p.ret1 = p.ret2 = 0; // none of the slot's last process's results
  p.fds = new FdTable();
  p.defaultSem = Sem.COPY;
  p.zioThreshold = 0;
  p.zioPolicy = true;
  count(Counter.ProcsCreated);
  trace(Ev.ProcCreate, p.pid, parent);
}

/** procSpawn: a new process with an empty address space on cpu; its pid, or 0 if none free. */
export function procSpawn(cpu: i32): i32 {
  const p = slot();
  if (p == null || cpu < 0 || cpu >= ncpus) return 0;
  const as = asCreate(p.pid);
  if (as == null) return 0;
  born(p, 0, cpu, as);
  return p.pid;
}

/** procFork: a copy of parent sharing its frames copy-on-write; child pid, or 0 (nothing kept). */
export function procFork(parent: Proc): i32 {
  const c = slot();
  if (c == null) return 0;
  const as = asCreate(c.pid);
  if (as == null) return 0;
  if (asFork(parent.as!, as) < 0) {
    asDestroy(as);
    return 0;
  }
  born(c, parent.pid, parent.cpu, as);
  c.fds = parent.fds.copy();
  c.defaultSem = parent.defaultSem;
  c.zioThreshold = parent.zioThreshold;
  c.zioPolicy = parent.zioPolicy;
  return c.pid;
}

/** procExit: end p with status and reason; every frame it held is released. */
export function procExit(p: Proc, status: i32, why: Kill): void {
  sockForget(p.pid);
  tokensForget(p.pid);
  fsForget(p.pid);
  chanForget(p);
  outReqForget(p.pid);
  p.fds.closeAll();
  iolForget(p);
  if (p.as != null) asDestroy(p.as!);
  p.as = null;
  p.state = ProcState.ZOMBIE;
  p.status = status;
  p.kill = why;
  count(Counter.ProcsExited);
  trace(Ev.ProcExit, p.pid, why, status);
  for (let i = 1; i <= MAX_PROCS; i++) {
    const c = unchecked(procs[i]);
    if (c.parent == p.pid && c.state != ProcState.UNUSED) c.parent = 0; // orphans go to the host
  }
}

/** procReap: free the slot of zombie pid; its exit status, or -1 if pid is not a zombie. */
export function procReap(pid: i32): i32 {
  if (pid <= 0 || pid > MAX_PROCS) return -1;
  const p = unchecked(procs[pid]);
  if (p.state != ProcState.ZOMBIE) return -1;
  p.state = ProcState.UNUSED;
  p.parent = 0;
  return p.status;
}
