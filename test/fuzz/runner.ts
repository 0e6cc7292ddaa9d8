// test/fuzz/runner.ts — runs a fuzz program against the kernel and the reference model at once,
// and throws Divergence at the first observation the model does not allow.
//
// The world: two machines, each with a disk holding a fresh file system, joined by a wire (no
// loss); each starts with one process holding two bound UDP sockets and four pages of memory.
// A command is read against the model's state (program.ts) and becomes one concrete call on
// its machine, or on the other one when it cannot apply there; it is skipped when it applies
// on neither (no region, no file...). After every command the runner collects completed
// receives; at each settle (the world has run dry) it checks the kernel's invariants. Sends go
// to the other machine over the wire, or to the machine's own address (the loopback); IO-Lite
// calls work on buffers the model holds per process (model.ts, IolSlice).
//
// Each program's world is disposed at its end: the next program's machines take its kernel
// instances back, reset to just after boot (tools/host/reset.ts), instead of new ones.

import {
  aggSlice, connect, Disk, parseIp, ETHERNET, Kill, mkfs, OpenFlag, PAGE_SIZE, ProcState, Prot, SegmentationFault, Sem, Seek, Sys,
  SYS_BLOCKED, SyscallError, ProcessGone, World, errnoName, type BlockStore, type Machine, type Process,
} from "../../tools/host/index";
import type { Received } from "../../tools/host/process";
import {
  ChanM, copyObj, FileM, moveSem, Obj, PAGE, pageOf, Proc, SockM, unwatch, weakSem, writeObj,
  type Dgram, type Fuzzy, type Handle, type IolSlice, type PendingIn, type Region,
} from "./model";
import type { Cmd, Program } from "./program";
import { checked } from "../setup/checked";
import { Errno } from "../../base/abi";
import { WireTap, type WireDatagram } from "./wiretap";

export class Divergence extends Error {
  constructor(message: string) {
    super(message);
    this.name = "Divergence";
  }
}

const SEMS = [Sem.COPY, Sem.EMULATED_COPY, Sem.SHARE, Sem.EMULATED_SHARE, Sem.MOVE, Sem.EMULATED_MOVE, Sem.WEAK_MOVE, Sem.EMULATED_WEAK_MOVE];
const SEM_NAME = ["default", "copy", "emulated-copy", "share", "emulated-share", "move", "emulated-move", "weak-move", "emulated-weak-move"];
const FILE_SEMS = [Sem.COPY, Sem.EMULATED_COPY];
const PORTS = [[1000, 1001], [2000, 2001]];
const IPS = ["10.0.0.1", "10.0.0.2"];
const LOOPBACK_IP = 0x7f000001; // 127.0.0.1 (net/loopback.ts)
const MAX_IOL_SLICES = 24; // IO-Lite slices a process holds, at most (the model's bound)
const IOL_MAX_SLICES_ARG = 64; // slices an iol_read may return (at most 3 pages: 4 slices)
const IOL_AGG_BYTES = IOL_MAX_SLICES_ARG * 8;
const NAMES = ["a", "b", "c"];
const MAX_PROCS_PER_MACHINE = 6;
const MAX_REGIONS = 12;
const QUEUE_LIMIT = 24; // well under SOCK_QMAX and CHAN_QMAX
const MAX_FILE = 48 * 1024;
const DISK_BLOCKS = 512;
const MAX_EVENTS = 3_000_000;
const SCRUB_EVERY = 8;

const DEBUG = !!process.env.GENIE_FUZZ_DEBUG;

// What a process needs for a command to apply (pick prefers such processes).
const hasRegions = (p: Proc) => p.regions.length > 0;
const hasTwoRegions = (p: Proc) => p.regions.length > 1;
const hasFile = (p: Proc) => [...p.fds.values()].some((h) => h.kind === "file");
const hasFileRegion = (p: Proc) => p.regions.some((r) => r.obj.kind === "file");
const hasEndpointAndRegions = (p: Proc) => p.regions.length > 0 && [...p.fds.values()].some((h) => h.kind !== "file");
const hex = (v: number) => "0x" + (v >>> 0).toString(16);

let emptyImage: Uint8Array | null = null;

/** A disk whose blocks start as an empty file system (made once, shared by every program's
 *  disks) and keep the blocks written to it apart: no 2 MiB image copied per machine. */
class FreshStore implements BlockStore {
  readonly blocks = DISK_BLOCKS;
  private readonly written = new Map<number, Uint8Array>();
  constructor() {
    if (!emptyImage) {
      emptyImage = new Uint8Array(DISK_BLOCKS * PAGE_SIZE);
      mkfs(emptyImage);
    }
  }
  read(b: number, out: Uint8Array): void {
    out.set(this.written.get(b) ?? emptyImage!.subarray(b * PAGE_SIZE, (b + 1) * PAGE_SIZE));
  }
  write(b: number, data: Uint8Array): void {
    this.written.set(b, data.slice(0, PAGE_SIZE));
  }
}

/** shiftMap: the entries of m at keys [from, from+len), keyed from 0. */
function shiftMap<V>(m: Map<number, V>, from: number, len: number): Map<number, V> {
  const out = new Map<number, V>();
  for (const [k, v] of m) if (k >= from && k < from + len) out.set(k - from, v);
  return out;
}

/** A byte generator: deterministic bytes from a seed (never all zeros). */
function bytesOf(len: number, seed: number): Uint8Array {
  const out = new Uint8Array(len);
  let s = (seed * 2654435761 + 12345) >>> 0;
  for (let i = 0; i < len; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out[i] = (s >>> 16) & 0xff;
  }
  return out;
}

/** A byte length: mostly a few bytes to a page, sometimes several pages. */
function lengthOf(x: number, max: number): number {
  const k = x % 16;
  const len = k < 6 ? 1 + (x >> 4) % 64 : k < 11 ? 1 + (x >> 4) % PAGE : k < 15 ? 1 + (x >> 4) % (2 * PAGE) : 1 + (x >> 4) % (6 * PAGE);
  return Math.max(1, Math.min(len, max));
}

interface MachineSlot {
  m: Machine;
  procs: Proc[];
  socks: SockM[];
  files: Map<string, FileM>;
}

export interface RunStats {
  /** Operations run, per kind (skipped ones excluded). */
  byOp: Record<string, number>;
  /** Commands skipped because they could not apply, per kind. */
  skippedByOp: Record<string, number>;
  ops: number;
  skipped: number;
  settles: number;
  /** Invariant-check reports known to be false positives (see settle). */
  knownFalsePositives: number;
}

export class Runner {
  readonly stats: RunStats = { byOp: {}, skippedByOp: {}, ops: 0, skipped: 0, settles: 0, knownFalsePositives: 0 };
  readonly log: string[] = [];
  private world!: World;
  private ms: MachineSlot[] = [];
  private dgIds = 0;
  private fileIds = 0;
  private step = 0;

  constructor(private readonly kernel: WebAssembly.Module, private readonly trace = false) {}

  private note(s: string): void {
    if (this.trace) this.log.push(`#${this.step} ${s}`);
  }

  private fail(msg: string): never {
    throw new Divergence(`step ${this.step}: ${msg}`);
  }

  /** run: execute the program; throws Divergence (or the kernel's own error) on failure. */
  async run(prog: Program): Promise<RunStats> {
    try {
      return await this.runProgram(prog);
    } finally {
      // The runner checks its machines itself (settle); the end-of-test check need not hold
      // every machine a campaign boots until the test ends. Their kernel instances go back to
      // be reset and reused by the next program's machines (tools/host/reset.ts).
      for (const s of this.ms) checked(s.m);
      this.world?.dispose();
    }
  }

  private async runProgram(prog: Program): Promise<RunStats> {
    const c = prog.config;
    this.world = new World({ kernel: this.kernel, seed: 1 });
    // A program that makes the world run this many events is stuck (a call that waits forever
    // while something keeps scheduling events): a failure, not a hang.
    const step = this.world.step.bind(this.world);
    let events = 0;
    this.world.step = () => {
      if (++events > MAX_EVENTS) this.fail(`the world ran ${MAX_EVENTS} events: a call does not complete`);
      return step();
    };
    for (let i = 0; i < 2; i++) {
      const m = await this.world.machine({ name: i ? "b" : "a", memory: `${c.memoryMiB}M`, disk: new Disk({ store: new FreshStore() }) });
      m.mount();
      this.ms.push({ m, procs: [], socks: PORTS[i].map((port) => new SockM(i, port)), files: new Map() });
    }
    const nic = (ip: string) => ({ ip, mtu: c.mtu, headerSplit: c.headerSplit, checksumOffload: c.checksumOffload, earlyDemux: c.earlyDemux });
    const tap = new WireTap((d) => this.arrived(d));
    connect(this.ms[0].m.attachNic(nic(IPS[0])), this.ms[1].m.attachNic(nic(IPS[1])), { bandwidthBps: 1e9, latencyNs: 10_000, ...ETHERNET, pcap: tap, captureAt: "receive" });
    this.note(`config ${JSON.stringify(c)}`);
    for (let i = 0; i < 2; i++) this.respawn(i);
    for (const cmd of prog.cmds) {
      this.step++;
      if (DEBUG) console.error(`step ${this.step} ${JSON.stringify(cmd)}`);
      if (this.exec(cmd)) {
        this.stats.ops++;
        this.stats.byOp[cmd.op] = (this.stats.byOp[cmd.op] ?? 0) + 1;
      } else {
        this.stats.skipped++;
        this.stats.skippedByOp[cmd.op] = (this.stats.skippedByOp[cmd.op] ?? 0) + 1;
      }
      this.collect();
    }
    this.settle(true);
    return this.stats;
  }

  // ---- processes ------------------------------------------------------------------------------

  /** respawn: machine i has no live process: a new one binds the machine's two ports again. */
  private respawn(i: number): void {
    const s = this.ms[i];
    if (s.procs.some((p) => p.alive)) return;
    // Datagrams still in flight to the closed ports arrive (and are dropped) first; a machine's
    // first process finds nothing in flight.
    if (s.procs.length) this.settle();
    const hp = s.m.spawn();
    const p = new Proc(i, hp.pid, hp, null);
    for (const sock of s.socks) {
      const fd = hp.socket();
      hp.bind(fd, sock.port);
      sock.queue = [];
      sock.holders = 1;
      sock.waiter = null;
      p.fds.set(fd, { kind: "sock", sock });
    }
    s.procs.push(p);
    this.note(`${s.m.name}: spawn ${this.who(p)}`);
    // It starts with four pages of private memory, so that the memory and I/O commands that
    // follow have somewhere to apply (an mmap, as the command makes it).
    this.opMmap({ op: "mmap", m: i, a: 0, b: 3 << 3, c: 1, d: 1, e: 0 });
  }

  /** who: "a:3", process 3 of machine a. */
  private who(p: Proc): string {
    return `${this.ms[p.m].m.name}:${p.pid}`;
  }

  private hp(p: Proc): Process {
    return p.host as Process;
  }

  private live(m: number): Proc[] {
    return this.ms[m].procs.filter((p) => p.alive);
  }

