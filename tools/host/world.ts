// tools/host/world.ts — the simulated world: one deterministic clock, one event queue, a seed,
// and the machines (and, later, the wires between them).
//
// Time is simulated nanoseconds (a float64 holding an integer: exact for 104 days). Events at
// the same time run in the order they were scheduled. Nothing reads the wall clock: the same
// seed and the same calls give the same trace, byte for byte.

import { Rng } from "./rng";
import { Machine, type MachineOptions } from "./machine";
import { ConfigError } from "./errors";
import type { DeviceBus, WorldClock } from "./views";

/**
 * WorldObserver: watches the world run, one call per event and per kernel entry (the
 * playground's timeline). It only looks: nothing it sees changes what happens. It may throw to
 * stop a run at a chosen moment (the world is then left as it was at that moment).
 */
export interface WorldObserver {
  /** An event ran; label names it (what the device did). */
  event(label: string, t: number): void;
  /** A kernel entry ended on m's cpu; inEvent tells whether an event made it (an interrupt). */
  entry(m: Machine, cpu: number, start: number, end: number, inEvent: boolean): void;
}

export interface WorldOptions {
  /** Seed of every random choice in the world (loss, corruption, ...). Default 1. */
  seed?: number;
  /** The compiled kernel module every machine instantiates. */
  kernel: WebAssembly.Module;
}

export class World implements WorldClock {
  /** Current simulated time, ns. */
  now = 0;
  readonly seed: number;
  readonly rng: Rng;
  readonly kernel: WebAssembly.Module;
  readonly machines: Machine[] = [];
  // The event queue: a binary heap of slot numbers, earliest (time, then seq) first. An event's
  // time, sequence number and function live in its slot of the parallel arrays below. Moving
  // small integers around the heap is cheaper than moving objects (no garbage-collector write
  // barrier on each move); freed slots are reused.
  private heap: number[] = [];
  private times: number[] = [];
  private seqs: number[] = [];
  private fns: ((() => void) | null)[] = [];
  private labels: string[] = [];
  private freeSlots: number[] = [];
  private seq = 0;
  /** The observer, if any (see WorldObserver). */
  observer: WorldObserver | null = null;
  /** Events running now (1 inside an event). */
  inEvent = 0;
  // watch(): called after every event and every kernel entry the host makes.
  private watcher: (() => void) | null = null;
  private watching = false;

  constructor(opts: WorldOptions) {
    const seed = opts.seed ?? 1;
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new ConfigError(`World: seed must be an integer in [0, 2^32), got ${seed}`);
    if (!(opts.kernel instanceof WebAssembly.Module)) throw new ConfigError("World: kernel must be a compiled WebAssembly.Module (see loadKernel)");
    this.seed = seed;
    this.rng = new Rng(seed);
    this.kernel = opts.kernel;
  }

  /** machine: boot a new machine in this world. */
  async machine(opts: MachineOptions = {}): Promise<Machine> {
    const m = await Machine.boot(this, opts, this.machines.length);
    this.machines.push(m);
    return m;
  }

  /** dispose: every machine of this world is done (Machine.dispose); the world is not run again. */
  dispose(): void {
    for (const m of this.machines) m.dispose();
  }

  /** at: run fn at simulated time t (not before now); label names it for observers. Returns
   *  the event's number (for cancel). */
  at(t: number, fn: () => void, label = "event"): number {
    if (!(t >= this.now)) throw new Error(`World.at: time ${t} is in the past (now ${this.now})`);
    const slot = this.freeSlots.length > 0 ? this.freeSlots.pop()! : this.fns.length;
    this.times[slot] = t;
    this.seqs[slot] = this.seq;
    this.fns[slot] = fn;
    this.labels[slot] = label;
    this.push(slot);
    return this.seq++;
  }

