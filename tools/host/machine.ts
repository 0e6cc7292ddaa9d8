// tools/host/machine.ts — one simulated computer: a kernel instance, its CPUs and their time,
// its counters and trace, and the inspection tools (frames map, page tables, TLBs, invariants).
//
// CPU time: each kernel entry runs on one CPU, starting when both the caller and that CPU are
// ready, and keeps the CPU busy for exactly the cost the kernel charged (base/stats.ts).

import { DEFAULT_FRAMES, Drop, Errno, Ev, FsInfo, MAX_CPUS, MAX_FRAMES, MIN_FRAMES, MountFlag, PAGE_SIZE, ProcField, RegionField, Subsys, SYS_RESTART } from "../../base/abi";
import { ConfigError, KernelPanic, InvariantViolation, SyscallError } from "./errors";
import { instantiateKernel, KernelAbort, liftString, type KernelExports, type KernelHost } from "./kernel";
import { giveBack, recordBoot, takeBooted } from "./reset";
import { readCounters, COUNTER_NAMES, type Counters } from "./counters";
import { getProfile, validateProfile, type Profile } from "./profile";
import { Process } from "./process";
import { explain, frameInfo, frameSummary, pageTable, tlbEntries, type FrameInfo, type PageTableEntry, type Translation, type TlbEntry } from "./inspect";
import type { DeviceBus, ProcessHost, WorldClock } from "./views";
import type { Disk } from "./disk";
import { Nic, type NicOptions } from "./nic";
import { Timer } from "./timer";

/** Where a kernel instance's imports go: the machine using the instance now (an instance is
 *  reused by a later machine once its machine is disposed: tools/host/reset.ts). */
interface Wiring {
  machine: Machine | null;
}

/** Kernel calls between two collections of the kernel's garbage (kernel/index.ts, collect). */
const COLLECT_EVERY = 1024;

export interface MachineOptions {
  /** A name for traces and displays (default "m0", "m1", ...). */
  name?: string;
  /** Physical RAM: a byte count, or a string like "16M", "256M" (default 16 MiB). */
  memory?: number | string;
  /** CPUs, 1..4 (default 1). */
  cpus?: number;
  /** Cost profile: a shipped name or a profile object (default "default"). */
  profile?: string | Profile;
  /** Trace these subsystems (Subsys bits), or true for all (default none). */
  trace?: number | boolean;
  /** A disk to attach at boot (see attachDisk). */
  disk?: Disk;
}

export interface TraceEvent {
  /** Simulated time, ns. */
  t: number;
  machine: string;
  cpu: number;
  ev: Ev;
  kind: string;
  a: number;
  b: number;
  c: number;
}

/** parseMemory: bytes of RAM from 16777216, "16M", "512K", "1G"; ConfigError otherwise. */
export function parseMemory(v: number | string): number {
  let bytes: number;
  if (typeof v === "number") bytes = v;
  else {
    const m = /^\s*(\d+)\s*([KMG]i?B?)?\s*$/i.exec(v);
    if (!m) throw new ConfigError(`memory: "${v}" is not a size like 16M, 512K or 1G`);
    const unit = (m[2] ?? "").toUpperCase()[0];
    bytes = Number(m[1]) * (unit === "K" ? 1024 : unit === "M" ? 1 << 20 : unit === "G" ? 1 << 30 : 1);
  }
  if (!Number.isInteger(bytes) || bytes % PAGE_SIZE !== 0) throw new ConfigError(`memory: ${v} is not a whole number of 4 KiB frames`);
  const frames = bytes / PAGE_SIZE;
  if (frames < MIN_FRAMES || frames > MAX_FRAMES)
    throw new ConfigError(`memory: ${v} is outside ${(MIN_FRAMES * PAGE_SIZE) >> 10} KiB .. ${(MAX_FRAMES * PAGE_SIZE) >> 20} MiB`);
  return bytes;
}

// Functions told of every machine booted (onBoot), and of every machine disposed of (onDispose).
const bootWatchers = new Set<(m: Machine) => void>();
const disposeWatchers = new Set<(m: Machine) => void>();

/** onBoot: call fn with every machine booted from now on (a test harness checks each one's
 *  invariants after every test); returns the function that stops it. */
export function onBoot(fn: (m: Machine) => void): () => void {
  bootWatchers.add(fn);
  return () => bootWatchers.delete(fn);
}

/** onDispose: call fn with every machine about to be disposed of, while its kernel still
 *  answers (a test harness checks its invariants before its instance may serve another). */