  /** pick: the x-th live process of machine m (runnable only unless blocked is allowed) among
   *  those that can make the call (can: has regions, files...; all of them when none can, and
   *  the command is skipped). When every process of m waits in a receive, one of them is woken
   *  first (unblock). */
  private pick(m: number, x: number, blockedOk = false, can?: (p: Proc) => boolean): Proc | null {
    let ps = this.live(m).filter((p) => blockedOk || !p.pending);
    if (ps.length === 0 && !blockedOk) {
      this.unblock(m, x);
      ps = this.live(m).filter((p) => !p.pending);
    }
    if (can) {
      const able = ps.filter(can);
      if (able.length) ps = able;
    }
    return ps.length ? ps[x % ps.length] : null;
  }

  /** unblock: every process of m waits: the peer machine sends to one waiting on a socket (a
   *  datagram of copy semantics from its own memory), or the waiter is killed. */
  private unblock(m: number, x: number): void {
    const w = this.live(m).find((p) => p.pending);
    if (!w) return;
    const where = w.pending!.where;
    if (where instanceof SockM && this.feeding === 0) {
      const feeder = this.live(1 - m).find((p) => !p.pending && p.regions.some((r) => r.prot & Prot.READ) && [...p.fds.values()].some((h) => h.kind === "sock"));
      if (feeder) {
        const es = [...feeder.fds].filter(([, h]) => h.kind !== "file");
        const port = PORTS[m].indexOf(where.port);
        for (let b = 0; b < 64; b++) {
          const h = es[b % es.length][1];
          if (h.kind !== "sock" || (b >> 4) % 2 !== port) continue;
          const readable = feeder.regions.findIndex((r) => r.prot & Prot.READ);
          this.feeding++;
          try {
            this.opSend({ op: "send", m: 1 - m, a: this.live(1 - m).filter((p) => !p.pending).indexOf(feeder), b, c: readable + feeder.regions.length * 32 * (x % 7), d: x, e: 0 }, false);
          } finally {
            this.feeding--;
          }
          this.world.run();
          this.collect();
          if (!w.pending) return;
          break;
        }
      }
    }
    if (!w.alive || !w.pending) return;
    this.note(`kill ${this.who(w)} (every process of ${this.ms[m].m.name} waits)`);
    this.hp(w).kill();
    this.die(w, "killed");
  }
  private feeding = 0;

  /** die: p is dead in the kernel: let go of everything it held in the model. */
  private die(p: Proc, why: string): void {
    p.alive = false;
    this.note(`${this.who(p)} dies (${why})`);
    if (p.pending) {
      const w = p.pending.where;
      if (w instanceof SockM) w.waiter = null;
      else w.chan.waiter[w.side] = null;
      p.pending = null;
    }
    for (const h of p.fds.values()) this.drop(h);
    p.fds.clear();
    p.regions = [];
    p.iol = [];
    this.hp(p).reap();
    this.respawn(p.m);
  }

  /** drop: one descriptor fewer refers to h's object. */
  private drop(h: Handle): void {
    if (h.kind === "sock") {
      if (--h.sock.holders === 0) {
        for (const dg of h.sock.queue) unwatch(dg);
        h.sock.queue = [];
      }
    } else if (h.kind === "chan") {
      h.chan.open[h.side]--;
    }
  }

  /** killed: a SegmentationFault from the kernel: the process is dead. */
  private killed(p: Proc, e: unknown, expect: { va: number; kill: Kill } | null): void {
    if (!(e instanceof SegmentationFault)) throw e;
    if (e.reason === Kill.OOM) return this.die(p, "out of memory");
    if (!expect) this.fail(`${this.who(p)}: unexpected ${e.message}`);
    if ((e.va >>> 12) !== (expect.va >>> 12) || e.reason !== expect.kill)
      this.fail(`${this.who(p)}: ${e.message}; the model expected ${Kill[expect.kill]} at ${hex(expect.va)}`);
    this.die(p, Kill[e.reason]);
  }

  // ---- memory through the model -----------------------------------------------------------------

  /** resolve: the object page va reaches in p for an access, or the kill it takes. A private
   *  file page is installed (a snapshot of the file) by its first access, as the kernel does;
   *  not by a mere check (install false). */
  private resolve(p: Proc, va: number, write: boolean, install = true): { r: Region; obj: Obj; idx: number } | { kill: Kill } {
    const r = p.find(va);
    if (!r) return { kill: Kill.SEGV_UNMAPPED };
    if (r.prot === Prot.NONE || (write && (r.prot & Prot.WRITE) === 0)) return { kill: Kill.SEGV_PROT };
    const idx = r.pgoff + Math.floor((va - r.start) / PAGE);
    const o = r.obj;
    if (o.kind === "file") {
      if (idx * PAGE >= o.file!.size) return { kill: Kill.SIGBUS };
      if (write && !o.file!.blocks.has(idx)) return { kill: Kill.SIGBUS };
    } else if (o.kind === "priv" && !o.pages.has(idx)) {
      const f = o.file!, fi = o.backOff + idx;
      if (fi * PAGE >= f.size) return { kill: Kill.SIGBUS };
      if (!install) return { r, obj: o, idx };
      o.pages.set(idx, (f.obj.pages.get(fi) ?? new Uint8Array(PAGE)).slice());
      const fz = f.obj.fuzzy.get(fi);
      if (fz) o.fuzzy.set(idx, new Map([...fz].map(([k, v]) => [k, new Set(v)])));
    }
    return { r, obj: o, idx };
  }

  /** firstBad: the first address of [va, va+len) an access cannot make, and why; null if none. */
  private firstBad(p: Proc, va: number, len: number, write: boolean): { va: number; kill: Kill } | null {
    for (let at = va; at < va + len; at = (at & ~(PAGE - 1)) + PAGE) {
      const x = this.resolve(p, at, write, false); // a check is no access: nothing installed
      if ("kill" in x) return { va: at, kill: x.kill };
    }
    return null;
  }

  /** expected: per byte of [va, va+len) in p, the value or the set of values allowed. */
  private expected(p: Proc, va: number, len: number): { exact: Uint8Array; fuzzy: Map<number, Set<number>> } {
    const exact = new Uint8Array(len);
    const fuzzy = new Map<number, Set<number>>();
    for (let done = 0; done < len; ) {
      const at = va + done, off = at % PAGE, n = Math.min(len - done, PAGE - off);
      const x = this.resolve(p, at, false);
      if ("kill" in x) throw new Error("expected: unreadable");
      const pg = x.obj.pages.get(x.idx);
      if (pg) exact.set(pg.subarray(off, off + n), done);
      const fz = x.obj.fuzzy.get(x.idx);
      if (fz) for (const [k, v] of fz) if (k >= off && k < off + n) fuzzy.set(done + k - off, v);
      done += n;
    }
    // A weak receive pending into these bytes: each may also hold the head datagram's byte.
    for (const q of this.live(p.m)) {
      const pi = q.pending;
      if (!pi || !weakSem(pi.sem)) continue;
      const head = (pi.where instanceof SockM ? pi.where.queue : pi.where.chan.queue[pi.where.side])[0];
      for (const [i, j] of this.aliases(p, va, len, q, pi.va, pi.len)) {
        const s = fuzzy.get(i - va) ?? new Set([exact[i - va]]);
        if (head && j - pi.va < head.bytes.length) {
          s.add(head.bytes[j - pi.va]);
          for (const v of head.alts?.get(j - pi.va) ?? []) s.add(v);
        }
        fuzzy.set(i - va, s);
      }
    }
    return { exact, fuzzy };
  }

  /** write: the model's store of bytes at va in p (the range is writable). */
  private write(p: Proc, va: number, bytes: Uint8Array, fuzzyAt?: Map<number, Set<number>>): void {
    for (let done = 0; done < bytes.length; ) {
      const at = va + done, off = at % PAGE, n = Math.min(bytes.length - done, PAGE - off);
      const x = this.resolve(p, at, true);
      if ("kill" in x) throw new Error(`model write at ${hex(at)}: ${Kill[x.kill]}`);
      let fz: Fuzzy | undefined;
      if (fuzzyAt) for (let i = 0; i < n; i++) { const s = fuzzyAt.get(done + i); if (s) (fz ??= new Map()).set(off + i, s); }
      writeObj(x.obj, x.idx, off, bytes.subarray(done, done + n), fz);
      done += n;
    }
    // Stores into a pending weak receive's buffer (by any process sharing it) are remembered.
    for (const q of this.live(p.m)) {
      const pi = q.pending;
      if (pi && weakSem(pi.sem)) for (const [, j] of this.aliases(p, va, bytes.length, q, pi.va, pi.len)) pi.stored.add(j);
    }
  }

  /** aliases: the bytes of [va, va+len) in p that are bytes of [qva, qva+qlen) in q (the same
   *  byte of the same memory object, through any mapping), as pairs of addresses [in p, in q]. */
  private aliases(p: Proc, va: number, len: number, q: Proc, qva: number, qlen: number): [number, number][] {
    const out: [number, number][] = [];
    if (p === q) {
      for (let i = Math.max(va, qva); i < Math.min(va + len, qva + qlen); i++) out.push([i, i]);
      return out;
    }
    const pages = new Map<Obj, Map<number, number>>(); // q's buffer: object -> page index -> page va in q
    for (let at = qva - (qva % PAGE); at < qva + qlen; at += PAGE) {
      const x = this.resolve(q, at, false, false);
      if ("kill" in x) continue;
      let m = pages.get(x.obj);
      if (!m) pages.set(x.obj, (m = new Map()));
      m.set(x.idx, at);
    }
    for (let at = va - (va % PAGE); at < va + len; at += PAGE) {
      const x = this.resolve(p, at, false, false);
      if ("kill" in x) continue;
      const qat = pages.get(x.obj)?.get(x.idx);
      if (qat === undefined) continue;
      for (let off = 0; off < PAGE; off++) {
        const i = at + off, j = qat + off;
        if (i >= va && i < va + len && j >= qva && j < qva + qlen) out.push([i, j]);
      }
    }
    return out;
  }

  /** check: the kernel's bytes against what the model allows; collapse settled fuzzy bytes. */
  private compare(p: Proc, va: number, got: Uint8Array, what: string): void {
    const { exact, fuzzy } = this.expected(p, va, got.length);
    for (let i = 0; i < got.length; i++) {
      const s = fuzzy.get(i);
      if (s ? s.has(got[i]) : got[i] === exact[i]) continue;
      const allowed = s ? `one of [${[...s].slice(0, 8).join(", ")}]` : `${exact[i]}`;
      this.fail(`${what}: ${this.who(p)} byte ${hex(va + i)} (+${i} of ${got.length}) is ${got[i]}, the model allows ${allowed}`);
    }
    // Memory that is no longer under I/O does not move: the value seen is the value from now on.
    if (fuzzy.size === 0) return;
    const busy = (i: number) => this.live(p.m).some((q) => q.pending && weakSem(q.pending.sem) && i >= q.pending.va && i < q.pending.va + q.pending.len);
    for (const i of fuzzy.keys()) {
      if (busy(va + i)) continue;
      const x = this.resolve(p, va + i, false);
      if ("kill" in x) continue;
      const fz = x.obj.fuzzy.get(x.idx);
      const off = (va + i) % PAGE;
      if (!fz?.has(off)) continue;
      fz.delete(off);
      if (fz.size === 0) x.obj.fuzzy.delete(x.idx);
      pageOf(x.obj, x.idx, true)![off] = got[i];
    }
  }

  // ---- choosing buffers ----------------------------------------------------------------------

