// The kernel trace: deterministic (same seed and calls, same events at the same simulated
// times), filtered by subsystem masks, and free (tracing changes no counter and no time).

import { describe, expect, it } from "vitest";
import { Ev, PAGE_SIZE, Prot, Subsys, type Machine, type TraceEvent } from "../../tools/host/index";
import { machine, world } from "./machines";


/** workload: faults, fork, copy-on-write, a migration, munmap with a shootdown, a fatal fault, exit. */
function workload(m: Machine): void {
  const p = m.spawn({ cpu: 0 });
  const va = p.mmap(4 * PAGE_SIZE);
  for (let i = 0; i < 4; i++) p.store(va + i * PAGE_SIZE, [i + 1]);
  const c = p.fork();
  c.store(va + PAGE_SIZE, [9]);
  c.setCpu(1);
  c.load(va, 1);
  c.munmap(va, 2 * PAGE_SIZE);
  const ro = p.mmap(PAGE_SIZE, { prot: Prot.READ });
  try { p.store(ro, [1]); } catch { /* SEGV_PROT: expected */ }
  c.exit(0);
}

async function traced(mask: number | boolean, seed = 1): Promise<Machine> {
  const m = await machine({ cpus: 2, trace: mask }, await world(seed));
  workload(m);
  return m;
}

const subsystem = (e: TraceEvent) => (e.ev >> 8) & 0xff;

describe("trace", () => {
  it("is deterministic: the same seed and calls give an identical event list, byte for byte", async () => {
    const a = await traced(true);
    const b = await traced(true);
    expect(a.traceLog.length).toBeGreaterThan(50);
    expect(b.traceLog).toEqual(a.traceLog);
    expect(JSON.stringify(b.traceLog)).toBe(JSON.stringify(a.traceLog));
    expect(b.cpuFree).toEqual(a.cpuFree);
  });

  it("records what happened: the fork's copy-on-write fault, the shootdown to CPU 0, the fatal fault", async () => {
    const m = await traced(true);
    const kinds = new Set(m.traceLog.map((e) => e.kind));
    for (const k of ["ProcCreate", "ProcExit", "Syscall", "FrameAlloc", "FrameFree", "Map", "Unmap", "Protect",
      "RegionCreate", "RegionRemove", "TlbInval", "TlbShootdown", "TlbFlush", "Fault", "FaultResolved", "FaultFatal"])
      expect(kinds, k).toContain(k);
    const shoot = m.traceLog.filter((e) => e.ev === Ev.TlbShootdown);
    expect(shoot.map((e) => e.a)).toEqual(shoot.map(() => 0)); // the remote CPU is CPU 0
    expect(shoot.every((e) => e.cpu === 1)).toBe(true); // sent from CPU 1
    expect(m.traceLog.filter((e) => e.ev === Ev.TlbShootdown).length).toBe(m.counters().tlbShootdowns);
    expect(m.traceLog.filter((e) => e.ev === Ev.Fault).length).toBe(m.counters().faults);
  });

  it("times each event inside its kernel entry: per CPU, time never goes backwards", async () => {
    const m = await traced(true);
    for (const cpu of [0, 1]) {
      const ts = m.traceLog.filter((e) => e.cpu === cpu).map((e) => e.t);
      expect(ts.length).toBeGreaterThan(0);
      for (let i = 1; i < ts.length; i++) expect(ts[i]).toBeGreaterThanOrEqual(ts[i - 1]);
      expect(ts[ts.length - 1]).toBeLessThanOrEqual(m.cpuFree[cpu]);
    }
  });

  it("a mask enables exactly the chosen subsystems, and the events are those of the full trace", async () => {
    const all = await traced(true);
    const mask = Subsys.TLB | Subsys.FAULT;
    const some = await traced(mask);
    expect(new Set(some.traceLog.map(subsystem))).toEqual(new Set([Subsys.TLB, Subsys.FAULT]));
    expect(some.traceLog).toEqual(all.traceLog.filter((e) => (subsystem(e) & mask) !== 0));
    const proc = await traced(Subsys.PROC);
    expect(proc.traceLog.map((e) => e.kind).filter((k, i, a) => a.indexOf(k) === i).sort()).toEqual(["ProcCreate", "ProcExit", "Syscall"]);
  });

  it("is off by default, and costs nothing when on: counters and simulated time are the same", async () => {
    const off = await traced(false);
    const none = await machine({ cpus: 2 }, await world());
    workload(none);
    const on = await traced(true);
    expect(off.traceLog).toEqual([]);
    expect(none.traceLog).toEqual([]);
    expect(on.counters()).toEqual(off.counters());
    expect(on.cpuFree).toEqual(off.cpuFree);
  });

  it("can be switched on and off while the machine runs", async () => {
    const m = await machine();
    const p = m.spawn();
    p.getpid();
    m.setTrace(Subsys.PROC);
    p.getpid();
    m.setTrace(false);
    p.getpid();
    expect(m.traceLog.map((e) => [e.kind, e.a, e.b, e.c])).toEqual([["Syscall", p.pid, 1, p.pid]]);
  });
});
