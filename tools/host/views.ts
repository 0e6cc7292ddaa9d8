// tools/host/views.ts — what each part of the host library sees of the others: interfaces
// only, so that the hardware (NIC, disk, wire), processes and inspection never import Machine
// or World, and the imports run one way:
//
//   world.ts -> machine.ts -> process.ts, nic.ts, disk.ts, inspect.ts -> wire.ts -> views.ts

import type { Translation } from "./inspect";
import type { KernelExports } from "./kernel";
import type { Rng } from "./rng";

/** WorldClock: the world as machines, devices and wires see it: simulated time and its
 *  events, the seed and its generator, the kernel module (World implements it; Machine.world
 *  is one). */
export interface WorldClock {
  readonly now: number;
  readonly seed: number;
  readonly rng: Rng;
  readonly kernel: WebAssembly.Module;
  /** pending: events not yet run. */
  readonly pending: number;
  /** at: run fn at simulated time t (ns); label names it for observers. The event's number. */
  at(t: number, fn: () => void, label?: string): number;
  /** after: run fn dt ns from now; the event's number. */
  after(dt: number, fn: () => void, label?: string): number;
  /** cancel: the event numbered id will not run; false if it already ran. */
  cancel(id: number): boolean;
  /** entered: a kernel entry of machine m ended (for the world's observer, if any). */
  entered(m: DeviceBus, cpu: number, start: number, end: number): void;
  /** step: run the next event; false if there is none. */
  step(): boolean;
  /** run: process events up to time until; the time reached. */
  run(until?: number): number;
  /** runUntil: process events until cond holds; false if the events ran out first. */
  runUntil(cond: () => boolean, maxEvents?: number): boolean;
  /** observe: a kernel entry ended: run the function World.watch set, if any. */
  observe(): void;
}

/** DeviceBus: a machine as its devices see it: its name, world, kernel, RAM, interrupts. */
export interface DeviceBus {
  readonly name: string;
  readonly world: WorldClock;
  readonly k: KernelExports;
  readonly ram: Uint8Array;
  /** defer: run fn(end) when the current kernel entry ends. */
  defer(fn: (end: number) => void): void;
  /** interrupt: run a device's interrupt handler fn in the kernel, on CPU 0, no earlier than t. */
  interrupt<T>(t: number, fn: () => T): { value: T; start: number; end: number };
}

/** ProcessHost: a machine as its processes (of class P) see it: kernel entries on a CPU,
 *  wake-ups, and the processes it adopts (fork). */
export interface ProcessHost<P> extends DeviceBus {
  readonly wokenAt: Map<number, number>;
  readonly calls: number;
  /** enter: run fn in the kernel on cpu, starting no earlier than at. */
  enter<T>(cpu: number, at: number, fn: () => T): { value: T; start: number; end: number };
  /** adopt: the process object for pid, created by a call of the kernel (fork). */
  adopt(pid: number, clock: number): P;
  /** explain: how pid's address va translates, in words and steps. */
  explain(pid: number, va: number): Translation;
}