  /** buffer: a range [va, va+len) inside one of p's regions (or, with bad, outside user space). */
  private buffer(p: Proc, r: number, off: number, len: number, opts: { aligned?: boolean; maxLen?: number } = {}): { va: number; len: number; reg: Region } | null {
    if (p.regions.length === 0) return null;
    const reg = p.regions[r % p.regions.length];
    const size = reg.end - reg.start;
    let o = opts.aligned ? (off % (size / PAGE)) * PAGE : off % size;
    let n = Math.min(lengthOf(len, opts.maxLen ?? 1 << 30), size - o);
    if (n <= 0) return null;
    return { va: reg.start + o, len: n, reg };
  }

  private regionPending(p: Proc, start: number, end: number): boolean {
    return !!p.pending && p.pending.va < end && p.pending.va + p.pending.len > start;
  }

  /** pendingOn: any process's pending receive lies in pages of obj (a file's or a shared one). */
  private pendingOnObj(o: Obj): boolean {
    for (const s of this.ms) for (const q of s.procs) {
      if (!q.alive || !q.pending) continue;
      for (let at = q.pending.va & ~(PAGE - 1); at < q.pending.va + q.pending.len; at += PAGE) if (q.find(at)?.obj === o) return true;
    }
    return false;
  }

  // ---- the commands --------------------------------------------------------------------------

  /** exec: run command c on its machine or, if it cannot apply there, on the other one. */
  private exec(c: Cmd): boolean {
    return this.execOn(c) || this.execOn({ ...c, m: 1 - c.m });
  }

  private execOn(c: Cmd): boolean {
    switch (c.op) {
      case "step": {
        const n = 1 + (c.a % 40);
        for (let i = 0; i < n && this.world.step(); i++);
        this.note(`step ${n} events`);
        return true;
      }
      case "settle":
        this.settle();
        return true;
      case "load": return this.opLoad(c);
      case "store": return this.opStore(c);
      case "mmap": return this.opMmap(c);
      case "munmap": return this.opUnmap(c, false);
      case "mprotect": return this.opUnmap(c, true);
      case "fork": return this.opFork(c);
      case "exit": return this.opExit(c);
      case "send": return this.opSend(c, false);
      case "race": return this.opSend(c, true);
      case "recv": return this.opRecv(c);
      case "channel": return this.opChannel(c);
      case "open": return this.opOpen(c);
      case "close": return this.opClose(c);
      case "read": return this.opReadWrite(c, false);
      case "write": return this.opReadWrite(c, true);
      case "lseek": return this.opLseek(c);
      case "ftruncate": return this.opTruncate(c);
      case "unlink": return this.opUnlink(c);
      case "fsync": return this.opFsync(c);
      case "fmmap": return this.opFmmap(c);
      case "msync": return this.opMsync(c);
      case "pswap": return this.opPswap(c);
      case "iolalloc": return this.opIolAlloc(c);
      case "iolwrite": return this.opIolWrite(c);
      case "iolread": return this.opIolRead(c);
      case "iolfree": return this.opIolFree(c);
      case "iolload": return this.opIolAccess(c, false);
      case "iolstore": return this.opIolAccess(c, true);
    }
  }

  /** sys: a raw system call of p; its result (negative: -errno). */
  private sys(p: Proc, nr: Sys, ...args: number[]): number {
    return this.hp(p).syscall(nr, ...args);
  }

  private expectOk(p: Proc, r: number, what: string, allowed: number[] = []): boolean {
    if (r >= 0) return true;
    if (allowed.includes(-r)) {
      this.note(`${what} -> ${errnoName(-r)} (allowed: failed cleanly)`);
      return false;
    }
    this.fail(`${this.who(p)}: ${what} failed with ${errnoName(-r)}; the model expected success`);
  }

  private expectErr(p: Proc, r: number, errno: number, what: string): void {
    if (r !== -errno) this.fail(`${this.who(p)}: ${what} returned ${r < 0 ? errnoName(-r) : r}; the model expected ${errnoName(errno)}`);
    this.note(`${what} -> ${errnoName(errno)} as expected`);
  }

  private opLoad(c: Cmd): boolean {
    const p = this.pick(c.m, c.a, true, hasRegions);
    if (!p) return false;
    const wild = c.e % 23 === 0;
    const b = wild ? { va: 0x10000 + (c.b % 0x2000) * PAGE + (c.c % PAGE), len: lengthOf(c.d, 3 * PAGE) } : this.buffer(p, c.b, c.c, c.d);
    if (!b) return false;
    if (p.regions.some((r) => r.leaving && r.start < b.va + b.len && r.end > b.va)) return false;
    const bad = this.firstBad(p, b.va, b.len, false);
    const good = bad ? bad.va - b.va : b.len;
    this.note(`${this.who(p)} load ${hex(b.va)} ${b.len}${bad ? ` (faults at ${hex(bad.va)}: ${Kill[bad.kill]})` : ""}`);
    try {
      if (good > 0) this.compare(p, b.va, this.hp(p).load(b.va, good), "load");
      if (bad) {
        this.hp(p).load(bad.va, 1);
        this.fail(`${this.who(p)}: load at ${hex(bad.va)} succeeded; the model expected ${Kill[bad.kill]}`);
      }
    } catch (e) {
      if (e instanceof Divergence) throw e;
      this.killed(p, e, bad);
    }
    return true;
  }

  private opStore(c: Cmd): boolean {
    const p = this.pick(c.m, c.a, true, hasRegions);
    if (!p) return false;
    const b = this.buffer(p, c.b, c.c, c.d);
    if (!b) return false;
    if (p.regions.some((r) => r.leaving && r.start < b.va + b.len && r.end > b.va)) return false;
    return this.storeAt(p, b.va, bytesOf(b.len, c.e));
  }

  private storeAt(p: Proc, va: number, data: Uint8Array): boolean {
    const bad = this.firstBad(p, va, data.length, true);
    const good = bad ? bad.va - va : data.length;
    this.note(`${this.who(p)} store ${hex(va)} ${data.length}${bad ? ` (faults at ${hex(bad.va)}: ${Kill[bad.kill]})` : ""}`);
    try {
      if (good > 0) {
        this.hp(p).store(va, data.subarray(0, good));
        this.write(p, va, data.subarray(0, good));
      }
      if (bad) {
        this.hp(p).store(bad.va, data.subarray(good, good + 1));
        this.fail(`${this.who(p)}: store at ${hex(bad.va)} succeeded; the model expected ${Kill[bad.kill]}`);
      }
    } catch (e) {
      if (e instanceof Divergence) throw e;
      if (e instanceof SegmentationFault && e.reason === Kill.OOM && !bad) {
        // Killed in the middle: the pages before the one that could not be had were written.
        const done = (e.va & ~(PAGE - 1)) - va;
        if (done > 0) this.write(p, va, data.subarray(0, done));
      }
      this.killed(p, e, bad);
    }
    return true;
  }

  private addRegion(p: Proc, r: Region): void {
    for (const q of p.regions)
      if (q.start < r.end && r.start < q.end) this.fail(`${this.who(p)}: the kernel placed [${hex(r.start)}, ${hex(r.end)}) over the live region [${hex(q.start)}, ${hex(q.end)})`);
    p.regions.push(r);
    p.regions.sort((x, y) => x.start - y.start);
  }

  private opMmap(c: Cmd): boolean {
    const p = this.pick(c.m, c.a);
    if (!p || p.regions.length >= MAX_REGIONS) return false;
    const pages = c.b % 8 === 7 ? 8 + (c.b >> 3) % 9 : 1 + (c.b >> 3) % 4;
    const shared = c.c % 4 === 0;
    const prot = c.d % 10 === 0 ? Prot.READ : Prot.READ | Prot.WRITE;
    this.note(`${this.who(p)} mmap ${pages} pages${shared ? " shared" : ""} prot ${prot}`);
    const va = this.sys(p, Sys.MMAP, 0, pages * PAGE, prot, shared ? 2 : 1, -1, 0);
    if (!this.expectOk(p, va, "mmap", [12])) return true;
    this.note(`  at ${hex(va)}`);
    this.addRegion(p, { start: va >>> 0, end: (va >>> 0) + pages * PAGE, prot, obj: new Obj("anon"), pgoff: 0, shared });
    return true;
  }

  /** cut: take [s, e) out of p's regions (split what straddles); apply fn to the parts inside. */
  private cut(p: Proc, s: number, e: number, inside: ((r: Region) => Region | null)): void {
    const out: Region[] = [];
    for (const r of p.regions) {
      if (r.end <= s || r.start >= e) { out.push(r); continue; }
      if (r.start < s) out.push({ ...r, end: s });
      const mid = { ...r, start: Math.max(r.start, s), end: Math.min(r.end, e), pgoff: r.pgoff + (Math.max(r.start, s) - r.start) / PAGE };
      const keep = inside(mid);
      if (keep) out.push(keep);
      if (r.end > e) out.push({ ...r, start: e, pgoff: r.pgoff + (e - r.start) / PAGE });
    }
    p.regions = out.sort((x, y) => x.start - y.start);
  }

  private opUnmap(c: Cmd, protect: boolean): boolean {
    const p = this.pick(c.m, c.a, false, hasRegions);
    if (!p || p.regions.length === 0) return false;
    const r = p.regions[c.b % p.regions.length];
    if (r.leaving) return false;
    const pages = (r.end - r.start) / PAGE;
    const a = c.c % pages, n = 1 + (c.d % (pages - a));
    const s = r.start + a * PAGE, e = s + n * PAGE;
    if (this.regionPending(p, s, e)) return false;
    if (protect) {
      const prot = [Prot.NONE, Prot.READ, Prot.READ | Prot.WRITE][c.e % 3];
      if (r.obj.kind === "file" && r.shared && prot & Prot.WRITE) {
        const h = [...p.fds.values()].find((h) => h.kind === "file" && h.file === r.obj.file);
        if (!h) return false; // the descriptor's mode decides; keep to what the model can tell
      }
      this.note(`${this.who(p)} mprotect ${hex(s)} ${n} pages prot ${prot}`);
      const res = this.sys(p, Sys.MPROTECT, s, n * PAGE, prot);
      if (res === -13) { this.note("mprotect -> EACCES"); return true; }
      if (!this.expectOk(p, res, "mprotect", [12])) return true;
      this.cut(p, s, e, (m) => ({ ...m, prot }));
    } else {
      this.note(`${this.who(p)} munmap ${hex(s)} ${n} pages`);
      if (!this.expectOk(p, this.sys(p, Sys.MUNMAP, s, n * PAGE), "munmap")) return true;
      this.cut(p, s, e, () => null);
    }
    return true;
  }

  private opFork(c: Cmd): boolean {
    const p = this.pick(c.m, c.a);
    if (!p || this.live(c.m).length >= MAX_PROCS_PER_MACHINE) return false;
    this.note(`${this.who(p)} fork`);
    let child: Process;
    try {
      child = this.hp(p).fork();
    } catch (e) {
      if (e instanceof SyscallError && (e.errno === 12 || e.errno === 11)) return true;
      throw e;
    }
    const q = new Proc(p.m, child.pid, child, p);
    const copies = new Map<Obj, Obj>();
    // A region a weak move is taking leaves the parent only; the child keeps its copy.
    q.regions = p.regions.map((r) => {
      if (r.shared) return { ...r, leaving: undefined };
      let o = copies.get(r.obj);
      if (!o) copies.set(r.obj, (o = copyObj(r.obj)));
      return { ...r, obj: o, leaving: undefined };
    });
    for (const [fd, h] of p.fds) {
      q.fds.set(fd, h.kind === "file" ? { ...h } : h);
      if (h.kind === "sock") h.sock.holders++;
      else if (h.kind === "chan") h.chan.open[h.side]++;
    }
    this.ms[p.m].procs.push(q);
    this.note(`  child ${this.who(q)}`);
    return true;
  }

