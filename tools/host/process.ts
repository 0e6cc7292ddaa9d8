// tools/host/process.ts — a process as its program sees it: system calls and memory access.
//
// The program runs on the host: each method enters the kernel for this process on its CPU.
// Loads and stores go through the simulated MMU page by page (faults are resolved as the CPU
// would, or the process is killed and a SegmentationFault thrown). Each process keeps its own
// clock: a call starts when the process, the world and the CPU are all ready.

import { Access, Errno, Kill, MapFlag, MsgFlag, PAGE_MASK, PAGE_SIZE, ProcField, ProcState, Prot, RegionField, Sem, Sys, SYS_BLOCKED } from "../../kernel/abi";
import { parseIp } from "./nic";
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

export interface SendOptions {
  /** Destination (dotted or a number); omitted: the connected peer. */
  ip?: string | number;
  port?: number;
  /** Data-passing semantics (default: the process's default). */
  sem?: Sem;
  dontwait?: boolean;
}

export interface RecvOptions {
  sem?: Sem;
  /** Return null at once if nothing is queued. */
  dontwait?: boolean;
}

export interface Received {
  /** Bytes delivered. */
  len: number;
  /** Move semantics: where the kernel put the data (a region it chose); else 0. */
  va: number;
  /** Source address and port. */
  ip: number;
  port: number;
  /** Simulated time the call returned, ns. */
  at: number;
}

/** A receive posted before its data arrived: wait() runs the world until it completes. */
export class PendingRecv {
  constructor(private readonly p: Process, private readonly call: string, private done: Received | null) {}
  /** ready: has the receive completed? */
  get ready(): boolean {
    return this.done !== null || this.p.state !== ProcState.BLOCKED;
  }
  /** wait: run the world until the data arrives; what was received. */
  wait(): Received {
    if (this.done) return this.done;
    this.done = this.p.awaitWake(this.call);
    return this.done;
  }
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

  // ---- sockets ------------------------------------------------------------------------------

  /** socket: a new UDP socket; its descriptor. */
  socket(): number {
    return this.sys("socket", Sys.SOCKET);
  }

  /** bind: bind fd to port (0: a free ephemeral one); the port. */
  bind(fd: number, port = 0): number {
    return this.sys(`bind(${fd}, ${port})`, Sys.BIND, fd, port);
  }

  /** connect: default destination of fd. */
  connect(fd: number, ip: string | number, port: number): void {
    this.sys(`connect(${fd}, ${ip}, ${port})`, Sys.CONNECT, fd, toIp(ip), port);
  }

  /** Completion token of the last sendto under a weak semantics (0 if none): see iowait. */
  token = 0;

  /** sendto: send len bytes at va as one datagram; the bytes sent (token: see iowait). */
  sendto(fd: number, va: number, len: number, opts: SendOptions = {}): number {
    const flags = (opts.sem ?? Sem.DEFAULT) | (opts.dontwait ? MsgFlag.DONTWAIT : 0);
    const ip = opts.ip === undefined ? 0 : toIp(opts.ip);
    const n = this.sys(`sendto(${fd}, 0x${(va >>> 0).toString(16)}, ${len})`, Sys.SENDTO, fd, va, len, flags, ip, opts.port ?? 0);
    this.token = this.k.sysret(0);
    return n;
  }

  /** sendv: send the gather list [(va, len), ...] as one datagram / message; the bytes sent.
   *  The list itself is written to a scratch page of this process's memory, as a program would. */
  sendv(fd: number, iov: [number, number][], opts: SendOptions = {}): number {
    if (!this.iovPage) this.iovPage = this.mmap(PAGE_SIZE);
    const words = new Uint8Array(iov.length * 8);
    const dv = new DataView(words.buffer);
    iov.forEach(([va, len], i) => { dv.setUint32(i * 8, va >>> 0, true); dv.setUint32(i * 8 + 4, len >>> 0, true); });
    this.store(this.iovPage, words);
    const flags = (opts.sem ?? Sem.DEFAULT) | (opts.dontwait ? MsgFlag.DONTWAIT : 0);
    const ip = opts.ip === undefined ? 0 : toIp(opts.ip);
    const n = this.sys(`sendv(${fd}, ${iov.length} buffers)`, Sys.SENDV, fd, this.iovPage, iov.length, flags, ip, opts.port ?? 0);
    this.token = this.k.sysret(0);
    return n;
  }
  private iovPage = 0;

  /** channel: a new IPC channel; the descriptors of its two ends. */
  channel(): [number, number] {
    const a = this.sys("channel", Sys.CHANNEL);
    return [a, this.k.sysret(0)];
  }

  /** iowait: wait (the world runs) until the weak-semantics output of token has completed. */
  iowait(token = this.token): void {
    const call = `iowait(${token})`;
    const r = this.syscall(Sys.IOWAIT, token);
    if (r === SYS_BLOCKED) this.awaitWake(call);
    else if (r < 0) throw new SyscallError(call, -r);
  }

  /** postRecv: start a receive into [va, va+len); completes now if a datagram is queued. */
  postRecv(fd: number, va: number, len: number, opts: RecvOptions = {}): PendingRecv {
    const call = `recvfrom(${fd}, 0x${(va >>> 0).toString(16)}, ${len})`;
    const flags = (opts.sem ?? Sem.DEFAULT) | (opts.dontwait ? MsgFlag.DONTWAIT : 0);
    const r = this.syscall(Sys.RECVFROM, fd, va, len, flags);
    if (r === SYS_BLOCKED) return new PendingRecv(this, call, null);
    if (r < 0) throw new SyscallError(call, -r);
    return new PendingRecv(this, call, { len: r, va: this.k.sysret(2) >>> 0, ip: this.k.sysret(0) >>> 0, port: this.k.sysret(1), at: this.clock });
  }

  /** recvfrom: receive one datagram into [va, va+len), waiting (the world runs) until one comes;
   *  null with dontwait when none is queued. */
  recvfrom(fd: number, va: number, len: number, opts: RecvOptions = {}): Received | null {
    try {
      return this.postRecv(fd, va, len, opts).wait();
    } catch (e) {
      if (opts.dontwait && e instanceof SyscallError && e.errno === Errno.EAGAIN) return null;
      throw e;
    }
  }

  /** close: release descriptor fd. */
  close(fd: number): void {
    this.sys(`close(${fd})`, Sys.CLOSE, fd);
  }

  /** awaitWake: run the world until this blocked process is woken; its call's result. */
  awaitWake(call: string): Received {
    const w = this.machine.world;
    if (!w.runUntil(() => this.state !== ProcState.BLOCKED))
      throw new Error(`pid ${this.pid}: ${call} would wait forever: no pending event can complete it`);
    if (!this.alive) throw new ProcessGone(this.pid, this.killReason);
    this.clock = Math.max(this.clock, this.machine.wokenAt.get(this.pid) ?? w.now);
    const r = this.k.procInfo(this.pid, ProcField.RESULT);
    if (r < 0) throw new SyscallError(call, -r);
    return {
      len: r,
      va: this.k.procInfo(this.pid, ProcField.RET2) >>> 0,
      ip: this.k.procInfo(this.pid, ProcField.RET0) >>> 0,
      port: this.k.procInfo(this.pid, ProcField.RET1),
      at: this.clock,
    };
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

function toIp(ip: string | number): number {
  return typeof ip === "number" ? ip | 0 : parseIp(ip) | 0;
}