export function onDispose(fn: (m: Machine) => void): () => void {
  disposeWatchers.add(fn);
  return () => disposeWatchers.delete(fn);
}

export class Machine implements DeviceBus, ProcessHost<Process> {
  readonly name: string;
  readonly frames: number;
  readonly cpus: number;
  readonly profile: Profile;
  /** Time each CPU becomes free, ns. */
  readonly cpuFree: number[];
  /** Recorded trace events (when tracing is on). */
  readonly traceLog: TraceEvent[] = [];
  private procs = new Map<number, Process>();
  private entryStart = 0;
  private entryCpu = 0;
  private dead: string | null = null;
  private ramView: Uint8Array | null = null;
  private entering = 0;
  private deferred: ((end: number) => void)[] = [];
  /** The disk attached with attachDisk, if any. */
  disk: Disk | null = null;
  /** Network adapters, by index (attachNic). */
  readonly nics: Nic[] = [];
  /** The one-shot timer the kernel sets for its timeouts (host.alarm). */
  readonly timer: Timer = new Timer(this);
  private woken: number[] = [];
  /** When each process blocked in a call was woken (end of the entry that completed its call). */
  readonly wokenAt = new Map<number, number>();
  /** Calls into the kernel so far (call): kernel state can change only when this changes. */
  calls = 0;
  private depth = 0; // calls in progress (1 inside the kernel; nested would be > 1)
  private disposed = false;

  private constructor(readonly world: WorldClock, readonly k: KernelExports, private readonly wiring: Wiring, name: string, frames: number, cpus: number, profile: Profile) {
    this.name = name;
    this.frames = frames;
    this.cpus = cpus;
    this.profile = profile;
    this.cpuFree = new Array(cpus).fill(0);
  }

  /** boot: instantiate and boot a kernel for world (use World.machine). */
  static async boot(world: WorldClock, opts: MachineOptions, index: number): Promise<Machine> {
    const bytes = parseMemory(opts.memory ?? DEFAULT_FRAMES * PAGE_SIZE);
    const cpus = opts.cpus ?? 1;
    if (!Number.isInteger(cpus) || cpus < 1 || cpus > MAX_CPUS) throw new ConfigError(`cpus: ${cpus} is not in 1..${MAX_CPUS}`);
    const profile = typeof opts.profile === "object" ? validateProfile(opts.profile) : getProfile(opts.profile ?? "default");
    const frames = bytes / PAGE_SIZE;
    // An instance a disposed machine gave back, put back as it was right after boot; or a new one.
    const reused = takeBooted<Wiring>(world.kernel, frames, cpus);
    const wiring: Wiring = reused?.wiring ?? { machine: null };
    const k = reused?.k ?? (await instantiateKernel(world.kernel, Machine.importsFor(wiring)));
    const self = new Machine(world, k, wiring, opts.name ?? `m${index}`, frames, cpus, profile);
    wiring.machine = self;
    if (reused) self.call(() => 0); // the boot call, made before the instance's state was recorded
    else {
      const r = self.call(() => k.boot(frames, cpus));
      if (r !== 0) throw new ConfigError(`boot: kernel refused ${frames} frames x ${cpus} CPUs (${Errno[-r]})`);
      recordBoot(world.kernel, frames, cpus, k);
    }
    COUNTER_NAMES.forEach((n, i) => k.setCost(i, profile.costs[n].ns));
    self.setTrace(opts.trace ?? 0);
    if (opts.disk) self.attachDisk(opts.disk);
    for (const fn of bootWatchers) fn(self);
    return self;
  }

  /** importsFor: the kernel's imports, going to whichever machine wiring names. */
  private static importsFor(wiring: Wiring): KernelHost {
    return {
      trace: (ev, a, b, c, off) => wiring.machine!.record(ev, a, b, c, off),
      diskDoorbell: (tail) => wiring.machine!.diskDoorbell(tail),
      nicWrite: (nic, reg, queue, value) => wiring.machine!.nicWrite(nic, reg, queue, value),
      nicRead: (nic, reg, queue) => wiring.machine!.nicRead(nic, reg, queue),
      wake: (pid) => wiring.machine!.woken.push(pid),
      alarm: (atNs) => wiring.machine!.timer.set(atNs),
    };
  }