  private opExit(c: Cmd): boolean {
    const p = this.pick(c.m, c.a, true);
    if (!p) return false;
    if (p.pending || c.b % 3 === 0) {
      this.note(`kill ${this.who(p)}`);
      this.hp(p).kill();
    } else {
      this.note(`${this.who(p)} exit`);
      this.hp(p).exit(0);
    }
    this.die(p, "exit");
    return true;
  }

  /** socket: a descriptor of p that is a socket or channel end, chosen by x. */
  private endpoint(p: Proc, x: number): [number, Handle] | null {
    const es = [...p.fds].filter(([, h]) => h.kind !== "file");
    return es.length ? es[x % es.length] : null;
  }

  private opChannel(c: Cmd): boolean {
    const p = this.pick(c.m, c.a);
    if (!p || p.fds.size > 10) return false;
    this.note(`${this.who(p)} channel`);
    const a = this.sys(p, Sys.CHANNEL);
    if (!this.expectOk(p, a, "channel", [12, 24])) return true;
    const b = this.hp(p).machine.k.sysret(0);
    const ch = new ChanM();
    ch.open = [1, 1];
    p.fds.set(a, { kind: "chan", chan: ch, side: 0 });
    p.fds.set(b, { kind: "chan", chan: ch, side: 1 });
    return true;
  }

  private opSend(c: Cmd, race: boolean): boolean {
    const p = this.pick(c.m, c.a, false, hasEndpointAndRegions);
    if (!p) return false;
    const ep = this.endpoint(p, c.b);
    if (!ep) return false;
    const [fd, h] = ep;
    const sem = SEMS[c.e % SEMS.length];
    const move = moveSem(sem);
    // Where it goes, and whether the destination can take it.
    let dst: Dgram[] | null = null;
    let sock: SockM | null = null;
    let port = 0;
    // One socket send in five goes to the machine's own address (its NIC's or 127.0.0.1): the
    // loopback, which copies the data at the call and delivers it at once (net/loopback.ts).
    const loop = h.kind === "sock" && (c.b >> 6) % 5 === 4;
    const dstIp = loop ? ((c.b >> 9) % 2 ? LOOPBACK_IP : parseIp(IPS[p.m])) : parseIp(IPS[1 - p.m]);
    if (h.kind === "sock") {
      sock = this.ms[loop ? p.m : 1 - p.m].socks[(c.b >> 4) % 2];
      port = sock.port;
      dst = sock.holders > 0 ? sock.queue : null;
      // Arrival order is the model's queue order: a datagram sent to the machine itself goes
      // only where none from the wire may still be on its way in.
      if (loop && (sock.sent.length || sock.queue.some((d) => !d.settled))) return false;
    } else if (h.kind === "chan") {
      dst = h.chan.queue[1 - h.side];
    }
    if (dst && dst.length >= QUEUE_LIMIT) return false;
    const kind = (c.d >> 8) % 29;
    let b: { va: number; len: number; reg?: Region } | null;
    if (kind === 0) b = { va: 0x1000 + (c.c % 8) * 16, len: 1 + (c.d % 100) }; // below user space
    else b = this.buffer(p, c.c, c.c >> 5, c.d, { aligned: move && c.c % 8 !== 0 });
    if (!b) return false;
    const reg = b.reg;
    const args = (va: number) => [fd, va, b!.len, sem, h.kind === "sock" ? dstIp : 0, port] as const;
    const what = `sendto(${fd}${h.kind === "chan" ? " chan" : ` ${loop ? `${dstIp === LOOPBACK_IP ? "127.0.0.1" : "own address"} ` : ""}port ${port}`}, ${hex(b.va)}, ${b.len}, ${SEM_NAME[sem]})`;
    this.note(`${this.who(p)} ${what}${race ? " + store" : ""}`);
    if (!reg) return this.expectErr(p, this.sys(p, Sys.SENDTO, ...args(b.va)), 14, what), true;
    if (reg.leaving) return false;
    if (move && p.pending && this.regionPending(p, b.va & ~(PAGE - 1), b.va + b.len + PAGE)) return false;
    // What the model says the call must do.
    let errno = 0;
    const bad = this.firstBad(p, b.va, b.len, false);
    if (move && b.va % PAGE !== 0) errno = 22;
    else if (bad) errno = 14;
    else if (move) {
      const end = b.va + Math.ceil(b.len / PAGE) * PAGE;
      for (let at = b.va; at < end; at += PAGE) {
        const r = p.find(at);
        if (!r) { errno = 14; break; }
        if (r.shared || r.leaving) { errno = 22; break; }
      }
    }
    if (h.kind === "chan" && !errno && h.chan.open[1 - h.side] === 0) errno = 32;
    if (errno) {
      // A move of pages the model cannot see faults in anyway; the error must be clean.
      const r = this.sys(p, Sys.SENDTO, ...args(b.va));
      if (errno === 14 && move && r === -22) return true; // a hidden page inside: EINVAL first
      // Misaligned and unreachable both: either error may be the one reported.
      if (errno === 22 && bad && r === -14) return true;
      this.expectErr(p, r, errno, what);
      return true;
    }
    const { exact, fuzzy } = this.expected(p, b.va, b.len);
    // A datagram to the machine itself is delivered (or dropped) within the call: settled.
    const dg: Dgram = { id: ++this.dgIds, sem, bytes: exact, alts: fuzzy.size ? fuzzy : null, settled: loop, watchers: [], loop };
    const r = this.sys(p, Sys.SENDTO, ...args(b.va));
    if (!this.expectOk(p, r, what, loop ? [12, 11, Errno.ENOBUFS] : [12, 11])) return true;
    if (r !== b.len) this.fail(`${this.who(p)}: ${what} returned ${r}`);
    // The loopback copies the data at the call: later stores never reach it, whatever the
    // semantics; so only a datagram bound for the wire is watched.
    if (weakSem(sem) && !loop) {
      // Every page sent is watched: stores into it until delivery may be sent too.
      for (let done = 0; done < b.len; ) {
        const at = b.va + done, off = at % PAGE, n = Math.min(b.len - done, PAGE - off);
        const x = this.resolve(p, at, false);
        if (!("kill" in x)) {
          const ws = x.obj.watch.get(x.idx) ?? [];
          ws.push({ dg, from: off, to: off + n, at: done });
          x.obj.watch.set(x.idx, ws);
          dg.watchers.push([x.obj, x.idx]);
        }
        done += n;
      }
    }
    if (move) {
      const end = b.va + Math.ceil(b.len / PAGE) * PAGE;
      if (sem === Sem.MOVE || sem === Sem.EMULATED_MOVE) this.cut(p, b.va, end, () => null);
      else this.cut(p, b.va, end, (m) => ({ ...m, leaving: dg }));
    }
    // Deliver (model): a channel's waiting receiver gets it now; a socket's queue holds it.
    if (h.kind === "chan") {
      const w = h.chan.waiter[1 - h.side];
      dst!.push(dg);
      if (w && w.alive && w.pending) this.deliver(w, this.hp(w).state === ProcState.BLOCKED ? null : "sync");
    } else if (loop) {
      this.stats.byOp["send to itself"] = (this.stats.byOp["send to itself"] ?? 0) + 1;
      // Delivered in the call: a receive waiting on the port has completed.
      if (dst) dst.push(dg);
      this.collect();
    } else {
      sock!.sent.push(dg);
      if (dst) dst.push(dg);
      else unwatch(dg);
    }
    if (race && !move) {
      // A store right after the send, before its output completes.
      const at = b.va + (c.a % b.len), len = Math.min(1 + (c.a >> 3) % 64, b.va + b.len - at);
      this.storeAt(p, at, bytesOf(len, c.d ^ 0x5a5a));
    } else if (race && move && sem !== Sem.MOVE && sem !== Sem.EMULATED_MOVE) {
      // Touching a weak move's buffer during output: allowed to be seen only by the sender.
      this.syncLeaving(p);
    }
    return true;
  }

  private opRecv(c: Cmd): boolean {
    const p = this.pick(c.m, c.a, false, hasEndpointAndRegions);
    if (!p) return false;
    const ep = this.endpoint(p, c.b);
    if (!ep) return false;
    const fd = ep[0], h = ep[1] as Exclude<Handle, { kind: "file" }>;
    const sem = SEMS[c.e % SEMS.length];
    const dontwait = c.e % 5 === 0;
    const queue = h.kind === "sock" ? h.sock.queue : h.kind === "chan" ? h.chan.queue[h.side] : null;
    if (!queue) return false;
    const busy = h.kind === "sock" ? h.sock.waiter : h.kind === "chan" ? h.chan.waiter[h.side] : null;
    // Now and then a receive of length 0 at the top of the address space (it takes the next
    // datagram, truncated to nothing, or fails cleanly with EFAULT or EINVAL taking nothing).
    const top = c.d % 41 === 40;
    if (top && busy && busy.alive && busy.pending) return false;
    const b = top ? { va: 0xfffff000 + (c.c % PAGE), len: 0, reg: null } : this.buffer(p, c.c, c.c >> 5, c.d);
    if (!b) return false;
    if (!moveSem(sem) && b.reg) {
      // Input into memory the model can write, and that no weak move is taking.
      if (this.firstBad(p, b.va, b.len, true) || b.reg.leaving) return false;
      if (b.reg.obj.kind === "file" && b.reg.obj.file!.size < (b.reg.pgoff + (b.reg.end - b.reg.start) / PAGE) * PAGE) return false;
    }
    const what = `recvfrom(${fd}${h.kind === "chan" ? ` chan end ${h.side}` : ` port ${h.sock.port}`}, ${hex(b.va)}, ${b.len}, ${SEM_NAME[sem]}${dontwait ? ", dontwait" : ""})`;
    this.note(`${this.who(p)} ${what}`);
    const flags = sem | (dontwait ? 0x100 : 0);
    const hp = this.hp(p);
    const r = hp.syscall(Sys.RECVFROM, fd, b.va, b.len, flags);
    if (!moveSem(sem) && b.reg) this.inputTouches(p, b.va, b.len, sem);
    if (busy && busy.alive && busy.pending) {
      this.expectErr(p, r, 16, what);
      return true;
    }
    if (top && (r === -14 || r === -22)) {
      this.note(`${what} -> ${errnoName(-r)} (nothing taken)`);
      return true;
    }
    const where = h.kind === "sock" ? h.sock : { chan: h.chan, side: h.side };
    p.pending = { sem, va: b.va, len: b.len, stored: new Set(), where };
    if (r === SYS_BLOCKED) {
      if (dontwait) this.fail(`${this.who(p)}: ${what} blocked`);
      // Every datagram that surely arrived and is not queued was dropped for want of memory.
      while (queue.length && queue[0].settled) this.lost(p.m, queue, `${this.who(p)}: ${what} waits, but a datagram has arrived (the model's queue holds ${queue.length})`);
      if (h.kind === "sock") h.sock.waiter = p;
      else if (h.kind === "chan") h.chan.waiter[h.side] = p;
      return true;
    }
    if (r === -11) {
      p.pending = null;
      if (!dontwait) this.fail(`${this.who(p)}: ${what} -> EAGAIN without dontwait`);
      while (queue.length && queue[0].settled) this.lost(p.m, queue, `${this.who(p)}: ${what} -> EAGAIN, but a datagram has arrived`);
      return true;
    }
    if (r === 0 && h.kind === "chan" && queue.length === 0 && h.chan.open[1 - h.side] === 0) {
      p.pending = null;
      return true; // end of messages
    }
    if (queue.length === 0) {
      p.pending = null;
      this.fail(`${this.who(p)}: ${what} returned ${r < 0 ? errnoName(-r) : r} with nothing sent to it`);
    }
    this.finish(p, r, hp.machine.k.sysret(2) >>> 0);
    return true;
  }

