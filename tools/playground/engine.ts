// tools/playground/engine.ts — the playground's simulation side (it runs in a Web Worker, and
// in Node for the tests): a scenario of the registry, or a script, run on the real kernel
// through the host library, as a timeline of steps; and the machines as they were after any
// step, by running again from the start and stopping there (the simulation is deterministic).
//
//   step 0            the world is made, nothing has happened
//   step i (i >= 1)   the i-th event of the world's queue (a NIC interrupt, a frame arriving, a
//                     disk completion: the kernel entries it made belong to it), or the i-th
//                     kernel entry the scenario made itself (a system call, a fault)
//
// Nothing here changes what the simulation does: the world's observer only counts, reads and,
// to stop at step n, throws once step n is over.

import * as genie from "../host/index";
import { Ev, FRAME_META_SIZE, FrameField, FrameFlag, FrameKind, MAX_PROCS, PcapWriter, ProcField, ProcState, Sys, World, type Machine, type TraceEvent } from "../host/index";
import type { WorldObserver } from "../host/world";
import type { RingView } from "../host/nic";
import { resolveSettings, runScenario, scenarioByName, scenarioWorld, type Settings } from "../scenarios/index";

/** What to run: a scenario of the registry with its settings, or a script of one's own. */
export interface RunSpec {
  scenario: string;
  settings: Record<string, unknown>;
  /** A script (the body of an async function of world, settings, hooks and every export of the host library). */
  script?: string;
}

export interface Step {
  t: number;
  label: string;
  /** Kernel entries during the step (an event's interrupts; 1 for an entry of the scenario's own). */
  entries: number;
  /** What happened in the step, as Mark bits (the timeline strip's rows). */
  marks: number;
}

/** What a step did, read from its trace events and the wire: bits of Step.marks. */
export enum Mark {
  /** The kernel was entered (a system call, a fault, an interrupt). */
  ENTRY = 1,
  /** An event of the world's queue entered the kernel: an interrupt. */
  INTERRUPT = 2,
  FAULT = 4,
  SHOOTDOWN = 8,
  /** A frame went onto the wire. */
  SENT = 16,
  /** A NIC driver took a frame off its receive ring. */
  RECEIVED = 32,
  /** Header patching put data back over a packet's headers (Ev.NetPatch). */
  PATCH = 64,
}

/** marksOf: the Mark bits of trace events from..end of m's log. */
function marksOf(m: Machine, from: number): number {
  let marks = 0;
  const log = m.traceLog;
  for (let i = from; i < log.length; i++) {
    const ev = log[i].ev;
    marks |= ev === Ev.Fault ? Mark.FAULT : ev === Ev.TlbShootdown ? Mark.SHOOTDOWN : ev === Ev.NetRx ? Mark.RECEIVED : ev === Ev.NetPatch ? Mark.PATCH : 0;
  }
  return marks;
}

/** How each frame is drawn on the frames map: its kind, or the I/O state that matters more. */
export enum FrameClass {
  FREE, KERNEL, PAGETABLE, ANON, PAGECACHE, IOBUF, OUTPUT, INPUT, WIRED, ORPHAN, IOLITE, OWED, COUNT,
}

export const FRAME_CLASS_NAMES: Record<FrameClass, string> = {
  [FrameClass.FREE]: "free", [FrameClass.KERNEL]: "kernel", [FrameClass.PAGETABLE]: "page table", [FrameClass.ANON]: "anonymous",
  [FrameClass.PAGECACHE]: "page cache", [FrameClass.IOBUF]: "I/O buffer", [FrameClass.OUTPUT]: "under output (TCOW)",
  [FrameClass.INPUT]: "under input", [FrameClass.WIRED]: "wired", [FrameClass.ORPHAN]: "orphan",
  [FrameClass.IOLITE]: "IO-Lite buffer (immutable)", [FrameClass.OWED]: "zIO source (owed, write-protected)",
  [FrameClass.COUNT]: "",
};

/** A frame seen on the wire: when, how long, and its first PACKET_HEAD bytes (the headers). */
export interface Packet {
  t: number;
  len: number;
  data: Uint8Array;
}

