// tools/host/process.ts — a process as its program sees it: system calls and memory access.
//
// The program runs on the host: each method enters the kernel for this process on its CPU.
// Loads and stores go through the simulated MMU page by page (faults are resolved as the CPU
// would, or the process is killed and a SegmentationFault thrown). Each process keeps its own
// clock: a call starts when the process, the world and the CPU are all ready.

import { Access, Errno, Kill, MapFlag, PAGE_MASK, PAGE_SIZE, ProcField, ProcState, Prot, RegionField, Sys } from "../../kernel/abi";
import { ProcessGone, SegmentationFault, SyscallError } from "./errors";
import type { Machine } from "./machine";

export interface MmapOptions {
  /** Prot bits (default READ | WRITE). */
  prot?: number;
  /** Share the pages with children (MAP_SHARED) instead of copy-on-write (default false). */
  shared?: boolean;
  /** Map exactly at this address (MAP_FIXED), or use it as a hint if free. */
  at?: number;
  fixed?: boolean;
}

export interface RegionInfo {
  start: number;
  end: number;
  prot: number;
  shared: boolean;
  object: number;
  pgoff: number;
}

export class Process {
  constructor(readonly machine: Machine, readonly pid: number, public clock: number) {}

  private get k() {
    return this.machine.k;
  }

  /** state: RUNNABLE, BLOCKED, ZOMBIE (dead, not reaped) or UNUSED (reaped). */
  get state(): ProcState {
    const s = this.k.procInfo(this.pid, ProcField.STATE);
    return s < 0 ? ProcState.UNUSED : s;
  }

  get alive(): boolean {
    const s = this.state;
    return s === ProcState.RUNNABLE || s === ProcState.BLOCKED;
  }

  /** cpu: the CPU this process runs on. */
  get cpu(): number {
    return this.k.procInfo(this.pid, ProcField.CPU);
  }

  /** killReason: why a dead process died (Kill.EXITED for exit()). */
  get killReason(): Kill {
    return this.k.procInfo(this.pid, ProcField.KILL);
  }

  /** exitStatus: the status passed to exit (-1 if killed). */
  get exitStatus(): number {
    return this.k.procInfo(this.pid, ProcField.STATUS);
  }

  private live(): void {
    if (!this.alive) throw new ProcessGone(this.pid, this.killReason);
  }

  /** syscall: raw system call; returns the kernel's result (negative = -errno). */
  syscall(nr: Sys, a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0): number {
    this.live();
    const { value, end } = this.machine.enter(this.cpu, this.clock, () => this.k.syscall(this.pid, nr, a0 | 0, a1 | 0, a2 | 0, a3 | 0, a4 | 0, a5 | 0));
    this.clock = end;
    return value;
  }

  /** sys: system call that throws SyscallError(name) on a negative result. */
  private sys(name: string, nr: Sys, a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0): number {
    const r = this.syscall(nr, a0, a1, a2, a3, a4, a5);
    if (r < 0) throw new SyscallError(name, -r);
    return r;
  }

  getpid(): number {
    return this.sys("getpid", Sys.GETPID);
  }

  /** fork: a child sharing this process's memory copy-on-write. */
  fork(): Process {
    const pid = this.sys("fork", Sys.FORK);
    return this.machine.adopt(pid, this.clock);
  }

  /** exit: end this process; every frame it held is released. */
  exit(status = 0): void {
    this.sys(`exit(${status})`, Sys.EXIT, status);
  }

  /** mmap: map len bytes of anonymous memory; returns the address. */
  mmap(len: number, opts: MmapOptions = {}): number {
    const prot = opts.prot ?? Prot.READ | Prot.WRITE;
    const flags = (opts.shared ? MapFlag.SHARED : MapFlag.PRIVATE) | (opts.fixed ? MapFlag.FIXED : 0);
    return this.sys(`mmap(len=${len})`, Sys.MMAP, opts.at ?? 0, len, prot, flags, -1, 0) >>> 0;
  }

  munmap(va: number, len: number): void {
    this.sys(`munmap(0x${(va >>> 0).toString(16)}, ${len})`, Sys.MUNMAP, va, len);
  }

  mprotect(va: number, len: number, prot: number): void {
    this.sys(`mprotect(0x${(va >>> 0).toString(16)}, ${len}, ${prot})`, Sys.MPROTECT, va, len, prot);
  }

  /** setCpu: migrate to another CPU (its TLB may now cache this address space too). */
  setCpu(cpu: number): void {
    this.sys(`setcpu(${cpu})`, Sys.SETCPU, cpu);
  }

  /** wait: reap a dead child; its exit status, or null if it is still running. */
  wait(child: Process): { status: number; reason: Kill } | null {
    const r = this.syscall(Sys.WAIT, child.pid);
    if (r === -Errno.EAGAIN) return null;
    if (r < 0) throw new SyscallError(`wait(${child.pid})`, -r);
    return { status: this.k.sysret(0), reason: this.k.sysret(1) };
  }

  /** kill: end this process from outside (reason KILLED). */
  kill(): void {
    this.live();
    this.machine.enter(this.cpu, this.clock, () => this.k.kill(this.pid));
  }

  /** reap: release the slot of this dead process (processes the host spawned have no parent). */
  reap(): number {
    return this.k.reap(this.pid);
  }

  /** translate: the physical address of one access, faulting as needed; throws on a fatal fault. */
  translate(va: number, access: Access): number {
    this.live();
    const cpu = this.cpu;
    const { value: pa, end } = this.machine.enter(cpu, this.clock, () => this.k.uaccess(this.pid, va | 0, access));
    this.clock = end;
    if (pa < 0) throw new SegmentationFault(this.pid, va >>> 0, access, -pa);
    return pa;
  }

  /** load: read len bytes at va through the MMU. */
  load(va: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    for (let done = 0; done < len; ) {
      const at = (va + done) >>> 0;
      const n = Math.min(len - done, PAGE_SIZE - (at & PAGE_MASK));
      const pa = this.translate(at, Access.READ);
      out.set(this.machine.ram.subarray(pa, pa + n), done);
      done += n;
    }
    return out;
  }

  /** store: write bytes at va through the MMU. */
  store(va: number, bytes: Uint8Array | number[]): void {
    const src = bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes);
    for (let done = 0; done < src.length; ) {
      const at = (va + done) >>> 0;
      const n = Math.min(src.length - done, PAGE_SIZE - (at & PAGE_MASK));
      const pa = this.translate(at, Access.WRITE);
      this.machine.ram.set(src.subarray(done, done + n), pa);
      done += n;
    }
  }

  /** fill: write len copies of byte at va. */
  fill(va: number, len: number, byte: number): void {
    this.store(va, new Uint8Array(len).fill(byte));
  }

  /** regions: this process's regions in address order. */
  regions(): RegionInfo[] {
    const n = Math.max(0, this.k.procInfo(this.pid, ProcField.REGIONS));
    const f = (i: number, x: RegionField) => this.k.regionInfo(this.pid, i, x);
    return Array.from({ length: n }, (_, i) => ({
      start: f(i, RegionField.START) >>> 0,
      end: f(i, RegionField.END) >>> 0,
      prot: f(i, RegionField.PROT),
      shared: f(i, RegionField.SHARED) === 1,
      object: f(i, RegionField.OBJECT),
      pgoff: f(i, RegionField.PGOFF),
    }));
  }

  /** frameAt: the frame currently mapped at va (0 if none), read from the page table. */
  frameAt(va: number): number {
    const t = this.machine.explain(this.pid, va);
    return t.present ? t.frame : 0;
  }
}