  /** inputTouches: a receive into [va, va+len) (not the move family) reads in, before it looks
   *  at the queue, the file pages it covers in part, and under share every file page
   *  (kernel/io/resident.ts, inputPrepare): a first access, so a private file mapping's page
   *  becomes the process's snapshot of the file then, whatever the receive returns. */
  private inputTouches(p: Proc, va: number, len: number, sem: Sem): void {
    const end = va + len;
    for (let at = va - (va % PAGE); at < end; at += PAGE) {
      const whole = at >= va && at + PAGE <= end;
      if (sem === Sem.SHARE || !whole) this.resolve(p, Math.max(at, va), false);
    }
  }

  /** deliver: p's pending receive completed in the kernel (during a send on a channel: sync). */
  private deliver(p: Proc, _how: string | null): void {
    const hp = this.hp(p);
    if (hp.state === ProcState.BLOCKED) return; // not yet
    let res: Received;
    try {
      res = hp.awaitWake(() => "recvfrom");
    } catch (e) {
      if (e instanceof ProcessGone) return;
      if (e instanceof SyscallError) {
        this.finish(p, -e.errno, 0);
        return;
      }
      throw e;
    }
    this.finish(p, res.len, res.va);
  }

  /** finish: p's receive returned r (bytes, or -errno) and, under move, the data at va. */
  private finish(p: Proc, r: number, va: number): void {
    const pi = p.pending!;
    p.pending = null;
    const w = pi.where;
    if (w instanceof SockM) { if (w.waiter === p) w.waiter = null; }
    else if (w.chan.waiter[w.side] === p) w.chan.waiter[w.side] = null;
    const queue = w instanceof SockM ? w.queue : w.chan.queue[w.side];
    const what = `${this.who(p)}: recvfrom(${hex(pi.va)}, ${pi.len}, ${SEM_NAME[pi.sem]})`;
    // A datagram that crossed the wire with a bad checksum never reaches a socket.
    while (queue.length && queue[0].wire === "bad") {
      if (r >= 0) this.droppedInPlace(p, pi, queue[0]);
      this.lost(p.m, queue, `${what}: datagram ${queue[0].id} had a bad checksum`);
    }
    const dg = queue.shift();
    if (!dg) this.fail(`${what} completed (${r}) with nothing sent to it`);
    unwatch(dg);
    if (r === -12 && moveSem(pi.sem)) { this.note(`${what} -> ENOMEM (datagram consumed)`); return; }
    queue.unshift(dg);
    const k = this.deliveredIndex(p, pi, queue, r, va);
    if (k > 0) {
      // Not the head: datagrams before the one delivered were dropped (see lost).
      for (let i = 0; i < k; i++) {
        this.droppedInPlace(p, pi, queue[0]);
        this.lost(p.m, queue, `${what} returned ${r}`);
      }
      p.pending = pi;
      return this.finish(p, r, va);
    }
    queue.shift();
    const n = Math.min(pi.len, dg.bytes.length);
    if (r !== n) this.fail(`${what} returned ${r < 0 ? errnoName(-r) : r}; the model expected ${n} (datagram ${dg.id} of ${dg.bytes.length} bytes; drops: ${JSON.stringify(this.ms[p.m].m.drops())})`);
    this.note(`${what} <- datagram ${dg.id} (${n} bytes)${va ? ` at ${hex(va)}` : ""}`);
    const alts = new Map<number, Set<number>>();
    if (dg.alts) for (const [i, s] of dg.alts) if (i < n) alts.set(i, new Set([dg.bytes[i], ...s]));
    if (moveSem(pi.sem)) {
      if (n === 0) return;
      const o = pi.va % PAGE;
      if (va % PAGE !== o) this.fail(`${what}: data at ${hex(va)}, not at the buffer's page offset ${o}`);
      const start = va - o, end = start + Math.ceil((o + n) / PAGE) * PAGE;
      // A weak move's region the new one covers had left (its output completed) before.
      this.cut(p, start, end, (r) => (r.leaving ? null : r));
      this.addRegion(p, { start, end, prot: Prot.READ | Prot.WRITE, obj: new Obj("anon"), pgoff: 0, shared: false });
      this.write(p, va, dg.bytes.subarray(0, n), alts);
      return; // the rest of the region reads as zeros
    }
    if (weakSem(pi.sem)) for (const a of pi.stored) if (a - pi.va < n) {
      const x = this.expected(p, a, 1);
      const s = alts.get(a - pi.va) ?? new Set([dg.bytes[a - pi.va]]);
      s.add(x.exact[0]);
      for (const v of x.fuzzy.get(0) ?? []) s.add(v);
      alts.set(a - pi.va, s);
    }
    this.write(p, pi.va, dg.bytes.subarray(0, n), alts);
  }

  /** droppedInPlace: a share receive may have the adapter lay packets straight into its buffer
   *  (early demultiplexing with header split, kernel/io/align.ts): a datagram dropped after it
   *  landed there (a bad checksum) leaves its bytes in the buffer, the receiver's own (weak
   *  integrity). Each byte it covers holds its old value or the dropped datagram's. (Seed
   *  20261204, program 284: the kernel sent such a byte, which the model had not allowed.) */
  private droppedInPlace(p: Proc, pi: PendingIn, dg: Dgram): void {
    if (pi.sem !== Sem.SHARE) return;
    const n = Math.min(pi.len, dg.bytes.length);
    if (n === 0) return;
    const old = this.expected(p, pi.va, n);
    const alts = new Map<number, Set<number>>();
    for (let i = 0; i < n; i++) {
      const s = new Set(old.fuzzy.get(i) ?? []);
      s.add(old.exact[i]);
      s.add(dg.bytes[i]);
      for (const v of dg.alts?.get(i) ?? []) s.add(v);
      alts.set(i, s);
    }
    this.write(p, pi.va, old.exact, alts);
  }

  /** deliveredIndex: which datagram of queue p's receive got (r bytes; at va under move): the
   *  first whose length fits r and whose bytes are the ones received, among those the drops
   *  not yet charged can account for losing all before it; the head when none fits. A length
   *  alone cannot tell a truncated datagram from another one behind it. */
  private deliveredIndex(p: Proc, pi: PendingIn, queue: Dgram[], r: number, va: number): number {
    if (r < 0) return 0;
    const at = moveSem(pi.sem) ? va : pi.va;
    const got = r > 0 ? this.peek(p, at, r) : null;
    const fits = (d: Dgram) => Math.min(pi.len, d.bytes.length) === r;
    const same = (d: Dgram) => !got || got.every((v, i) => v < 0 || v === d.bytes[i] || !!d.alts?.get(i)?.has(v) || (weakSem(pi.sem) && pi.stored.has(at + i)));
    let byLength = -1, found = -1;
    const charged = [...this.charged], csum = [...this.chargedCsum];
    for (let k = 0; k < queue.length && found < 0; k++) {
      if (fits(queue[k])) {
        if (same(queue[k])) found = k;
        else if (byLength < 0) byLength = k;
      }
      if (found >= 0 || !this.canLose(p.m, queue[k])) break;
      this.charge(p.m, queue[k]); // trial: losing queue[k] too (undone below)
    }
    this.charged = charged;
    this.chargedCsum = csum;
    if (found >= 0) return found;
    return Math.max(0, fits(queue[0]) ? 0 : byLength);
  }

  /** peek: the bytes at [va, va+len) of p as its page tables map them now, read without an
   *  access (no fault, no accessed bit); -1 for a byte on a page not present. */
  private peek(p: Proc, va: number, len: number): Int16Array {
    const m = this.ms[p.m].m, out = new Int16Array(len).fill(-1);
    for (let done = 0; done < len; ) {
      const a = va + done, n = Math.min(len - done, PAGE - (a % PAGE));
      const t = m.explain(p.pid, a);
      if (t.present) out.set(m.ram.subarray(t.pa, t.pa + n), done);
      done += n;
    }
    return out;
  }

  /** Drops the model has charged a lost datagram to, per machine: resource drops (reasons a
   *  correct kernel may take under memory pressure), and bad UDP checksums, which only a
   *  datagram whose sender wrote into it during a weak output may take (its own data). */
  private charged = [0, 0];
  private chargedCsum = [0, 0];

  private resourceDrops(m: number): number {
    const d = this.ms[m].m.drops();
    return (d.NoMemory ?? 0) + (d.ReasmMemory ?? 0) + (d.ReasmTableFull ?? 0) + (d.SocketFull ?? 0);
  }

  private canLose(m: number, dg: Dgram): boolean {
    return this.resourceDrops(m) > this.charged[m] || (this.csumLoss(dg) && (this.ms[m].m.drops().BadUdpChecksum ?? 0) > this.chargedCsum[m]);
  }

  /** csumLoss: may dg be dropped for a bad checksum? Only if it crossed the wire with one (which
   *  only a weak output's own sender may cause: arrived checks that). */
  private csumLoss(dg: Dgram): boolean {
    return dg.wire === "bad";
  }

  /** A datagram on the wire the model does not allow (reported at the next collect). */
  private wireFault: string | null = null;

  /** arrived: datagram d reached a NIC: it is the next one sent to its port whose length and
   *  bytes it has (earlier ones never left their machine); note how its checksum fared. */
  private arrived(d: WireDatagram): void {
    const m = IPS.findIndex((ip) => parseIp(ip) === d.dst);
    const sock = this.ms[m]?.socks.find((s) => s.port === d.dport);
    if (!sock) return;
    const i = sock.sent.findIndex((dg) => dg.bytes.length === d.data.length && d.data.every((v, j) => v === dg.bytes[j] || !!dg.alts?.get(j)?.has(v)));
    if (i < 0) {
      const near = sock.sent.find((dg) => dg.bytes.length === d.data.length);
      const j = near ? d.data.findIndex((v, j) => v !== near.bytes[j] && !near.alts?.get(j)?.has(v)) : -1;
      const why = near ? `; datagram ${near.id} (${SEM_NAME[near.sem]}) has that length, but its byte ${j} is ${near.bytes[j]}${near.alts?.get(j) ? ` or one of ${[...near.alts.get(j)!].join(",")}` : ""}, not ${d.data[j]}` : "";
      this.wireFault ??= `a datagram of ${d.data.length} bytes to ${this.ms[m].m.name} port ${d.dport} crossed the wire with bytes no datagram sent to that port may hold${why}`;
      return;
    }
    const dg = sock.sent[i];
    sock.sent.splice(0, i + 1);
    dg.wire = d.csumOk ? "ok" : "bad";
    this.note(`datagram ${dg.id} reached ${this.ms[m].m.name}${d.csumOk ? "" : " with a bad UDP checksum"}${i ? ` (${i} sent before it never left)` : ""}`);
    if (!d.csumOk && !weakSem(dg.sem)) this.wireFault ??= `datagram ${dg.id} (${SEM_NAME[dg.sem]}, a strong semantics) crossed the wire with a bad UDP checksum`;
  }