/** Bytes of each packet a snapshot carries (the whole frame is in the pcap download). */
export const PACKET_HEAD = 128;

/**
 * A header patch seen in the trace (Ev.NetPatch): len bytes at physical address pa of a
 * machine's RAM put back over the headers of the packet after; and the RAM around them as it is
 * at the snapshot's step (at = the physical address of bytes[0]).
 */
export interface Patch {
  machine: number;
  t: number;
  pa: number;
  len: number;
  at: number;
  bytes: Uint8Array;
}

/** Header patches a snapshot carries (the last ones), and RAM bytes shown before and after each. */
const PATCH_KEEP = 64;
const PATCH_MARGIN = 16;

/**
 * What a snapshot carries beyond the frames map, counters and invariants: the views whose
 * panel is open. A view left out is null in the snapshot (procs, rings, packets and patches, trace).
 */
export interface ViewNeeds {
  procs?: boolean;
  rings?: boolean;
  packets?: boolean;
  trace?: boolean;
}

/** Every view: what the tests and a paused page ask for. */
export const ALL_VIEWS: Required<ViewNeeds> = { procs: true, rings: true, packets: true, trace: true };

/** How play films a run: pictures at most one per everyMs of wall time; the invariants checked
 *  at each picture, or at every step. Either way the run stops at the first step that breaks
 *  one; checked at each picture, a violation broken and mended between two pictures is not seen. */
export interface PlayOptions {
  everyMs?: number;
  needs?: ViewNeeds;
  checkEveryStep?: boolean;
}

export interface ProcView {
  pid: number;
  state: string;
  pages: { va: number; frame: number; bits: string }[];
  /** Pages owed an elided copy (zIO): unmapped, with the source frame they owe. */
  owed: { va: number; frame: number }[];
}

export interface MachineView {
  name: string;
  frames: number;
  /** FrameClass of every frame. */
  classes: Uint8Array;
  counters: Record<string, number>;
  /** What the last step added to each counter (while playing: since the last picture). */
  delta: Record<string, number>;
  invariants: { violations: number; report: string };
  /** Null when the snapshot was taken without that view (ViewNeeds). */
  procs: ProcView[] | null;
  rings: RingView[] | null;
  drops: Record<string, number>;
}

export interface Snapshot {
  step: number;
  total: number;
  t: number;
  label: string;
  machines: MachineView[];
  /** Frames on the wire so far: capture time, length and first bytes (PACKET_HEAD); null without that view. */
  packets: Packet[] | null;
  /** The last trace events so far, oldest first; null without that view. */
  trace: TraceEvent[] | null;
  /** The last header patches so far, oldest first; null without the packets view. */
  patches: Patch[] | null;
  log: string[];
  /** The run ended with this error (before or at this step), if it did. */
  error: string | null;
  /** The run's result, once it has ended without error (at its last step). */
  metrics: Record<string, number> | null;
}

/** The record of a whole run: its timeline and how it ended. */
export interface Recording {
  steps: Step[];
  error: string | null;
  metrics: Record<string, number> | null;
  settings: Settings;
}

/** Thrown by the observer to stop a run once its step is over. */
class Stop extends Error {
  constructor() {
    super("stopped at the chosen step");
  }
}

const TRACE_KEEP = 400;

/** Steps between two readings of the wall clock while playing (a step takes a few microseconds). */
const CLOCK_EVERY = 32;

const SYS_NAMES = Sys as unknown as Record<number, string>;

/** stepLabel: a kernel entry named after what the kernel did in it (from its trace events). */
function entryLabel(m: Machine, from: number): string {
  const log = m.traceLog;
  for (let i = from; i < log.length; i++) {
    const e = log[i];
    if (e.ev === Ev.Syscall) return `${m.name}: process ${e.a}: ${(SYS_NAMES[e.b] ?? `call ${e.b}`).toLowerCase()}`;
    if (e.ev === Ev.Fault) return `${m.name}: process ${e.a}: page fault at 0x${(e.b >>> 0).toString(16)}`;
    if (e.ev === Ev.ProcCreate) return `${m.name}: process ${e.a} created`;
  }
  return `${m.name}: kernel entry`;
}