  /**
   * dispose: this machine is done; every later call into its kernel is refused. Its kernel
   * instance may be reset to its state right after boot and serve the next machine booted with
   * the same RAM and CPUs (tools/host/reset.ts): only for a machine whose RAM nothing but its
   * kernel and its devices wrote (the host's own stores go through the MMU, so they count).
   */
  dispose(): void {
    if (this.disposed) return;
    for (const fn of disposeWatchers) fn(this);
    this.disposed = true;
    this.timer.set(-1); // a pending alarm of this kernel must not reach the instance's next machine
    if (this.dead !== null || this.depth !== 0) return;
    this.wiring.machine = null;
    giveBack(this.world.kernel, this.frames, this.cpus, { k: this.k, wiring: this.wiring });
  }

  /** isDisposed: was dispose called (every call into the kernel is refused)? */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /** setTrace: record events of these subsystems (Subsys bits; true = all, false = none). */
  setTrace(mask: number | boolean): void {
    this.k.setTraceMask(mask === true ? Subsys.ALL : mask === false ? 0 : mask);
  }

  private record(ev: number, a: number, b: number, c: number, offsetNs: number): void {
    this.traceLog.push({ t: this.entryStart + offsetNs, machine: this.name, cpu: this.entryCpu, ev, kind: Ev[ev] ?? `ev${ev}`, a, b, c });
  }

  /** setLoopBudget: loop turns one kernel entry may take before the kernel panics naming the
   *  loop (base/panic.ts); 0 restores the default. A kernel that would not return is reported. */
  setLoopBudget(turns: number): void {
    this.call(() => this.k.loopBudget(turns));
  }

  /** panicked: why the kernel panicked (the machine is dead and refuses every call), or null. */
  get panicked(): string | null {
    return this.dead;
  }

  /** call: run fn inside the kernel, turning a kernel abort into KernelPanic (machine dead). */
  call<T>(fn: () => T): T {
    if (this.dead !== null || this.disposed) throw new KernelPanic(`${this.name}: machine is ${this.disposed ? "disposed" : `dead: ${this.dead}`}`);
    this.calls++;
    try {
      this.depth++;
      const value = fn();
      this.depth--;
      // Out of the kernel again: from time to time, collect its garbage (kernel/index.ts, collect).
      if (this.depth === 0 && this.calls % COLLECT_EVERY === 0) this.k.collect();
      if (this.entering === 0) this.runDeferred(this.world.now);
      if (this.depth === 0 && this.entering === 0) this.world.observe();
      return value;
    } catch (e) {
      this.depth = 0;
      this.deferred.length = 0;
      if (e instanceof KernelAbort || e instanceof WebAssembly.RuntimeError) {
        this.dead = (e as Error).message;
        throw new KernelPanic(`${this.name}: kernel panic: ${this.dead}`);
      }
      throw e;
    }
  }

  /**
   * enter: run a kernel entry on cpu, no earlier than `at`. The entry starts when the CPU is
   * free, lasts the CPU time the kernel charged, and the CPU is busy until it ends.
   */
  enter<T>(cpu: number, at: number, fn: () => T): { value: T; start: number; end: number } {
    const start = Math.max(at, this.world.now, this.cpuFree[cpu]);
    this.entryStart = start;
    this.entryCpu = cpu;
    this.k.setClock(start);
    this.entering++;
    let value: T;
    try {
      value = this.call(fn);
    } finally {
      this.entering--;
    }
    const end = start + this.k.entryNs();
    this.cpuFree[cpu] = end;
    if (this.woken.length > 0) {
      for (const pid of this.woken) this.wokenAt.set(pid, end);
      this.woken.length = 0;
    }
    this.runDeferred(end);
    if (this.depth === 0) this.world.entered(this, cpu, start, end);
    if (this.depth === 0 && this.entering === 0) this.world.observe();
    return { value, start, end };
  }

  /** defer: run fn(end) when the current kernel entry ends (devices act on doorbells then). */
  defer(fn: (end: number) => void): void {
    this.deferred.push(fn);
  }

  private runDeferred(end: number): void {
    while (this.deferred.length > 0) {
      const fns = this.deferred.splice(0);
      for (const fn of fns) fn(end);
    }
  }

  /** interrupt: run a device's interrupt handler fn in the kernel, on CPU 0, no earlier than t. */
  interrupt<T>(t: number, fn: () => T): { value: T; start: number; end: number } {
    return this.enter(0, t, fn);
  }