  /** charge: dg's loss is accounted to one drop of machine m (a bad checksum if it may take one). */
  private charge(m: number, dg: Dgram): void {
    if (this.csumLoss(dg) && (this.ms[m].m.drops().BadUdpChecksum ?? 0) > this.chargedCsum[m]) this.chargedCsum[m]++;
    else this.charged[m]++;
  }

  /** lost: the head of queue (to machine m) never arrived: a drop must account for it. */
  private lost(m: number, queue: Dgram[], why: string): void {
    const dg = queue[0];
    if (!this.canLose(m, dg)) this.fail(`${why}; ${this.ms[m].m.name} dropped nothing that could be datagram ${dg.id} (drops: ${JSON.stringify(this.ms[m].m.drops())})`);
    this.charge(m, dg);
    queue.shift();
    unwatch(dg);
    this.note(`datagram ${dg.id} counted lost (${JSON.stringify(this.ms[m].m.drops())})`);
  }

  /** collect: every pending receive the kernel has completed is applied to the model. */
  private collect(): void {
    if (this.wireFault) this.fail(this.wireFault);
    for (const s of this.ms) for (const p of s.procs) {
      if (!p.alive) continue;
      // A weak move's region may have left before an input placed a new region there.
      this.syncLeaving(p);
      if (p.pending && this.hp(p).state !== ProcState.BLOCKED) this.deliver(p, null);
    }
  }

  /** syncLeaving: a weak move's region leaves the process when its output completes. */
  private syncLeaving(p: Proc): void {
    if (!p.regions.some((r) => r.leaving)) return;
    const kr = this.hp(p).regions();
    for (const r of p.regions.filter((r) => r.leaving)) {
      // A hidden region (emulated weak move) is listed with protection NONE.
      const mapped = kr.some((k) => k.start <= r.start && k.end >= r.end && k.prot !== Prot.NONE);
      if (!mapped) this.cut(p, r.start, r.end, () => null);
    }
  }

  // ---- files ---------------------------------------------------------------------------------

  private fileFd(p: Proc, x: number): [number, Handle & { kind: "file" }] | null {
    const fs = [...p.fds].filter(([, h]) => h.kind === "file") as [number, Handle & { kind: "file" }][];
    return fs.length ? fs[x % fs.length] : null;
  }

  private opOpen(c: Cmd): boolean {
    const p = this.pick(c.m, c.a);
    if (!p || p.fds.size > 12) return false;
    const name = NAMES[c.b % NAMES.length];
    const files = this.ms[c.m].files;
    const mode = c.c % 6 === 0 ? OpenFlag.RDONLY : OpenFlag.RDWR;
    const create = c.c % 3 !== 1, excl = c.c % 17 === 0, trunc = c.c % 11 === 0;
    const flags = mode | (create ? OpenFlag.CREAT : 0) | (excl ? OpenFlag.EXCL : 0) | (trunc && mode !== OpenFlag.RDONLY ? OpenFlag.TRUNC : 0);
    let f = files.get(name);
    const what = `open("/${name}", 0x${flags.toString(16)})`;
    this.note(`${this.who(p)} ${what}`);
    if (trunc && f && mode !== OpenFlag.RDONLY && this.pendingOnObj(f.obj)) return false;
    let r: number;
    try {
      r = this.hp(p).open("/" + name, flags);
    } catch (e) {
      if (!(e instanceof SyscallError)) throw e;
      r = -e.errno;
    }
    if (!f && !create) return this.expectErr(p, r, 2, what), true;
    if (f && create && excl) return this.expectErr(p, r, 17, what), true;
    if (!this.expectOk(p, r, what, [28, 12, 24])) return true;
    if (!f) {
      f = new FileM(name);
      files.set(name, f);
    }
    if (flags & OpenFlag.TRUNC) this.truncate(f, 0);
    p.fds.set(r, { kind: "file", file: f, off: { v: 0 }, readable: true, writable: mode !== OpenFlag.RDONLY, id: ++this.fileIds });
    return true;
  }

  private opClose(c: Cmd): boolean {
    const p = this.pick(c.m, c.a, false, hasFile);
    if (!p) return false;
    if (c.b % 7 === 0) {
      this.note(`${this.who(p)} close(77)`);
      return this.expectErr(p, this.sys(p, Sys.CLOSE, 77), 9, "close(77)"), true;
    }
    const ff = this.fileFd(p, c.b);
    if (!ff) return false;
    this.note(`${this.who(p)} close(${ff[0]})`);
    this.expectOk(p, this.sys(p, Sys.CLOSE, ff[0]), `close(${ff[0]})`);
    p.fds.delete(ff[0]);
    return true;
  }

  /** truncate: the model's file cut or grown to size. */
  private truncate(f: FileM, size: number): void {
    const keep = Math.ceil(size / PAGE);
    for (const i of [...f.obj.pages.keys()]) if (i >= keep) f.obj.pages.delete(i);
    for (const i of [...f.blocks]) if (i >= keep) f.blocks.delete(i);
    if (size % PAGE) {
      const pg = f.obj.pages.get(keep - 1);
      if (pg) pg.fill(0, size % PAGE);
    }
    f.size = size;
  }

  private opReadWrite(c: Cmd, isWrite: boolean): boolean {
    const p = this.pick(c.m, c.a, false, (q) => hasFile(q) && hasRegions(q));
    if (!p) return false;
    if (c.b % 31 === 0) {
      const what = `${isWrite ? "write" : "read"}(77)`;
      this.note(`${this.who(p)} ${what}`);
      return this.expectErr(p, this.sys(p, isWrite ? Sys.WRITE : Sys.READ, 77, 0x10000, 1, 0), 9, what), true;
    }
    const ff = this.fileFd(p, c.b);
    if (!ff) return false;
    const [fd, h] = ff;
    const sem = FILE_SEMS[c.e % 2];
    const b = this.buffer(p, c.c, c.c >> 5, c.d, { maxLen: 3 * PAGE });
    if (!b || b.reg.leaving) return false;
    const f = h.file;
    const what = `${isWrite ? "write" : "read"}(${fd}, ${hex(b.va)}, ${b.len}, ${SEM_NAME[sem]}) at ${h.off.v}`;
    if (this.firstBad(p, b.va, b.len, !isWrite)) return false;
    if (b.reg.obj.file === f) return false; // a file read into (or written from) its own mapping
    if (isWrite && h.off.v + b.len > MAX_FILE) return false;
    if (!isWrite && this.regionPending(p, b.va, b.va + b.len)) return false;
    this.note(`${this.who(p)} ${what}`);
    const hp = this.hp(p);
    let r: number;
    try {
      r = isWrite ? hp.write(fd, b.va, b.len, { sem }) : hp.read(fd, b.va, b.len, { sem });
    } catch (e) {
      if (!(e instanceof SyscallError)) throw e;
      r = -e.errno;
    }
    if (isWrite && !h.writable) return this.expectErr(p, r, 9, what), true;
    if (!this.expectOk(p, r, what, [28, 12])) return true;
    const off = h.off.v;
    if (isWrite) {
      if (r !== b.len) this.fail(`${what} wrote ${r}`);
      const { exact, fuzzy } = this.expected(p, b.va, b.len);
      if (off > f.size) this.truncate(f, off);
      for (let done = 0; done < b.len; ) {
        const at = off + done, o = at % PAGE, n = Math.min(b.len - done, PAGE - o);
        let fz: Fuzzy | undefined; // bytes that may hold several values carry them into the file
        for (let i = 0; i < n; i++) { const v = fuzzy.get(done + i); if (v) (fz ??= new Map()).set(o + i, v); }
        writeObj(f.obj, Math.floor(at / PAGE), o, exact.subarray(done, done + n), fz);
        f.blocks.add(Math.floor(at / PAGE));
        done += n;
      }
      f.size = Math.max(f.size, off + b.len);
      h.off.v = off + b.len;
    } else {
      const n = Math.max(0, Math.min(b.len, f.size - off));
      if (r !== n) this.fail(`${what} read ${r}; the model expected ${n} (file size ${f.size})`);
      const data = new Uint8Array(n);
      const fz = new Map<number, Set<number>>();
      for (let done = 0; done < n; ) {
        const at = off + done, o = at % PAGE, k = Math.min(n - done, PAGE - o);
        const pg = f.obj.pages.get(Math.floor(at / PAGE));
        if (pg) data.set(pg.subarray(o, o + k), done);
        const pf = f.obj.fuzzy.get(Math.floor(at / PAGE));
        if (pf) for (const [i, s] of pf) if (i >= o && i < o + k) fz.set(done + i - o, s);
        done += k;
      }
      this.write(p, b.va, data, fz);
      h.off.v = off + n;
    }
    return true;
  }

  private opLseek(c: Cmd): boolean {
    const p = this.pick(c.m, c.a, false, hasFile);
    const ff = p && this.fileFd(p, c.b);
    if (!p || !ff) return false;
    const [fd, h] = ff;
    const whence = [Seek.SET, Seek.CUR, Seek.END][c.c % 3];
    const delta = (c.d % (3 * PAGE)) - (whence === Seek.SET ? 0 : PAGE);
    const base = whence === Seek.SET ? 0 : whence === Seek.CUR ? h.off.v : h.file.size;
    const want = base + delta;
    this.note(`${this.who(p)} lseek(${fd}, ${delta}, ${Seek[whence]})`);
    const r = this.sys(p, Sys.LSEEK, fd, delta, delta < 0 ? -1 : 0, whence);
    if (want < 0) return this.expectErr(p, r, 22, "lseek"), true;
    this.expectOk(p, r, "lseek");
    const k = this.hp(p).machine.k;
    const got = (k.sysret(0) >>> 0) + (k.sysret(1) >>> 0) * 2 ** 32;
    if (got !== want) this.fail(`lseek: offset ${got}; the model expected ${want}`);
    h.off.v = want;
    return true;
  }

  private opTruncate(c: Cmd): boolean {
    const p = this.pick(c.m, c.a, false, hasFile);
    const ff = p && this.fileFd(p, c.b);
    if (!p || !ff) return false;
    const [fd, h] = ff;
    const size = c.c % 4 === 0 ? 0 : c.d % MAX_FILE;
    if (size < h.file.size && this.pendingOnObj(h.file.obj)) return false;
    const what = `ftruncate(${fd}, ${size})`;
    this.note(`${this.who(p)} ${what}`);
    const r = this.sys(p, Sys.FTRUNCATE, fd, size, 0);
    if (!h.writable) return this.expectErr(p, r, 9, what), true;
    if (!this.expectOk(p, r, what, [28, 12])) return true;
    this.truncate(h.file, size);
    return true;
  }

