// tools/host/kernel.ts — the hardware/kernel interface: what the host gives the kernel module
// (imports) and what the kernel module gives the host (exports). One list, checked against the
// built module by test/kernel/interface.test.ts: an undocumented import or export fails.

/** Imports the kernel needs from the machine ("hardware"). */
export const KERNEL_IMPORTS = {
  "env.abort": "abort(message, file, line, column): an assertion or panic in the kernel; the machine stops",
  "host.trace": "trace(event, a, b, c, offsetNs): a kernel event, at offsetNs into the current kernel entry",
  "host.nicWrite": "nicWrite(nic, reg, queue, value): the driver writes a NIC register (NicReg); a TAIL write is a doorbell",
  "host.nicRead": "nicRead(nic, reg, queue) -> value: the driver reads a NIC register (NicReg.RX_MISSED: frames missed for want of a buffer since the last read)",
  "host.wake": "wake(pid): a blocked process's call completed during this entry; it runs again when the entry ends",
  "host.alarm": "alarm(atNs): the machine's one-shot timer interrupts the kernel (timerInterrupt) at simulated time atNs; it replaces the alarm set before; atNs < 0 cancels it",
  "host.diskDoorbell": "diskDoorbell(tail): disk requests with ring index < tail are ready (seen by the disk when the entry ends)",
} as const;

/** Exports of the kernel module, with their contracts. */
export const KERNEL_EXPORTS = {
  memory: "the kernel's linear memory; physical RAM is [ramBase(), ramBase() + ramBytes())",
  boot: "boot(frames, cpus) -> 0 | -EINVAL | -EBUSY: bring up RAM, frame table, TLBs",
  setCost: "setCost(counter, nsPerUnit) -> 1 | 0: CPU cost of one unit of a counter (cost profile)",
  setTraceMask: "setTraceMask(subsystems): enable trace events of these Subsys bits",
  spawn: "spawn(cpu) -> pid | -EAGAIN | -EINVAL: a process with an empty address space",
  syscall: "syscall(pid, nr, a0..a5) -> value | -errno",
  sysret: "sysret(i) -> second result register i of the last system call",
  uaccess: "uaccess(pid, va, access) -> pa | -Kill: a user access through the MMU; faults resolved or the process killed",
  kill: "kill(pid) -> 0 | -ESRCH: end a process (reason KILLED)",
  umemcpy: "umemcpy(pid, dst, src, len) -> 0 | -EINVAL (overlap) | -Kill (process killed) | SYS_RESTART: the application's memcpy, through zIO when the process enabled it (no system call charged)",
  reap: "reap(pid) -> exit status | -ESRCH | -1: free a dead process's slot",
  entryNs: "entryNs() -> simulated CPU nanoseconds charged by the last kernel entry",
  countersPtr: "countersPtr() -> address of u64[Counter.COUNT]",
  frameTablePtr: "frameTablePtr() -> address of the frame table (FRAME_META_SIZE bytes per frame)",
  ramBase: "ramBase() -> linear address of physical address 0",
  ramBytes: "ramBytes() -> bytes of physical RAM",
  freeFrames: "freeFrames() -> frames on the free list",
  procInfo: "procInfo(pid, ProcField) -> value | -ESRCH",
  regionInfo: "regionInfo(pid, i, RegionField) -> value | -EINVAL",
  objectPage: "objectPage(object, page) -> frame (0 = not materialised) | -EINVAL",
  objectOwed: "objectOwed(object, page) -> the source frame the page is owed an elided copy of (zIO; 0 = none) | -EINVAL",
  tlbEntry: "tlbEntry(cpu, i, 0 tag | 1 pte) -> raw TLB word",
  check: "check(scrub) -> violations of the kernel invariants (0 = all hold)",
  checkMessage: "checkMessage() -> pointer to the last check's report (AssemblyScript string)",
  collect: "collect(): free unreferenced kernel heap objects; only between kernel calls (the runtime keeps no shadow stack)",
  setClock: "setClock(ns): the current kernel entry starts at simulated time ns (and gets its whole loop budget)",
  loopBudget: "loopBudget(n): loop turns one kernel entry may take before it panics naming the loop (0: the default, 2^26)",
  dropsPtr: "dropsPtr() -> address of u64[Drop.COUNT]: input dropped, per reason",
  fatesPtr: "fatesPtr() -> address of u64[Drop.COUNT]: frames off the wire by fate (Drop.None: reached a socket; else dropped for that reason)",
  nicAttach: "nicAttach(nic, mtu, NicFeature bits, ip) -> 0 | -EINVAL | -EBUSY | -ENOMEM: set up rings and receive buffers",
  nicInterrupt: "nicInterrupt(nic): the NIC's interrupt (CPU 0): send completions, then received packets",
  timerInterrupt: "timerInterrupt(): the timer's interrupt (CPU 0), at the time the kernel last asked for (host.alarm): reassembly timeouts",
  diskAttach: "diskAttach(blocks) -> ring pa | -EBUSY | -EINVAL | -ENOMEM: a disk is present; where its request ring is",
  diskSubmit: "diskSubmit(DiskOp, block, frame) -> request id | -ENODEV | -EINVAL | -EAGAIN: queue one block transfer",
  diskStatus: "diskStatus(id) -> 1 pending | 0 | -EIO | -EINVAL | -ERANGE (unknown id): a request's result",
  diskInterrupt: "diskInterrupt() -> requests completed: the disk's completion interrupt (CPU 0)",
  fsMount: "fsMount(MountFlag bits) -> 0 | SYS_RESTART (call again once the disk is idle) | -errno: mount the disk's file system, replaying a committed log",
  fsUnmount: "fsUnmount() -> 0 | SYS_RESTART (call again once the disk is idle) | -EBUSY | -EINVAL: write everything back and unmount",
  fsMessage: "fsMessage() -> pointer to why the last mount / unmount was refused (AssemblyScript string)",
  fsInfo: "fsInfo(FsInfo field) -> value | -EINVAL: the file system's state (dirty pages, commits, evictions, ...)",
} as const;