  /** attachDisk: connect a disk; the kernel's driver learns its size and hands it the request ring. */
  attachDisk(disk: Disk): void {
    if (this.disk) throw new ConfigError(`${this.name}: attachDisk: a disk is already attached`);
    disk.checkAttachable();
    const { value: ring } = this.enter(0, this.world.now, () => this.k.diskAttach(disk.blocks));
    if (ring < 0) throw new ConfigError(`${this.name}: attachDisk: the kernel refused a disk of ${disk.blocks} blocks (${Errno[-ring] ?? ring})`);
    disk.connect(this, ring);
    this.disk = disk;
  }

  /**
   * mount: mount the file system of the attached disk (replaying a committed log). The kernel
   * reads the disk as it goes (fsMount returns SYS_RESTART while it waits); this runs the world
   * until the disk is idle and asks again. A foreign or damaged image is refused, unwritten:
   * SyscallError whose message is the kernel's reason.
   */
  mount(opts: { readOnly?: boolean } = {}): void {
    this.fsLoop("mount", () => this.k.fsMount(opts.readOnly ? MountFlag.READONLY : 0));
  }

  /** unmount: write every dirty page and the log back, mark the file system clean, forget it. */
  unmount(): void {
    this.fsLoop("unmount", () => this.k.fsUnmount());
  }