  private opUnlink(c: Cmd): boolean {
    const p = this.pick(c.m, c.a);
    if (!p) return false;
    const name = NAMES[c.b % NAMES.length];
    const files = this.ms[c.m].files;
    this.note(`${this.who(p)} unlink("/${name}")`);
    let r = 0;
    try {
      this.hp(p).unlink("/" + name);
    } catch (e) {
      if (!(e instanceof SyscallError)) throw e;
      r = -e.errno;
    }
    const f = files.get(name);
    if (!f) return this.expectErr(p, r, 2, "unlink"), true;
    this.expectOk(p, r, "unlink");
    f.linked = false;
    files.delete(name);
    return true;
  }

  private opFsync(c: Cmd): boolean {
    const p = this.pick(c.m, c.a, false, hasFile);
    const ff = p && this.fileFd(p, c.b);
    if (!p || !ff) return false;
    this.note(`${this.who(p)} fsync(${ff[0]})`);
    this.hp(p).fsync(ff[0]);
    return true;
  }

  private opFmmap(c: Cmd): boolean {
    const p = this.pick(c.m, c.a, false, hasFile);
    const ff = p && this.fileFd(p, c.b);
    if (!p || !ff || p.regions.length >= MAX_REGIONS) return false;
    const [fd, h] = ff;
    const shared = c.c % 2 === 0;
    const pages = 1 + (c.d % 4);
    const pgoff = c.e % Math.max(1, Math.ceil(h.file.size / PAGE) + 1);
    const what = `mmap(${pages} pages, fd ${fd}, page ${pgoff}, ${shared ? "shared" : "private"})`;
    this.note(`${this.who(p)} ${what}`);
    const r = this.sys(p, Sys.MMAP, 0, pages * PAGE, Prot.READ | Prot.WRITE, shared ? 2 : 1, fd, pgoff);
    // A writable shared mapping needs a descriptor open for writing.
    if (shared && !h.writable) return this.expectErr(p, r, 13, what), true;
    if (!this.expectOk(p, r, what, [12])) return true;
    this.note(`  at ${hex(r)}`);
    const obj = shared ? h.file.obj : new Obj("priv", h.file, pgoff);
    this.addRegion(p, { start: r >>> 0, end: (r >>> 0) + pages * PAGE, prot: Prot.READ | Prot.WRITE, obj, pgoff: shared ? pgoff : 0, shared });
    return true;
  }

  private opMsync(c: Cmd): boolean {
    const p = this.pick(c.m, c.a, false, hasFileRegion);
    if (!p) return false;
    const rs = p.regions.filter((r) => r.obj.kind === "file");
    if (!rs.length) return false;
    const r = rs[c.b % rs.length];
    const what = `msync(${hex(r.start)}, ${r.end - r.start})`;
    this.note(`${this.who(p)} ${what}`);
    const res = this.sys(p, Sys.MSYNC, r.start, r.end - r.start);
    if (res === -5 || res === 0) return true;
    this.expectOk(p, res, what, [12]);
    return true;
  }

  private opPswap(c: Cmd): boolean {
    const p = this.pick(c.m, c.a, false, hasTwoRegions);
    if (!p || p.regions.length < 2) return false;
    const ra = p.regions[c.b % p.regions.length], rb = p.regions[c.c % p.regions.length];
    if (ra === rb || ra.leaving || rb.leaving) return false;
    const o = c.d % PAGE;
    const maxLen = Math.min(ra.end - ra.start, rb.end - rb.start) - o;
    if (maxLen <= 0) return false;
    const len = Math.min(maxLen, c.e % 5 === 0 ? 1 + c.e % 200 : 1 + c.e % (3 * PAGE));
    const a = ra.start + o, b = rb.start + o;
    if (this.regionPending(p, a, a + len) || this.regionPending(p, b, b + len)) return false;
    const what = `pswap(${hex(a)}, ${hex(b)}, ${len})`;
    // Holes of a file cannot take a frame; keep to pages with blocks (and not beyond the end).
    for (const [v, r] of [[a, ra], [b, rb]] as const)
      if (r.obj.kind === "file" && this.firstBad(p, v, len, true)) return false;
    this.note(`${this.who(p)} ${what}`);
    const res = this.sys(p, Sys.PSWAP, a, b, len);
    const bad = this.firstBad(p, a, len, true) ?? this.firstBad(p, b, len, true);
    if (bad) return this.expectErr(p, res, 14, what), true;
    if (!this.expectOk(p, res, what, [12, 16])) return true;
    const ea = this.expected(p, a, len), eb = this.expected(p, b, len);
    this.write(p, a, eb.exact, eb.fuzzy);
    this.write(p, b, ea.exact, ea.fuzzy);
    return true;
  }

  // ---- IO-Lite (docs/peers.md §3) -----------------------------------------------------------------
  //
  // What a process observes: a buffer it allocates holds what it stores until it passes it
  // (iol_write) or frees it; from then on, as for every slice iol_read gives it, the bytes never
  // change (a later write of the file, a reuse of the pool, nothing) and a store kills it with
  // SEGV_PROT. A slice sent is a datagram of exactly its bytes; a file read is the file's bytes
  // at the call (snapshot); a socket read is the next datagram, whole.

  /** aggVa: the page p passes aggregates in (mapped at its first IO-Lite call, outside the
   *  model's regions: no command but these uses it); 0 if it cannot be had. */
  private aggVa(p: Proc): number {
    if (p.aggVa === 0) {
      const va = this.sys(p, Sys.MMAP, 0, IOL_AGG_BYTES, Prot.READ | Prot.WRITE, 1, -1, 0);
      if (!this.expectOk(p, va, "mmap (aggregates)", [Errno.ENOMEM])) return 0;
      p.aggVa = va >>> 0;
    }
    return p.aggVa;
  }

  /** putAgg: the slices into p's aggregate page; its address, or 0 (p died). */
  private putAgg(p: Proc, agg: { va: number; len: number }[]): number {
    const at = this.aggVa(p);
    if (!at) return 0;
    const w = new Uint32Array(agg.length * 2);
    agg.forEach((x, i) => { w[2 * i] = x.va >>> 0; w[2 * i + 1] = x.len; });
    try {
      this.hp(p).store(at, new Uint8Array(w.buffer));
    } catch (e) {
      this.killed(p, e, null);
      return 0;
    }
    return at;
  }

  /** getAgg: the n slices the kernel wrote into p's aggregate page. */
  private getAgg(p: Proc, n: number): { va: number; len: number }[] {
    if (n === 0) return [];
    const raw = this.hp(p).load(p.aggVa, n * 8);
    const w = new Uint32Array(raw.slice().buffer);
    return Array.from({ length: n }, (_, i) => ({ va: w[2 * i], len: w[2 * i + 1] }));
  }

  /** iolPool: p's pool, made at its first use; null if it could not be (failed cleanly). */
  private iolPool(p: Proc): number | null {
    if (p.iolPool !== null) return p.iolPool;
    this.note(`${this.who(p)} iol_pool()`);
    const k = this.sys(p, Sys.IOL_POOL);
    if (!this.expectOk(p, k, "iol_pool", [Errno.ENOMEM])) return null;
    return (p.iolPool = k);
  }

  private opIolAlloc(c: Cmd): boolean {
    const p = this.pick(c.m, c.a);
    if (!p || p.iol.length >= MAX_IOL_SLICES) return false;
    const pool = this.iolPool(p);
    if (pool === null) return true;
    const len = lengthOf(c.b, 3 * PAGE);
    const what = `iol_alloc(${pool}, ${len})`;
    this.note(`${this.who(p)} ${what}`);
    const va = this.sys(p, Sys.IOL_ALLOC, pool, len);
    if (!this.expectOk(p, va, what, [Errno.ENOMEM])) return true;
    this.note(`  at ${hex(va)}`);
    // The filler writes all of it (what a reused buffer held before is the pool's own business).
    const bytes = bytesOf(len, c.c);
    try {
      this.hp(p).store(va >>> 0, bytes);
    } catch (e) {
      this.killed(p, e, null);
      return true;
    }
    p.iol.push({ va: va >>> 0, len, bytes, fuzzy: new Map(), sealed: false, own: true });
    return true;
  }

  /** iolPick: a part of one of p's slices, chosen by x and y. */
  private iolPick(p: Proc, x: number, y: number): { s: IolSlice; off: number; len: number } {
    const s = p.iol[x % p.iol.length];
    const off = y % s.len;
    return { s, off, len: Math.min(s.len - off, lengthOf(y >> 4, 3 * PAGE)) };
  }

  private opIolWrite(c: Cmd): boolean {
    const p = this.pick(c.m, c.a, false, (q) => q.iol.length > 0);
    if (!p || !p.iol.length) return false;
    const parts = Array.from({ length: 1 + (c.b % 3) }, (_, i) => this.iolPick(p, c.c >> (5 * i), c.d ^ (c.e << i)));
    const agg = parts.map((x) => ({ va: x.s.va + x.off, len: x.len }));
    const total = parts.reduce((n, x) => n + x.len, 0);
    const data = new Uint8Array(total), alts = new Map<number, Set<number>>();
    let at = 0;
    for (const x of parts) {
      data.set(x.s.bytes.subarray(x.off, x.off + x.len), at);
      for (const [i, v] of x.s.fuzzy) if (i >= x.off && i < x.off + x.len) alts.set(at + i - x.off, v);
      at += x.len;
    }
    const toFile = (c.b >> 2) % 3 === 0;
    if (toFile) {
      const ff = this.fileFd(p, c.e);
      if (!ff) return false;
      const [fd, h] = ff;
      if (h.off.v + total > MAX_FILE || this.pendingOnObj(h.file.obj)) return false;
      const what = `iol_write(${fd}, ${agg.length} slices, ${total} bytes) at ${h.off.v}`;
      this.note(`${this.who(p)} ${what}`);
      // A copy into the page cache, as write() makes. It may stop short (a page to read from the
      // disk first): the caller goes on with the rest, as the host library does.
      let done = 0;
      while (done < total) {
        const rest = aggSlice(agg, done, total - done);
        const va = this.putAgg(p, rest);
        if (!va) return true;
        const r = this.sys(p, Sys.IOL_WRITE, fd, va, rest.length, 0, 0);
        if (!h.writable) return this.expectErr(p, r, Errno.EBADF, what), true;
        if (!this.expectOk(p, r, what, [Errno.ENOSPC, Errno.ENOMEM])) break;
        if (r === 0 || r > total - done) this.fail(`${this.who(p)}: ${what} returned ${r} with ${total - done} bytes to go`);
        if (r < total - done) this.note(`  short: ${r} bytes; again`);
        this.fileStore(h.file, h.off.v, data.subarray(done, done + r), shiftMap(alts, done, r));
        h.off.v += r;
        done += r;
      }
      this.iolSeal(p, parts);
      return true;
    }
    // To a socket: one datagram to the other machine, sent from the buffers' own frames.
    const ss = [...p.fds].filter(([, h]) => h.kind === "sock");
    if (!ss.length) return false;
    const fd = ss[c.e % ss.length][0];
    const sock = this.ms[1 - p.m].socks[(c.b >> 4) % 2];
    const dst = sock.holders > 0 ? sock.queue : null;
    if (dst && dst.length >= QUEUE_LIMIT) return false;
    const va = this.putAgg(p, agg);
    if (!va) return true;
    const what = `iol_write(${fd} port ${sock.port}, ${agg.length} slices, ${total} bytes)`;
    this.note(`${this.who(p)} ${what}`);
    const r = this.sys(p, Sys.IOL_WRITE, fd, va, agg.length, parseIp(IPS[1 - p.m]), sock.port);
    if (!this.expectOk(p, r, what, [Errno.ENOMEM, Errno.EAGAIN])) {
      // Out of memory after the buffers were sealed, or before: the model no longer knows which,
      // so it stops touching them (p still holds them).
      p.iol = p.iol.filter((x) => !parts.some((q) => q.s === x));
      return true;
    }
    if (r !== total) this.fail(`${this.who(p)}: ${what} returned ${r}`);
    this.iolSeal(p, parts);
    // Immutable: the datagram is exactly these bytes (a strong semantics for the wire check).
    const dg: Dgram = { id: ++this.dgIds, sem: Sem.EMULATED_COPY, bytes: data, alts: alts.size ? alts : null, settled: false, watchers: [] };
    sock.sent.push(dg);
    if (dst) dst.push(dg);
    this.stats.byOp["iolwrite to a socket"] = (this.stats.byOp["iolwrite to a socket"] ?? 0) + 1;
    return true;
  }

