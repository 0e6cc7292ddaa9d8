// base/panic.ts — a kernel bug: stop the machine with a message naming the function.
//
// A panic is never a process's fault: bad arguments return an Errno, bad accesses kill the
// process. A panic means a kernel invariant broke; the host sees a KernelPanic error.

/** panic: abort with msg ("function: what went wrong"). Never returns. */
export function panic(msg: string): void {
  abort("panic: " + msg);
}
