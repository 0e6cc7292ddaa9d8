// kernel/io/notify.ts — completion notifications for the weak semantics.
//
// With share, emulated share, weak move and emulated weak move the application lends its
// buffer to the device and must not touch it until the output completes. sendto returns at
// once with a token (its second result); iowait(token) returns when that output is done
// (waiting if need be). A token is the application's own: another process cannot wait on it,
// nor one given its pid after it exited (tokensForget).
//
//   token: | state (pending/done) | owner pid | waiting? |

import { Counter, Errno, ProcState, Sem, SYS_BLOCKED } from "../../base/abi";
import { count } from "../../base/stats";
import { Proc, procs } from "../proc";
import { hostWake } from "../../base/host";

const PENDING: u8 = 1;
const DONE: u8 = 2;

const state = new Array<u8>();
const owner = new Array<i32>();
const waiting = new Array<bool>();
const freeTokens = new Array<i32>();

/** weak: does sem give the application a completion to wait for? */
export function weak(sem: Sem): bool {
  return sem == Sem.SHARE || sem == Sem.EMULATED_SHARE || sem == Sem.WEAK_MOVE || sem == Sem.EMULATED_WEAK_MOVE;
}

/** tokenNew: a pending completion owned by pid; its token (> 0). */
export function tokenNew(pid: i32): i32 {
  let t: i32;
  if (freeTokens.length > 0) t = freeTokens.pop();
  else {
    t = state.length;
    state.push(0);
    owner.push(0);
    waiting.push(false);
  }
  state[t] = PENDING;
  owner[t] = pid;
  waiting[t] = false;
  return t + 1;
}

function forget(i: i32): void {
  state[i] = 0;
  owner[i] = 0;
  waiting[i] = false;
  freeTokens.push(i);
}

/** tokenDone: the output of token t completed: wake its owner if it waits. */
export function tokenDone(t: i32): void {
  const i = t - 1;
  if (i < 0 || i >= state.length || state[i] != PENDING) return;
  const pid = owner[i];
  if (pid == 0) { forget(i); return; } // its owner exited (tokensForget): nobody is told
  const p = procs[pid];
  if (waiting[i] && p.state == ProcState.BLOCKED) {
    forget(i);
    p.result = 0;
    p.state = ProcState.RUNNABLE;
    count(Counter.Notifications);
    hostWake(pid);
    return;
  }
  state[i] = DONE; // until its owner collects it (iowait) or exits
}

/** tokenWait: iowait(t) by p: 0 if done, SYS_BLOCKED while pending, -EINVAL if not p's token. */
export function tokenWait(p: Proc, t: i32): i32 {
  const i = t - 1;
  if (i < 0 || i >= state.length || state[i] == 0 || owner[i] != p.pid) return -Errno.EINVAL;
  if (state[i] == DONE) {
    forget(i);
    count(Counter.Notifications);
    return 0;
  }
  if (waiting[i]) return -Errno.EBUSY;
  waiting[i] = true;
  p.state = ProcState.BLOCKED;
  return SYS_BLOCKED;
}

/** tokensForget: pid exited: its completed tokens go; its pending ones are nobody's (their
 *  outputs still hold them: the number is not given out again until the output completes), so
 *  neither a wake nor a completion reaches a process given the pid later. */
export function tokensForget(pid: i32): void {
  for (let i = 0; i < state.length; i++) {
    if (owner[i] != pid) continue;
    if (state[i] == DONE) forget(i);
    else { owner[i] = 0; waiting[i] = false; }
  }
}