/** frameClasses: the FrameClass of every frame of m, read from its frame table. */
export function frameClasses(m: Machine): Uint8Array {
  const d = new DataView(m.k.memory.buffer);
  const base = m.k.frameTablePtr();
  const out = new Uint8Array(m.frames);
  for (let f = 0; f < m.frames; f++) {
    const at = base + f * FRAME_META_SIZE;
    const kind = d.getUint8(at + FrameField.KIND), flags = d.getUint8(at + FrameField.FLAGS);
    out[f] =
      kind === 0 ? FrameClass.FREE
      : flags & FrameFlag.ORPHAN ? FrameClass.ORPHAN
      : kind === FrameKind.IOLITE || flags & FrameFlag.IMMUTABLE ? FrameClass.IOLITE // a pool's window, or the file cache's buffers
      : d.getUint16(at + FrameField.OUTREF, true) > 0 ? FrameClass.OUTPUT
      : d.getUint16(at + FrameField.INREF, true) > 0 ? FrameClass.INPUT
      : d.getUint16(at + FrameField.WIRED, true) > 0 ? FrameClass.WIRED
      : flags & FrameFlag.OWED ? FrameClass.OWED
      : kind; // FrameKind and FrameClass agree on KERNEL .. IOBUF (IOLITE is above)
  }
  return out;
}

/** pids: the processes of m that exist (any state but UNUSED). */
export function pids(m: Machine): number[] {
  const out: number[] = [];
  for (let pid = 1; pid < MAX_PROCS; pid++) {
    const s = m.k.procInfo(pid, ProcField.STATE);
    if (s > 0) out.push(pid);
  }
  return out;
}

/** mappings: every (process, virtual page) that maps frame f of m. */
export function mappings(m: Machine, f: number): { pid: number; va: number; bits: string }[] {
  const out: { pid: number; va: number; bits: string }[] = [];
  for (const pid of pids(m)) for (const e of m.pageTable(pid)) if (e.frame === f) out.push({ pid, va: e.va, bits: e.bits });
  return out;
}

/**
 * Engine: runs a spec on a kernel module. record() runs it whole and returns the timeline;
 * goto(n) runs it again up to step n and keeps that world for the queries (frame, explain).
 */
export class Engine {
  private world: World | null = null;
  private log: string[] = [];
  /** Frames the recorded run put on the wire (whole), in order; the run at hand has put the first `sent` of them. */
  private wire: { t: number; frame: Uint8Array; head: Packet }[] = [];
  private sent = 0;
  private spec: RunSpec | null = null;
  private total = 0;
  /** The recorded run's steps (their labels name what the kernel did, from its trace). */
  private recorded: Step[] = [];
  /** The run at hand records the kernels' trace (a run again needs it only for the trace and
   *  the header patches: tracing costs wall time, never simulated time). */
  private traced = true;
  /** The world is at the recorded run's end (nothing ran since): goto(total) needs no new run. */
  private atEnd: { steps: Step[]; prev: Map<Machine, Record<string, number>>; error: string | null; metrics: Record<string, number> | null } | null = null;

  constructor(readonly kernel: WebAssembly.Module) {}

  /** record: run spec to its end; every step and how the run ended. */
  async record(spec: RunSpec): Promise<Recording> {
    const steps: Step[] = [];
    // The counters before the last step (for its delta at the end): read at every step, a
    // few microseconds, instead of a second run to the end.
    let prev = new Map<Machine, Record<string, number>>(), now = prev;
    const { error, metrics, settings } = await this.execute(spec, Infinity, steps, (_, w) => {
      prev = now;
      now = countersOf(w);
    }, true);
    packHeads(this.wire);
    this.spec = spec;
    this.total = steps.length;
    this.recorded = steps;
    this.atEnd = { steps, prev, error, metrics };
    return { steps, error, metrics, settings };
  }

