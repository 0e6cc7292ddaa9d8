// fs/wait.ts — restartable file-system calls: what a call lacks, and who sleeps until when.
//
// A file-system call never waits inside the kernel. It looks up everything it needs first; when
// a block is not in memory it starts the read, notes the request it must wait for, and goes on
// looking (so one wait covers several reads). Only when every lookup succeeded does it change
// anything, and changes never wait. So a call that ends with SYS_RESTART has changed nothing:
//
//   call ---> lookups ---all present---> changes (never block) ---> result
//               |
//               +--- something missing: reads started, missReq(id) / missGen(gen)
//                    ---> SYS_RESTART: the process is BLOCKED until disk request `id` has
//                         completed (requests complete in order) or log commit `gen` has
//                         finished; then RUNNABLE (host.wake) and the host issues the call again
//
// Functions that look things up return a value >= 0, -Errno, or SYS_RESTART (always < -4096),
// so `if (r < 0) return r;` passes both failures and restarts up to the system call.

import { Errno, Ev, SYS_RESTART } from "../base/abi";
import { trace } from "../base/trace";
import { panic } from "../base/panic";
import { blockPending } from "../drivers/block";

/** The last disk request the file system saw complete (they complete in submission order). */
export let doneId: u32 = 0;
/** Log commits finished (fs/log.ts); commit number g is finished when commitsDone >= g. */
export let commitsDone: u32 = 0;
/** The error of the last lookup that returned null (an Inode lookup): -Errno or SYS_RESTART. */
export let fsErr: i32 = 0;

let missed = false;
let needReq: u32 = 0;
let needGen: u32 = 0;
let changing = false;

/** callBegin: a new call (or a restart of one) starts with nothing missing. */
export function callBegin(): void {
  missed = false;
  needReq = 0;
  needGen = 0;
  changing = false;
}

/** missReq: the call lacks what request id brings; SYS_RESTART. */
export function missReq(id: u32): i32 {
  if (changing) panic("fs: a block was missing while the file system was being changed");
  missed = true;
  if (id > needReq) needReq = id;
  return SYS_RESTART;
}

/** missGen: the call must wait until log commit gen has finished; SYS_RESTART. */
export function missGen(gen: u32): i32 {
  if (changing) panic("fs: waiting for a commit while the file system was being changed");
  missed = true;
  if (gen > needGen) needGen = gen;
  return SYS_RESTART;
}

/** missAny: the call needs memory or a ring slot: wait for the next completion; SYS_RESTART,
 *  or -ENOMEM when no request is in flight (nothing could ever free what it needs). */
export function missAny(): i32 {
  if (blockPending() == 0) return -Errno.ENOMEM;
  return missReq(doneId + 1);
}

/** fail: record error e (for lookups that return an object) and return null. */
export function fail<T>(e: i32): T | null {
  fsErr = e;
  return null;
}

// changeBegin / changeEnd bracket the part of a call that changes the file system; a lookup
// that would miss in between is a bug (its caller did not look it up first).
/** changeBegin: the call starts changing the file system (no lookup may miss from here). */
export function changeBegin(): void {
  changing = true;
}
/** changeEnd: the call is done changing the file system. */
export function changeEnd(): void {
  changing = false;
}

/** noteDone: disk request id completed (called by the completion handler first). */
export function noteDone(id: u32): void {
  if (id > doneId) doneId = id;
}

/** noteCommitted: a log commit finished (successfully or not). */
export function noteCommitted(): void {
  commitsDone++;
}

// Blocked processes and what each waits for.
const sleepPid = new Array<i32>();
const sleepReq = new Array<u32>();
const sleepGen = new Array<u32>();

// ---- Hooks: registered at boot by the process layer (kernel/hooks.ts) ------------------------

/** sleepHook(pid): process pid's call waits for the file system (pid BLOCKED). */
let sleepHook: (pid: i32) => void = noSleep;
/** wakeHook(pid): what pid waited for is ready: if it is still BLOCKED it runs again (host.wake). */
let wakeHook: (pid: i32) => void = noWake;

function noSleep(pid: i32): void {
  panic("callBlock: no sleep hook registered");
}
function noWake(pid: i32): void {
  panic("wakeup: no wake hook registered");
}

/** fsWaitRegister: how a process is put to sleep and woken for the file system. */
export function fsWaitRegister(sleep: (pid: i32) => void, wake: (pid: i32) => void): void {
  sleepHook = sleep;
  wakeHook = wake;
}

/** callBlock: block process pid until what its call missed is ready; SYS_RESTART. */
export function callBlock(pid: i32): i32 {
  if (!missed) panic("callBlock: the call missed nothing");
  sleepHook(pid);
  sleepPid.push(pid);
  sleepReq.push(needReq);
  sleepGen.push(needGen);
  trace(Ev.FsBlock, pid, <i32>needReq, <i32>needGen);
  wakeup(); // already satisfied (rare): runnable at once
  return SYS_RESTART;
}

/** wakeup: make runnable every process whose request or commit has completed. */
export function wakeup(): void {
  for (let i = 0; i < sleepPid.length; ) {
    const r = unchecked(sleepReq[i]);
    const g = unchecked(sleepGen[i]);
    if ((r != 0 && doneId >= r) || (g != 0 && commitsDone >= g)) {
      const pid = unchecked(sleepPid[i]);
      remove(i);
      wakeHook(pid);
    } else i++;
  }
}

function remove(i: i32): void {
  const last = sleepPid.length - 1;
  unchecked((sleepPid[i] = sleepPid[last]));
  unchecked((sleepReq[i] = sleepReq[last]));
  unchecked((sleepGen[i] = sleepGen[last]));
  sleepPid.pop();
  sleepReq.pop();
  sleepGen.pop();
}

/** fsForget: pid no longer waits for the file system (it died). */
export function fsForget(pid: i32): void {
  for (let i = 0; i < sleepPid.length; ) {
    if (unchecked(sleepPid[i]) == pid) remove(i);
    else i++;
  }
}
