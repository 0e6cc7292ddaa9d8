// tools/host/world.ts — the simulated world: one deterministic clock, one event queue, a seed,
// and the machines (and, later, the wires between them).
//
// Time is simulated nanoseconds (a float64 holding an integer: exact for 104 days). Events at
// the same time run in the order they were scheduled. Nothing reads the wall clock: the same
// seed and the same calls give the same trace, byte for byte.

import { Rng } from "./rng";
import { Machine, type MachineOptions } from "./machine";
import { ConfigError } from "./errors";

export interface WorldOptions {
  /** Seed of every random choice in the world (loss, corruption, ...). Default 1. */
  seed?: number;
  /** The compiled kernel module every machine instantiates. */
  kernel: WebAssembly.Module;
}

interface Event {
  time: number;
  seq: number;
  run: () => void;
}

export class World {
  /** Current simulated time, ns. */
  now = 0;
  readonly seed: number;
  readonly rng: Rng;
  readonly kernel: WebAssembly.Module;
  readonly machines: Machine[] = [];
  private heap: Event[] = [];
  private seq = 0;

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

  /** at: run fn at simulated time t (not before now). */
  at(t: number, fn: () => void): void {
    if (!(t >= this.now)) throw new Error(`World.at: time ${t} is in the past (now ${this.now})`);
    this.push({ time: t, seq: this.seq++, run: fn });
  }

  /** after: run fn dt ns from now. */
  after(dt: number, fn: () => void): void {
    this.at(this.now + dt, fn);
  }

  /** pending: events not yet run. */
  get pending(): number {
    return this.heap.length;
  }

  /** step: run the next event; false if there is none. */
  step(): boolean {
    const e = this.pop();
    if (!e) return false;
    this.now = e.time;
    e.run();
    return true;
  }

  /** run: run events until the queue is empty or the next one is after `until`; returns now. */
  run(until = Infinity): number {
    while (this.heap.length > 0 && this.heap[0].time <= until) this.step();
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

  private push(e: Event): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  private pop(): Event | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < h.length && before(h[l], h[m])) m = l;
        if (r < h.length && before(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

function before(a: Event, b: Event): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