  /** cancel: the event numbered id (at's result) will not run; false if it already ran. */
  cancel(id: number): boolean {
    const h = this.heap;
    const i = h.findIndex((slot) => this.seqs[slot] === id);
    if (i < 0) return false;
    const slot = h[i];
    this.fns[slot] = null;
    this.freeSlots.push(slot);
    // Take the last slot out and put it where the cancelled one was, then restore heap order.
    const last = h.pop()!;
    if (i < h.length) {
      h[i] = last;
      this.siftDown(this.siftUp(i));
    }
    return true;
  }

  /** after: run fn dt ns from now; the event's number. */
  after(dt: number, fn: () => void, label?: string): number {
    return this.at(this.now + dt, fn, label);
  }

  /** entered: a kernel entry of machine m ended; the observer hears of it. */
  entered(m: DeviceBus, cpu: number, start: number, end: number): void {
    if (this.observer !== null) this.observer.entry(m as Machine, cpu, start, end, this.inEvent > 0);
  }

  /** pending: events not yet run. */
  get pending(): number {
    return this.heap.length;
  }

  /** step: run the next event; false if there is none. */
  step(): boolean {
    if (this.heap.length === 0) return false;
    const slot = this.pop();
    const fn = this.fns[slot]!;
    this.fns[slot] = null;
    this.freeSlots.push(slot);
    this.now = this.times[slot];
    if (this.observer === null) {
      fn();
    } else {
      this.inEvent++;
      try {
        fn();
      } finally {
        this.inEvent--;
      }
      this.observer.event(this.labels[slot], this.now);
    }
    if (this.watcher) this.observe();
    return true;
  }

  /** watch: call fn after every event and after every kernel entry the host makes (between
   *  two, the machines are at rest: tests run the invariant check there); null stops. */
  watch(fn: (() => void) | null): void {
    this.watcher = fn;
  }

  /** observe: a kernel entry or an event ended: run the watcher (not from inside itself). */
  observe(): void {
    if (!this.watcher || this.watching) return;
    this.watching = true;
    try {
      this.watcher();
    } finally {
      this.watching = false;
    }
  }

  /** run: run events until the queue is empty or the next one is after `until`; returns now. */
  run(until = Infinity): number {
    while (this.heap.length > 0 && this.times[this.heap[0]] <= until) this.step();
    if (until !== Infinity && this.now < until) this.now = until;
    return this.now;
  }

  /** runUntil: run events until cond() holds (checked after each) or maxEvents pass; true if it held. */
  runUntil(cond: () => boolean, maxEvents = 10_000_000): boolean {
    for (let n = 0; !cond(); n++) {
      if (n >= maxEvents || !this.step()) return cond();
    }
    return true;
  }

  /** before: does the event in slot a come before the one in slot b? */
  private before(a: number, b: number): boolean {
    const ta = this.times[a], tb = this.times[b];
    return ta < tb || (ta === tb && this.seqs[a] < this.seqs[b]);
  }

  /** push: add slot to the heap. */
  private push(slot: number): void {
    this.heap.push(slot);
    this.siftUp(this.heap.length - 1);
  }

  /** pop: remove and return the earliest slot (the heap is not empty). */
  private pop(): number {
    const h = this.heap;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  /** siftUp: move the slot at heap index i up past later parents (they move down); its index. */
  private siftUp(i: number): number {
    const h = this.heap, slot = h[i];
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(slot, h[p])) break;
      h[i] = h[p];
      i = p;
    }
    h[i] = slot;
    return i;
  }

  /** siftDown: move the slot at heap index i down past earlier children (they move up). */
  private siftDown(i: number): void {
    const h = this.heap, slot = h[i], n = h.length;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = slot, mi = -1;
      if (l < n && this.before(h[l], m)) (m = h[l]), (mi = l);
      if (r < n && this.before(h[r], m)) (m = h[r]), (mi = r);
      if (mi < 0) break;
      h[i] = m;
      i = mi;
    }
    h[i] = slot;
  }
}