/** The kernel module's exports, typed. */
export interface KernelExports {
  memory: WebAssembly.Memory;
  boot(frames: number, cpus: number): number;
  setCost(counter: number, ns: number): number;
  setTraceMask(mask: number): void;
  spawn(cpu: number): number;
  syscall(pid: number, nr: number, a0: number, a1: number, a2: number, a3: number, a4: number, a5: number): number;
  sysret(i: number): number;
  uaccess(pid: number, va: number, access: number): number;
  kill(pid: number): number;
  umemcpy(pid: number, dst: number, src: number, len: number): number;
  reap(pid: number): number;
  entryNs(): number;
  countersPtr(): number;
  frameTablePtr(): number;
  ramBase(): number;
  ramBytes(): number;
  freeFrames(): number;
  procInfo(pid: number, field: number): number;
  regionInfo(pid: number, i: number, field: number): number;
  objectPage(object: number, page: number): number;
  objectOwed(object: number, page: number): number;
  tlbEntry(cpu: number, i: number, k: number): number;
  check(scrub: number): number;
  checkMessage(): number;
  collect(): void;
  setClock(ns: number): void;
  loopBudget(n: number): void;
  dropsPtr(): number;
  fatesPtr(): number;
  nicAttach(nic: number, mtu: number, features: number, ip: number): number;
  nicInterrupt(nic: number): void;
  timerInterrupt(): void;
  diskAttach(blocks: number): number;
  diskSubmit(op: number, block: number, frame: number): number;
  diskStatus(id: number): number;
  diskInterrupt(): number;
  fsMount(flags: number): number;
  fsUnmount(): number;
  fsMessage(): number;
  fsInfo(field: number): number;
}

/** What the machine provides to a kernel instance. */
export interface KernelHost {
  trace(ev: number, a: number, b: number, c: number, offsetNs: number): void;
  diskDoorbell(tail: number): void;
  nicWrite(nic: number, reg: number, queue: number, value: number): void;
  nicRead(nic: number, reg: number, queue: number): number;
  wake(pid: number): void;
  alarm(atNs: number): void;
}

/** liftString: read an AssemblyScript string (UTF-16, byte length at ptr - 4) from memory. */
export function liftString(memory: WebAssembly.Memory, ptr: number): string {
  if (!ptr) return "";
  const bytes = new Uint32Array(memory.buffer, (ptr >>> 0) - 4, 1)[0];
  const units = new Uint16Array(memory.buffer, ptr >>> 0, bytes >>> 1);
  let s = "";
  for (let i = 0; i < units.length; i += 4096) s += String.fromCharCode(...units.subarray(i, i + 4096));
  return s;
}

/** instantiateKernel: a fresh kernel instance of the compiled module, wired to host. */
export async function instantiateKernel(module: WebAssembly.Module, host: KernelHost): Promise<KernelExports> {
  let memory: WebAssembly.Memory | undefined;
  const imports = {
    env: {
      abort(msg: number, file: number, line: number, col: number) {
        const text = memory ? `${liftString(memory, msg)} (${liftString(memory, file)}:${line}:${col})` : "abort";
        throw new KernelAbort(text);
      },
    },
    host: { trace: host.trace, diskDoorbell: host.diskDoorbell, nicWrite: host.nicWrite, nicRead: host.nicRead, wake: host.wake, alarm: host.alarm },
  };
  const instance = await WebAssembly.instantiate(module, imports);
  const k = instance.exports as unknown as KernelExports;
  memory = k.memory;
  return k;
}

/** Thrown out of the wasm when the kernel aborts; the Machine turns it into a KernelPanic. */
export class KernelAbort extends Error {}