  /** fsInfo: the file system's state (FsInfo fields, lower-camel-cased: dirtyPages, commits, ...). */
  fsInfo(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 0; i < FsInfo.COUNT; i++) {
      const n = FsInfo[i].toLowerCase().replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
      out[n] = this.k.fsInfo(i);
    }
    return out;
  }

  private fsLoop(what: string, call: () => number): void {
    const disk = this.disk;
    if (!disk) throw new ConfigError(`${this.name}: ${what}: no disk attached`);
    for (;;) {
      const { value: r } = this.enter(0, this.world.now, call);
      if (r === 0) return;
      if (r !== SYS_RESTART) throw new SyscallError(liftString(this.k.memory, this.k.fsMessage()) || what, -r);
      const s = disk.stats;
      const before = s.reads + s.writes + s.badRequests;
      this.world.runUntil(() => disk.pending === 0);
      if (s.reads + s.writes + s.badRequests === before)
        throw new Error(`${this.name}: ${what}: the disk does not answer${disk.crashed ? " (it has crashed)" : ""}`);
    }
  }

  /** attachNic: a network adapter with these options; its driver sets up rings and buffers. */
  attachNic(opts: NicOptions): Nic {
    const nic = new Nic(this, this.nics.length, opts);
    if (this.nics.length >= 2) throw new ConfigError(`${this.name}: attachNic: at most 2 NICs`);
    this.nics.push(nic);
    const { value: r } = this.enter(0, this.world.now, () => this.k.nicAttach(nic.index, nic.mtu, nic.features, nic.ip | 0));
    if (r < 0) {
      this.nics.pop();
      throw new ConfigError(`${this.name}: attachNic: the kernel refused the NIC (${Errno[-r] ?? r})`);
    }
    return nic;
  }

  private nicWrite(nic: number, reg: number, queue: number, value: number): void {
    const n = this.nics[nic];
    if (!n) throw new Error(`${this.name}: register write to NIC ${nic}, which is not attached`);
    n.write(reg, queue, value);
  }

  private nicRead(nic: number, reg: number, queue: number): number {
    const n = this.nics[nic];
    if (!n) throw new Error(`${this.name}: register read of NIC ${nic}, which is not attached`);
    return n.read(reg, queue);
  }

  /** drops: input dropped by the network stack, per reason (Drop names), nonzero only: frames up
   *  to IP, fragments in reassembly, whole datagrams from UDP up (base/drop.ts). */
  drops(): Record<string, number> {
    return this.dropTable(this.k.dropsPtr());
  }

  /** frameFates: what became of the frames the NICs received: delivered (their datagram reached a
   *  socket) and dropped, per reason (nonzero only), counting every frame of a dropped datagram.
   *  Once reassembly holds nothing, delivered + the dropped add up to the NICs' rxPackets. */
  frameFates(): { delivered: number; dropped: Record<string, number> } {
    const raw = new BigUint64Array(this.k.memory.buffer, this.k.fatesPtr() >>> 0, Drop.COUNT);
    return { delivered: Number(raw[Drop.None]), dropped: this.dropTable(this.k.fatesPtr()) };
  }

  private dropTable(ptr: number): Record<string, number> {
    const raw = new BigUint64Array(this.k.memory.buffer, ptr >>> 0, Drop.COUNT);
    const out: Record<string, number> = {};
    for (let i = 1; i < Drop.COUNT; i++) if (raw[i]) out[Drop[i]] = Number(raw[i]);
    return out;
  }

  private diskDoorbell(tail: number): void {
    if (!this.disk) throw new Error(`${this.name}: disk doorbell rung (tail ${tail}) with no disk attached`);
    this.disk.doorbell(tail >>> 0);
  }

  /** spawn: a new process with an empty address space, on cpu (default 0). */
  spawn(opts: { cpu?: number } = {}): Process {
    const cpu = opts.cpu ?? 0;
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.cpus) throw new ConfigError(`spawn: cpu ${cpu} is not in 0..${this.cpus - 1}`);
    const { value: pid, end } = this.enter(cpu, this.world.now, () => this.k.spawn(cpu));
    if (pid < 0) throw new ConfigError(`spawn: ${Errno[-pid]} (process table full or out of frames)`);
    return this.adopt(pid, end);
  }

  /** adopt: the Process object for a pid the kernel created (spawn, fork). */
  adopt(pid: number, clock: number): Process {
    const p = new Process(this, pid, clock);
    this.procs.set(pid, p);
    return p;
  }

  /** process: the Process object of pid, if this host created it. */
  process(pid: number): Process | undefined {
    return this.procs.get(pid);
  }

  /** ram: physical RAM as bytes (re-made whenever the kernel's memory has grown). */
  get ram(): Uint8Array {
    // Growing the kernel's memory detaches the old buffer, and a view of a detached buffer has
    // length 0: checking that costs much less than asking the memory for its buffer each time.
    if (!this.ramView || this.ramView.length === 0) this.ramView = new Uint8Array(this.k.memory.buffer, this.k.ramBase(), this.k.ramBytes());
    return this.ramView;
  }

  /** counters: every kernel counter, by name. */
  counters(): Counters {
    return readCounters(this.k.memory, this.k.countersPtr());
  }

  /** freeFrames: frames on the free list. */
  get freeFrames(): number {
    return this.k.freeFrames();
  }

  /** frame: the metadata of frame f. */
  frame(f: number): FrameInfo {
    return frameInfo(this, f);
  }

  /** frameMap: the metadata of every frame (what each frame is used for). */
  frameMap(): FrameInfo[] {
    return Array.from({ length: this.frames }, (_, f) => frameInfo(this, f));
  }

  /** frameSummary: how many frames of each kind, and free. */
  frameSummary(): Record<string, number> {
    return frameSummary(this);
  }

  /** pageTable: every present PTE of pid, in address order. */
  pageTable(pid: number): PageTableEntry[] {
    return pageTable(this, this.k.procInfo(pid, ProcField.PD));
  }

  /** owedPages: the pages of pid's address space owed an elided copy (zIO: unmapped, no frame of
   *  their own), each with the source frame whose bytes it owes, in address order. */
  owedPages(pid: number): { va: number; frame: number }[] {
    const out: { va: number; frame: number }[] = [];
    const n = Math.max(0, this.k.procInfo(pid, ProcField.REGIONS));
    for (let i = 0; i < n; i++) {
      const f = (x: RegionField) => this.k.regionInfo(pid, i, x);
      const start = f(RegionField.START) >>> 0, end = f(RegionField.END) >>> 0, obj = f(RegionField.OBJECT), pgoff = f(RegionField.PGOFF);
      for (let va = start; va < end; va += PAGE_SIZE) {
        const src = this.k.objectOwed(obj, pgoff + (va - start) / PAGE_SIZE);
        if (src > 0) out.push({ va, frame: src });
      }
    }
    return out;
  }

  /** explain: the MMU walk for va in pid's address space, step by step (no side effects). */
  explain(pid: number, va: number): Translation {
    return explain(this, this.k.procInfo(pid, ProcField.PD), va);
  }

  /** tlb: the valid entries of cpu's TLB. */
  tlb(cpu: number): TlbEntry[] {
    return tlbEntries(this, cpu);
  }

  /** checkInvariants: run the kernel's invariant check; violations and their report. */
  checkInvariants(opts: { scrub?: boolean } = {}): { violations: number; report: string } {
    const violations = this.call(() => this.k.check(opts.scrub === false ? 0 : 1));
    return { violations, report: violations ? liftString(this.k.memory, this.k.checkMessage()) : "" };
  }

  /** check: throw InvariantViolation unless every kernel invariant holds. */
  check(opts: { scrub?: boolean } = {}): void {
    const { violations, report } = this.checkInvariants(opts);
    if (violations) throw new InvariantViolation(violations, report);
  }
}