  /** iolSeal: the buffers of parts were passed: no longer writable by their filler. */
  private iolSeal(p: Proc, parts: { s: IolSlice }[]): void {
    for (const x of parts) x.s.sealed = true;
  }

  /** fileStore: the model's file f written at off with bytes (some may hold several values). */
  private fileStore(f: FileM, off: number, bytes: Uint8Array, fuzzy: Map<number, Set<number>>): void {
    if (off > f.size) this.truncate(f, off);
    for (let done = 0; done < bytes.length; ) {
      const at = off + done, o = at % PAGE, n = Math.min(bytes.length - done, PAGE - o);
      let fz: Fuzzy | undefined;
      for (let i = 0; i < n; i++) { const v = fuzzy.get(done + i); if (v) (fz ??= new Map()).set(o + i, v); }
      writeObj(f.obj, Math.floor(at / PAGE), o, bytes.subarray(done, done + n), fz);
      f.blocks.add(Math.floor(at / PAGE));
      done += n;
    }
    f.size = Math.max(f.size, off + bytes.length);
  }

  private opIolRead(c: Cmd): boolean {
    const p = this.pick(c.m, c.a, false, (q) => q.iol.length < MAX_IOL_SLICES);
    if (!p || p.iol.length >= MAX_IOL_SLICES) return false;
    const fromFile = c.b % 2 === 0;
    if (fromFile) {
      const ff = this.fileFd(p, c.c);
      if (!ff) return false;
      const [fd, h] = ff;
      const f = h.file;
      if (this.pendingOnObj(f.obj)) return false;
      const len = lengthOf(c.d, 3 * PAGE);
      const va = this.aggVa(p);
      if (!va) return true;
      const what = `iol_read(${fd}, ${len}) at ${h.off.v}`;
      this.note(`${this.who(p)} ${what}`);
      const r = this.sys(p, Sys.IOL_READ, fd, va, IOL_MAX_SLICES_ARG, len, -1, 0);
      if (!this.expectOk(p, r, what, [Errno.ENOMEM])) return true;
      const off = h.off.v, n = Math.max(0, Math.min(len, f.size - off));
      if (r !== n) this.fail(`${this.who(p)}: ${what} read ${r}; the model expected ${n} (file size ${f.size})`);
      const agg = this.getAgg(p, this.hp(p).machine.k.sysret(2));
      let done = 0;
      for (const x of agg) {
        const bytes = this.hp(p).load(x.va, x.len);
        for (let i = 0; i < x.len; i++) {
          const fo = off + done + i, pg = f.obj.pages.get(Math.floor(fo / PAGE)), o = fo % PAGE;
          const want = pg ? pg[o] : 0, alt = f.obj.fuzzy.get(Math.floor(fo / PAGE))?.get(o);
          if (alt ? !alt.has(bytes[i]) && bytes[i] !== want : bytes[i] !== want)
            this.fail(`${what}: byte ${done + i} (file offset ${fo}) is ${bytes[i]}, the file holds ${want}`);
        }
        // A snapshot: what was read is what it holds from now on.
        p.iol.push({ va: x.va, len: x.len, bytes, fuzzy: new Map(), sealed: true, own: false });
        done += x.len;
      }
      if (done !== r) this.fail(`${what}: ${agg.length} slices of ${done} bytes for ${r}`);
      h.off.v = off + r;
      return true;
    }
    // A socket, without waiting: the next datagram, whole, in a new buffer of p's pool.
    const ss = [...p.fds].filter(([, h]) => h.kind === "sock") as [number, Handle & { kind: "sock" }][];
    if (!ss.length) return false;
    const [fd, h] = ss[c.c % ss.length];
    const sock = h.sock;
    if (sock.waiter && sock.waiter.alive && sock.waiter.pending) return false;
    const pool = this.iolPool(p);
    if (pool === null) return true;
    const va = this.aggVa(p);
    if (!va) return true;
    const what = `iol_read(${fd} port ${sock.port}, pool ${pool}, dontwait)`;
    this.note(`${this.who(p)} ${what}`);
    const r = this.sys(p, Sys.IOL_READ, fd, va, IOL_MAX_SLICES_ARG, 1 << 20, pool, 0x100);
    const queue = sock.queue;
    if (r === -Errno.EAGAIN) {
      while (queue.length && queue[0].settled) this.lost(p.m, queue, `${this.who(p)}: ${what} -> EAGAIN, but a datagram has arrived`);
      return true;
    }
    if (!this.expectOk(p, r, what, [Errno.ENOMEM])) return true;
    const agg = this.getAgg(p, this.hp(p).machine.k.sysret(2));
    const got = new Uint8Array(agg.reduce((n, x) => n + x.len, 0));
    let at = 0;
    for (const x of agg) { got.set(this.hp(p).load(x.va, x.len), at); at += x.len; }
    if (got.length !== r) this.fail(`${what}: ${agg.length} slices of ${got.length} bytes for ${r}`);
    while (queue.length && queue[0].wire === "bad") this.lost(p.m, queue, `${what}: datagram ${queue[0].id} had a bad checksum`);
    const k = this.matchIndex(p.m, queue, got);
    if (k < 0) this.fail(`${this.who(p)}: ${what} got ${r} bytes no datagram sent to it holds (the model's queue holds ${queue.length}: lengths ${queue.map((d) => d.bytes.length).join(", ")})`);
    for (let i = 0; i < k; i++) this.lost(p.m, queue, `${what} returned ${r}`);
    const dg = queue.shift()!;
    unwatch(dg);
    this.note(`${what} <- datagram ${dg.id} (${r} bytes)`);
    at = 0;
    for (const x of agg) {
      p.iol.push({ va: x.va, len: x.len, bytes: got.slice(at, at + x.len), fuzzy: new Map(), sealed: true, own: false });
      at += x.len;
    }
    return true;
  }

  /** matchIndex: the first datagram of queue (to machine m) whose bytes got are, among those
   *  the drops not yet charged can account for losing all before it; -1 if none. */
  private matchIndex(m: number, queue: Dgram[], got: Uint8Array): number {
    const charged = [...this.charged], csum = [...this.chargedCsum];
    let found = -1;
    for (let k = 0; k < queue.length; k++) {
      const d = queue[k];
      if (d.bytes.length === got.length && got.every((v, i) => v === d.bytes[i] || !!d.alts?.get(i)?.has(v))) { found = k; break; }
      if (!this.canLose(m, d)) break;
      this.charge(m, d); // trial (undone below)
    }
    this.charged = charged;
    this.chargedCsum = csum;
    return found;
  }

  private opIolFree(c: Cmd): boolean {
    const p = this.pick(c.m, c.a, false, (q) => q.iol.length > 0);
    if (!p || !p.iol.length) return false;
    const i = c.b % p.iol.length, s = p.iol[i];
    const va = this.putAgg(p, [{ va: s.va, len: s.len }]);
    if (!va) return true;
    const what = `iol_free(${hex(s.va)}, ${s.len})`;
    this.note(`${this.who(p)} ${what}`);
    this.expectOk(p, this.sys(p, Sys.IOL_FREE, va, 1), what);
    p.iol.splice(i, 1);
    return true;
  }

  /** opIolAccess: a load or a store into a slice p holds: a load sees its bytes; a store into
   *  a sealed one kills p with SEGV_PROT, into its own unsealed buffer it sticks. */
  private opIolAccess(c: Cmd, store: boolean): boolean {
    const p = this.pick(c.m, c.a, true, (q) => q.iol.length > 0);
    if (!p || !p.iol.length) return false;
    const { s, off, len } = this.iolPick(p, c.b, c.c);
    const va = s.va + off;
    const hp = this.hp(p);
    if (!store) {
      this.note(`${this.who(p)} load ${hex(va)} ${len} (IO-Lite)`);
      const got = hp.load(va, len);
      for (let i = 0; i < len; i++) {
        const want = s.bytes[off + i], alt = s.fuzzy.get(off + i);
        if (got[i] !== want && !alt?.has(got[i])) this.fail(`load of an IO-Lite slice: ${this.who(p)} byte ${hex(va + i)} is ${got[i]}, the buffer holds ${want}`);
      }
      return true;
    }
    const data = bytesOf(len, c.d);
    this.note(`${this.who(p)} store ${hex(va)} ${len} (IO-Lite, ${s.sealed ? "sealed" : "being filled"})`);
    try {
      hp.store(va, data);
    } catch (e) {
      this.killed(p, e, s.sealed ? { va, kill: Kill.SEGV_PROT } : null);
      return true;
    }
    if (s.sealed) this.fail(`${this.who(p)}: store into a sealed IO-Lite buffer at ${hex(va)} succeeded; the model expected SEGV_PROT`);
    s.bytes.set(data, off);
    for (let i = 0; i < len; i++) s.fuzzy.delete(off + i);
    return true;
  }

  // ---- quiescence ----------------------------------------------------------------------------

  /** settle: run the world dry; every datagram sent has arrived; check both kernels. Whether
   *  every clean free frame holds zeros (the scrubbing check, the costliest part: it reads all
   *  free memory) is checked at the end of each program and at every SCRUB_EVERY-th settle. */
  settle(scrub = false): void {
    this.world.run();
    this.collect();
    for (const s of this.ms) {
      for (const sock of s.socks) for (const dg of sock.queue) dg.settled = true;
      const { violations, report } = s.m.checkInvariants({ scrub: scrub || this.stats.settles % SCRUB_EVERY === 0 });
      if (!violations) continue;
      // Known false positive of the checker (being fixed): a frame under emulated-share output
      // is writable by design (no protection); a message queued on a channel keeps it so.
      // Not yet explained (open): "orphan with no pending I/O (leaked)" while a message is
      // queued on a channel (its output never completes); docs/reliability.md.
      const chanMsgs = (pred: (d: Dgram) => boolean) => s.procs.some((p) => p.alive && [...p.fds.values()].some((h) => h.kind === "chan" && h.chan.queue.some((q) => q.some(pred))));
      const weakQueued = chanMsgs((d) => d.sem === Sem.EMULATED_SHARE);
      const real = report.split("\n").filter((l) => l && !(weakQueued && l.endsWith("frame under output is writable")));
      this.stats.knownFalsePositives += report.split("\n").filter(Boolean).length - real.length;
      if (real.length) this.fail(`${s.m.name}: ${violations} kernel invariant violation(s) at a quiescent point:\n${report}`);
    }
    this.stats.settles++;
    this.note("settle");
  }
}
