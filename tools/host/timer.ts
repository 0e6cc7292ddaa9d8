// tools/host/timer.ts — the machine's one-shot timer: the device half of the kernel's alarm.
//
// The kernel sets it (host.alarm, base/clock.ts alarmSet) when a timeout must fire even if
// nothing else happens (IP reassembly's); at that simulated time the timer interrupts the
// kernel (timerInterrupt) on CPU 0. One alarm at a time: setting it replaces the one set before,
// and a cancelled alarm leaves no event behind (a world run to the end stops where the last
// real event was, as before the kernel set it).

import type { DeviceBus } from "./views";

export class Timer {
  private event = -1; // the world's number of the pending alarm, or -1
  private readonly fire = () => {
    this.event = -1;
    this.machine.interrupt(this.machine.world.now, () => this.machine.k.timerInterrupt());
  };

  constructor(private readonly machine: DeviceBus) {}

  /** set: interrupt at atNs (not before now); atNs < 0 cancels the alarm. */
  set(atNs: number): void {
    if (this.event >= 0) this.machine.world.cancel(this.event);
    this.event = atNs < 0 ? -1 : this.machine.world.at(Math.max(atNs, this.machine.world.now), this.fire, `${this.machine.name}: timer interrupt`);
  }

  /** armed: is an alarm set? */
  get armed(): boolean {
    return this.event >= 0;
  }
}