  /** goto: run the recorded spec again, stopping after step n (0 .. total); the snapshot there. */
  async goto(n: number, needs: ViewNeeds = ALL_VIEWS): Promise<Snapshot> {
    if (!this.spec) throw new Error("goto: nothing recorded yet");
    n = Math.max(0, Math.min(this.total, Math.floor(n)));
    const end = this.atEnd;
    if (end && n === this.total) return this.snapshot(n, end.steps, end.prev, end.error, end.metrics, needs);
    const steps: Step[] = [];
    let prev = new Map<Machine, Record<string, number>>();
    // The last step: run to the very end, so that the scenario's own ending (its checks, its
    // result) is part of the picture.
    const { error, metrics } = await this.execute(this.spec, n >= this.total ? Infinity : n, steps, (i, w) => {
      if (i === n - 1) prev = countersOf(w);
    }, false, tracing(needs));
    return this.snapshot(n, steps, prev, n === this.total ? error : null, n === this.total ? metrics : null, needs);
  }

  /**
   * play: run the recorded spec again from the start to its end, handing post a snapshot of
   * the step reached at most once per everyMs of wall time (the page draws them as a film; the
   * wall clock only paces the pictures, never the simulation). Between pictures a step costs
   * only the simulation (and the invariant check with checkEveryStep): each picture's delta is
   * what the steps since the previous picture added. The end's snapshot (with every view;
   * without the trace and the patches unless needs asked for them); or, if an invariant broke,
   * the snapshot of the first step that broke it, its error naming the step and the violation
   * (checked at each picture: a picture or the end that shows one is not posted, and the steps
   * since the last picture that passed are run again, each checked: firstBreak).
   */
  async play(from: number, post: (s: Snapshot) => void, opts: PlayOptions = {}): Promise<Snapshot> {
    if (!this.spec) throw new Error("play: nothing recorded yet");
    const { everyMs = 16, needs = ALL_VIEWS, checkEveryStep = false } = opts;
    const steps: Step[] = [];
    let prev = new Map<Machine, Record<string, number>>(), last = -Infinity, broken: string | null = null;
    // Each machine's kernel calls when its invariants last held: a machine whose kernel was not
    // called since is in the state that passed (Machine.calls), and is not checked again.
    const held = new Map<Machine, number>();
    let good = from, bad = -1; // checked at each picture: the last picture that passed, the first that did not
    const { error, metrics } = await this.execute(this.spec, Infinity, steps, (i, w) => {
      if (checkEveryStep && i > from) {
        for (const m of w.machines) {
          if (held.get(m) === m.calls) continue;
          const v = violationAt(i, m);
          if (v) broken = v;
          else held.set(m, m.calls);
        }
        if (broken) throw new Stop();
      }
      // The clock is read at the first step and then every CLOCK_EVERY steps (reading it costs
      // about a microsecond in a browser's worker); everyMs <= 0: every step.
      const due = i > from && (everyMs <= 0 || i === from + 1 || (i - from) % CLOCK_EVERY === 0);
      const now = due ? performance.now() : 0;
      if (due && now - last >= everyMs) {
        last = now; // a picture every everyMs, whatever taking it costs
        const picture = this.snapshot(i, steps, prev, null, null, needs);
        if (!checkEveryStep && broke(picture)) {
          bad = i;
          throw new Stop();
        }
        post(picture);
        good = i;
        prev = countersOf(w);
      } else if (i === from) prev = countersOf(w);
    }, false, tracing(needs));
    if (bad >= 0) return (await this.firstBreak(good, bad)) ?? this.goto(bad);
    // Every view at the end, but the trace and the patches only if the run was traced.
    const end = this.snapshot(steps.length, steps, prev, broken ?? error, broken ? null : metrics, ALL_VIEWS);
    // (A violation seen only once the scenario has ended is the end's to show.)
    return (!checkEveryStep && broke(end) && steps.length > good && (await this.firstBreak(good, steps.length))) || end;
  }

