// kernel/proc.ts — the process table.
//
// A process is an address space plus the bookkeeping of its life. Its program runs on the
// host (a test, the CLI, the playground), which enters the kernel for it through syscall()
// and uaccess(). Each process runs on one CPU; its pid is also the ASID of its address space.
//
//   UNUSED --spawn/fork--> RUNNABLE <--> BLOCKED
//                             |  exit, or a fatal fault (killed with a reason)
//                             v
//                          ZOMBIE --wait/reap--> UNUSED      (no frames held while ZOMBIE)
//
// The transitions of a process's life are kernel/lifecycle.ts; blocking and waking, here.

import { Kill, MAX_PROCS, ProcState, Sem } from "../base/abi";
import { hostWake } from "../base/host";
import { AddrSpace } from "../vm/aspace";
import { FdTable } from "./file";

export class Proc {
  state: ProcState = ProcState.UNUSED;
  cpu: i32 = 0;
  parent: i32 = 0;
  as: AddrSpace | null = null;
  status: i32 = 0;
  kill: Kill = Kill.NONE;
  killVa: u32 = 0;
  killAccess: i32 = 0;
  fds: FdTable = new FdTable();
  /** Semantics of data-passing calls that name none (Sem.DEFAULT). */
  defaultSem: Sem = Sem.COPY;
  /** zIO (kernel/io/zio.ts): memcpy elides copies of at least this many bytes (0: never), and
   *  stops eliding into a buffer where faults make it lose (policy). */
  zioThreshold: u32 = 0;
  zioPolicy: bool = true;
  /** Results of a blocking call completed while BLOCKED. */
  result: i32 = 0;
  ret0: i32 = 0;
  ret1: i32 = 0;
  ret2: i32 = 0;
  constructor(public pid: i32) {}
}

export const procs = new StaticArray<Proc>(MAX_PROCS + 1);
for (let i = 0; i <= MAX_PROCS; i++) procs[i] = new Proc(i);

/** procGet: the live (not UNUSED, not ZOMBIE) process pid, or null. */
export function procGet(pid: i32): Proc | null {
  if (pid <= 0 || pid > MAX_PROCS) return null;
  const p = unchecked(procs[pid]);
  return p.state == ProcState.RUNNABLE || p.state == ProcState.BLOCKED ? p : null;
}

/** procSleep: pid's call waits (BLOCKED) for what the layer below lacks (fs/wait.ts hook). */
export function procSleep(pid: i32): void {
  unchecked(procs[pid]).state = ProcState.BLOCKED;
}

/** procWake: what pid waited for is ready: if it still waits it runs again (fs/wait.ts hook). */
export function procWake(pid: i32): void {
  const p = unchecked(procs[pid]);
  if (p.state == ProcState.BLOCKED) {
    p.state = ProcState.RUNNABLE;
    hostWake(pid);
  }
}
