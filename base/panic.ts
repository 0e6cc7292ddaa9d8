// base/panic.ts — a kernel bug: stop the machine with a message naming the function.
//
// A panic is never a process's fault: bad arguments return an Errno, bad accesses kill the
// process. A panic means a kernel invariant broke; the host sees a KernelPanic error.

/** panic: abort with msg ("function: what went wrong"). Never returns. */
export function panic(msg: string): void {
  abort("panic: " + msg);
}

// ---- The loop budget: no kernel entry runs forever ------------------------------------------
//
// Every loop whose end depends on kernel state (a list walk, a retry, a page range, a ring)
// calls spin("file function") once per turn. setClock, which the host calls at the start of
// every kernel entry, refills the budget; a loop still turning when it is spent panics with its
// location. So a kernel that would not return is reported — a KernelPanic naming the loop —
// instead of freezing the host (a host-side watchdog cannot stop WebAssembly that never
// yields: the page or the Node process would hang with it). docs/reliability.md.

/** LOOP_BUDGET: loop turns one kernel entry may take (far above any legitimate entry). */
export const LOOP_BUDGET: u32 = 1 << 26;

let budget: u32 = LOOP_BUDGET;
let turns: u32 = LOOP_BUDGET;

/** spinRefill: a kernel entry begins: the whole budget again. */
export function spinRefill(): void {
  turns = budget;
}

/** spinBudget: loop turns per entry from now on (tests lower it; 0 = LOOP_BUDGET). */
export function spinBudget(n: u32): void {
  budget = n == 0 ? LOOP_BUDGET : n;
  turns = budget;
}

/** spin: one more turn of a loop at where; panics when the entry's budget is spent. */
// @ts-ignore: decorator
@inline export function spin(where: string): void {
  if (turns == 0) panic(where + ": loop budget of " + budget.toString() + " turns spent in one kernel entry (the kernel would not return)");
  turns--;
}