  /**
   * firstBreak: the state after step good held every invariant and the one after step bad did
   * not: run the spec again, checking every machine after each step from good + 1 (whether its
   * kernel was called or not), up to the first step that breaks one; its snapshot, with every
   * view, its error naming the step and the violation; null if no step up to bad breaks one.
   */
  private async firstBreak(good: number, bad: number): Promise<Snapshot | null> {
    const steps: Step[] = [];
    let before = new Map<Machine, Record<string, number>>(), broken: string | null = null;
    await this.execute(this.spec!, bad >= this.total ? Infinity : bad, steps, (i, w) => {
      if (i > good) {
        for (const m of w.machines) if ((broken = violationAt(i, m))) throw new Stop();
      }
      if (i >= good) before = countersOf(w);
    }, false, true);
    return broken ? this.snapshot(steps.length, steps, before, broken, null, ALL_VIEWS) : null;
  }

  private snapshot(n: number, steps: Step[], prev: Map<Machine, Record<string, number>>, error: string | null, metrics: Record<string, number> | null, needs: ViewNeeds): Snapshot {
    const w = this.world!;
    const trace = needs.trace && this.traced ? w.machines.flatMap((m) => m.traceLog.slice(-TRACE_KEEP)).sort((a, b) => a.t - b.t).slice(-TRACE_KEEP) : null;
    const packets = needs.packets ? this.wire.slice(0, this.sent).map((p) => p.head) : null;
    return {
      step: n,
      total: this.total,
      t: w.now,
      label: n === 0 ? "start" : (this.recorded[n - 1] ?? steps[n - 1])?.label ?? "",
      machines: w.machines.map((m) => this.machineView(m, prev.get(m), needs)),
      packets,
      trace,
      patches: needs.packets && this.traced ? this.patches() : null,
      log: this.log.slice(),
      error,
      metrics,
    };
  }

  /** pcapBytes: the capture of the wire up to the current step (a .pcap file). */
  pcapBytes(): Uint8Array {
    const pcap = new PcapWriter({ nanosecond: true });
    for (const p of this.wire.slice(0, this.sent)) pcap.record(p.t, p.frame);
    return pcap.bytes();
  }

  /** patches: the last header patches of every machine so far, with the RAM around each now.
   *  Each machine's trace is read from its end, back to its PATCH_KEEP-th patch at most (the
   *  last PATCH_KEEP of all machines are among those). */
  private patches(): Patch[] {
    const out: Patch[] = [];
    this.world!.machines.forEach((m, machine) => {
      const ram = m.ram, log = m.traceLog, mine: Patch[] = [];
      for (let i = log.length - 1; i >= 0 && mine.length < PATCH_KEEP; i--) {
        const e = log[i];
        if (e.ev !== Ev.NetPatch) continue;
        const pa = e.a >>> 0, len = e.b;
        const at = Math.max(0, (pa & ~15) - PATCH_MARGIN), end = Math.min(ram.length, ((pa + len + 15) & ~15) + PATCH_MARGIN);
        mine.push({ machine, t: e.t, pa, len, at, bytes: ram.slice(at, end) });
      }
      out.push(...mine.reverse());
    });
    return out.sort((a, b) => a.t - b.t).slice(-PATCH_KEEP);
  }

  /** frame: frame f of machine mi at the current step, and every mapping of it. */
  frame(mi: number, f: number) {
    const m = this.machine(mi);
    return { ...m.frame(f), mappings: mappings(m, f) };
  }

  /** explain: the MMU walk of va in pid's address space on machine mi, at the current step. */
  explain(mi: number, pid: number, va: number) {
    return this.machine(mi).explain(pid, va);
  }

  /** bytes: len bytes of machine mi's RAM at physical address pa, at the current step. */
  bytes(mi: number, pa: number, len: number): Uint8Array {
    const ram = this.machine(mi).ram;
    return ram.slice(Math.max(0, pa), Math.min(ram.length, pa + len));
  }

  private machine(mi: number): Machine {
    const m = this.world?.machines[mi];
    if (!m) throw new RangeError(`no machine ${mi} at this step`);
    return m;
  }

  private machineView(m: Machine, before: Record<string, number> | undefined, needs: ViewNeeds): MachineView {
    const counters = m.counters() as unknown as Record<string, number>;
    const delta: Record<string, number> = {};
    for (const k in counters) delta[k] = counters[k] - (before?.[k] ?? 0);
    const procs = needs.procs
      ? pids(m).map((pid) => ({
          pid,
          state: ProcState[m.k.procInfo(pid, ProcField.STATE)] ?? "?",
          pages: m.pageTable(pid).map((e) => ({ va: e.va, frame: e.frame, bits: e.bits })),
          owed: m.owedPages(pid),
        }))
      : null;
    const rings = needs.rings ? m.nics.flatMap((n) => n.rings()) : null;
    return { name: m.name, frames: m.frames, classes: frameClasses(m), counters, delta, invariants: invariantsOf(m), procs, rings, drops: m.drops() };
  }

  /**
   * execute: a fresh world running spec, stopping after step `stop` (Infinity: the end); each
   * step is appended to steps, then onStep(its number) sees the world as it is after it. The
   * world stays for the queries, until the next execute disposes of it.
   */
  private async execute(spec: RunSpec, stop: number, steps: Step[], onStep?: (i: number, w: World) => void, capture = false, trace = true) {
    this.atEnd = null;
    const s = spec.script === undefined ? scenarioByName(spec.scenario) : null;
    const settings = s ? resolveSettings(s.settings, spec.settings, spec.scenario) : (spec.settings as Settings);
    // The world at hand is done: its kernel instances, reset to their state after boot, serve
    // the new world's machines (tools/host/reset.ts) instead of new instances.
    this.world?.dispose();
    const world = scenarioWorld(this.kernel, settings);
    this.world = world;
    // The wire's frames are kept by the recording run; a run again only counts them (they are
    // the same frames: the simulation is deterministic), the pcap is written on request.
    const pcap = new PcapWriter({ nanosecond: true });
    if (capture) this.wire = [];
    this.sent = 0;
    const wire = this.wire;
    pcap.record = (t, frame) => {
      if (capture) wire.push({ t, frame: frame.slice(), head: { t, len: frame.length, data: frame.slice(0, PACKET_HEAD) } });
      this.sent++;
    };
    this.log = [];
    let pending = 0, stopped = false, sentBefore = 0;
    const traceAt = new Map<Machine, number>(), markedTo = new Map<Machine, number>();
    const add = (t: number, label: string, entries: number, event: boolean) => {
      if (stopped) throw new Stop();
      let marks = 0;
      if (capture) {
        // What the step did, for the timeline strip: its trace events and the wire.
        marks = (entries > 0 ? Mark.ENTRY : 0) | (event && entries > 0 ? Mark.INTERRUPT : 0) | (this.sent > sentBefore ? Mark.SENT : 0);
        for (const m of world.machines) {
          marks |= marksOf(m, markedTo.get(m) ?? 0);
          markedTo.set(m, m.traceLog.length);
        }
        sentBefore = this.sent;
      }
      steps.push({ t, label, entries, marks });
      onStep?.(steps.length, world);
      if (steps.length >= stop) {
        stopped = true;
        throw new Stop();
      }
    };
    const observer: WorldObserver = {
      event(label, t) {
        const n = pending;
        pending = 0;
        add(t, label, n, true);
      },
      entry(m, _cpu, start) {
        const from = traceAt.get(m) ?? 0;
        traceAt.set(m, m.traceLog.length);
        if (world.inEvent > 0) pending++;
        else add(start, entryLabel(m, from), 1, false);
      },
    };
    world.observer = observer;
    // With trace, every machine records its whole trace (a script's too): the timeline's labels
    // come from it. Without, a script's machines keep the trace it asks for.
    const boot = world.machine.bind(world);
    this.traced = trace;
    world.machine = (opts = {}) => boot({ ...opts, trace: trace || opts.trace });
    const hooks = { trace, pcap, log: (l: string) => this.log.push(l) };
    let error: string | null = null, metrics: Record<string, number> | null = null;
    try {
      if (stop === 0) throw new Stop();
      // The page checks invariants at every step it shows, without the scrub check (see runScenario).
      if (s) metrics = (await runScenario(s, settings, world, hooks, { scrub: false })).metrics;
      else await runScript(spec.script!, world, settings, hooks);
    } catch (e) {
      if (!(e instanceof Stop) && !stopped) error = describeError(e);
    }
    world.observer = null;
    return { error, metrics, settings };
  }
}

/** packHeads: the packets' first bytes moved into one buffer, each packet's a view of it: a
 *  snapshot's packets are then one buffer for postMessage to copy, not one per packet (each a
 *  new ArrayBuffer on the page, which costs tens of microseconds in a browser). */
function packHeads(wire: { head: Packet }[]): void {
  const all = new Uint8Array(wire.reduce((n, p) => n + p.head.data.length, 0));
  let at = 0;
  for (const p of wire) {
    all.set(p.head.data, at);
    p.head.data = all.subarray(at, at + p.head.data.length);
    at += p.head.data.length;
  }
}

/** tracing: a run for these views records the trace (the trace view; the packets view's header patches). */
const tracing = (needs: ViewNeeds) => Boolean(needs.trace || needs.packets);

/** broke: does a machine of s show an invariant violation? */
const broke = (s: Snapshot) => s.machines.some((m) => m.invariants.violations > 0);

/** violationAt: what m's invariant check says after step i, as a run's error; null if all hold. */
function violationAt(i: number, m: Machine): string | null {
  const r = invariantsOf(m);
  return r.violations > 0 ? `step ${i}: ${m.name}: ${r.violations} invariant violation(s): ${r.report}` : null;
}

/** invariantsOf: m's invariant check now (without the scrub check), a throw counted as one violation. */
function invariantsOf(m: Machine): { violations: number; report: string } {
  try {
    return m.checkInvariants({ scrub: false });
  } catch (e) {
    return { violations: 1, report: (e as Error).message };
  }
}

/** snapshotTransfers: the buffers a snapshot's frames maps can be moved in (postMessage's
 *  transfer list) instead of copied. */
export function snapshotTransfers(s: Snapshot): ArrayBuffer[] {
  return s.machines.map((m) => m.classes.buffer as ArrayBuffer);
}

/** countersOf: every machine's counters now. */
function countersOf(w: World): Map<Machine, Record<string, number>> {
  return new Map(w.machines.map((m) => [m, m.counters() as unknown as Record<string, number>]));
}

/** The host library's exports by name: what a script sees as its globals. */
const GLOBALS = Object.keys(genie).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k));

/** Lines before a script's first line in the function made of it (see runScript). */
export const SCRIPT_LINE_OFFSET = 2;

/** runScript: run a script: the body of an async function of world, settings, hooks and the
 *  host library's exports; then every machine's invariants must hold. */
async function runScript(source: string, world: World, settings: Settings, hooks: object): Promise<void> {
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<unknown>;
  const fn = new AsyncFunction("world", "settings", "hooks", ...GLOBALS, source);
  const g = genie as unknown as Record<string, unknown>;
  await fn(world, settings, hooks, ...GLOBALS.map((k) => g[k]));
  for (const m of world.machines) m.check({ scrub: false });
}

/** A stack frame in a script's code, in V8's and SpiderMonkey's stack formats: line, column. */
const SCRIPT_FRAME = /(?:<anonymous>|> (?:Async)?Function):(\d+):(\d+)/;

/** describeError: an error of a run as one line, with the script's line number if it has one. */
export function describeError(e: unknown): string {
  const err = e as Error;
  const msg = `${err?.name ?? "Error"}: ${err?.message ?? String(e)}`;
  // The innermost frame in the script's code: V8 names the code of a Function made from a
  // string "<anonymous>" ("(eval at runScript (…), <anonymous>:4:7)"), SpiderMonkey (Firefox)
  // "… > AsyncFunction" ("anonymous@…/worker.js line 50 > AsyncFunction:4:7").
  const m = SCRIPT_FRAME.exec(err?.stack ?? "");
  if (m) return `line ${Number(m[1]) - SCRIPT_LINE_OFFSET}: ${msg}`;
  return msg;
}

