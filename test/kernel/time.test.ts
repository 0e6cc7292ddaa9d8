// Simulated CPU time: a kernel entry costs exactly sum(counter delta x profile ns), starts when
// both the caller and its CPU are ready, and keeps that CPU busy for its cost. Cost profiles
// are data, validated field by field.

import { describe, expect, it } from "vitest";
import {
  COUNTER_NAMES, ConfigError, PAGE_SIZE, PROFILES, diffCounters, getProfile, type Counters, type Machine, type Profile,
} from "../../tools/host/index";
import { machine, world } from "./machines";


/** distinct: a profile where counter i costs 7i + 3 ns: integers, so sums are exact. */
function distinct(): Profile {
  const costs = Object.fromEntries(COUNTER_NAMES.map((n, i) => [n, { ns: 7 * i + 3, source: "test: distinct integers" }]));
  return { name: "distinct", description: "every counter a different integer cost", costs } as Profile;
}

/** costOf: what a counter delta costs under profile. */
function costOf(d: Counters, profile: Profile): number {
  return COUNTER_NAMES.reduce((s, n) => s + d[n] * profile.costs[n].ns, 0);
}

/** measure: run step; its counter delta, the entry's charged ns, and the caller's clock advance. */
function measure(m: Machine, clock: () => number, step: () => void) {
  const c0 = m.counters();
  const t0 = clock();
  step();
  return { d: diffCounters(c0, m.counters()), ns: m.k.entryNs(), advance: clock() - t0 };
}

describe("CPU time", () => {
  it("each entry costs exactly the sum of its counter deltas times the profile's ns", async () => {
    const profile = distinct();
    const m = await machine({ profile });
    const p = m.spawn();
    let va = 0;
    let c: ReturnType<typeof p.fork> | undefined;
    const steps: [string, () => void][] = [
      ["getpid", () => p.getpid()],
      ["mmap", () => { va = p.mmap(4 * PAGE_SIZE); }],
      ["demand-zero store", () => p.store(va, [1])],
      ["store that hits the TLB", () => p.store(va + 1, [2])],
      ["fork", () => { c = p.fork(); }],
      ["copy-on-write store in the parent", () => p.store(va + 2, [3])],
      ["munmap", () => p.munmap(va, 4 * PAGE_SIZE)],
    ];
    for (const [name, step] of steps) {
      const { d, ns, advance } = measure(m, () => p.clock, step);
      expect(ns, name).toBe(costOf(d, profile));
      expect(advance, name).toBe(ns); // alone on its CPU, the process waits for nothing
      expect(ns, name).toBeGreaterThan(0);
    }
    const exit = measure(m, () => c!.clock, () => c!.exit(0));
    expect(exit.ns).toBe(costOf(exit.d, profile));
    expect(exit.d.procsExited).toBe(1);
  });

  it("under the default profile too (to floating-point rounding), and a TLB hit costs nothing", async () => {
    const m = await machine();
    const profile = getProfile("default");
    const p = m.spawn();
    const va = p.mmap(PAGE_SIZE);
    const first = measure(m, () => p.clock, () => p.store(va, [1]));
    expect(first.d.faults).toBe(1);
    expect(first.ns).toBeCloseTo(costOf(first.d, profile), 6);
    const hit = measure(m, () => p.clock, () => p.load(va, 1));
    expect(hit.d.tlbHits).toBe(1);
    expect(hit.ns).toBe(0);
    expect(hit.advance).toBe(0);
  });

  it("a process's calls advance its own clock, and only the CPU it runs on is kept busy", async () => {
    const m = await machine({ cpus: 2 });
    const p = m.spawn({ cpu: 0 });
    const t0 = p.clock;
    expect(t0).toBeGreaterThan(0); // creating it took CPU time
    expect(m.cpuFree[0]).toBe(t0);
    p.getpid();
    const t1 = p.clock;
    expect(t1 - t0).toBe(m.profile.costs.syscalls.ns);
    expect(m.cpuFree).toEqual([t1, 0]);
  });

  it("an entry starts at max(caller's clock, CPU free): processes on one CPU queue, on two CPUs overlap", async () => {
    const m = await machine({ cpus: 2 });
    const sys = m.profile.costs.syscalls.ns;
    const a = m.spawn({ cpu: 0 });
    const b = m.spawn({ cpu: 0 });
    const c = m.spawn({ cpu: 1 });
    expect(b.clock).toBeGreaterThan(a.clock); // spawned after a, on the same CPU
    expect(c.clock).toBe(a.clock); // spawned on CPU 1 at the same time as a: did not wait for CPU 0
    const va = a.mmap(64 * PAGE_SIZE);
    for (let i = 0; i < 64; i++) a.store(va + i * PAGE_SIZE, [1]); // keeps CPU 0 busy
    const busy = m.cpuFree[0];
    expect(a.clock).toBe(busy);
    const bBefore = b.clock;
    expect(bBefore).toBeLessThan(busy);
    b.getpid(); // b is ready early, but CPU 0 is not
    expect(b.clock).toBe(busy + sys);
    const cBefore = c.clock;
    c.getpid(); // CPU 1 is free: c starts at its own clock
    expect(c.clock).toBe(cBefore + sys);
    expect(c.clock).toBeLessThan(busy);
  });

  it("no entry starts before the world's current time", async () => {
    const w = await world();
    const m = await machine({}, w);
    const p = m.spawn();
    w.run(1_000_000);
    p.getpid();
    expect(p.clock).toBe(1_000_000 + m.profile.costs.syscalls.ns);
  });
});

describe("cost profiles", () => {
  /** rejected: the ConfigError message booting a machine with profile gives. */
  async function rejected(profile: unknown): Promise<string> {
    const w = await world();
    let err: unknown;
    try { await w.machine({ profile: profile as Profile }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ConfigError);
    expect(w.machines).toEqual([]);
    return (err as Error).message;
  }
  // A profile as a loosely typed object, so that tests can break it in every way a file could.
  const base = () => structuredClone(getProfile("default")) as unknown as { costs: Record<string, unknown> } & Record<string, unknown>;

  it("every shipped profile names a cost and a source for every counter", () => {
    expect(Object.keys(PROFILES)).toContain("default");
    for (const name of Object.keys(PROFILES)) {
      const p = getProfile(name);
      expect(Object.keys(p.costs).sort(), name).toEqual([...COUNTER_NAMES].sort());
      for (const n of COUNTER_NAMES) {
        expect(p.costs[n].ns, `${name}: ${n}`).toBeGreaterThanOrEqual(0);
        expect(p.costs[n].source.trim().length, `${name}: ${n}`).toBeGreaterThan(0);
      }
    }
  });

  it("a missing counter is rejected, naming it", async () => {
    const p = base();
    delete p.costs.pteWrites;
    expect(await rejected(p)).toMatch(/costs\.pteWrites: is missing/);
  });

  it("a negative, infinite or non-numeric cost is rejected, naming the field", async () => {
    for (const ns of [-1, Infinity, NaN, "5", null]) {
      const p = base();
      p.costs.faults = { ns, source: "x" };
      expect(await rejected(p)).toMatch(/costs\.faults\.ns: must be a finite number >= 0/);
    }
  });

  it("an unknown counter is rejected, naming it", async () => {
    const p = base();
    p.costs.teleports = { ns: 1, source: "x" };
    expect(await rejected(p)).toMatch(/costs\.teleports: is not a kernel counter/);
  });

  it("a cost without a source is rejected, naming the field", async () => {
    for (const source of [undefined, "", "   ", 3]) {
      const p = base();
      p.costs.syscalls = { ns: 100, source };
      expect(await rejected(p)).toMatch(/costs\.syscalls\.source: must say where the number comes from/);
    }
  });

  it("a profile without a name, or not an object, is rejected", async () => {
    const p = base();
    delete p.name;
    expect(await rejected(p)).toMatch(/name: must be a non-empty string/);
    expect(await rejected([])).toMatch(/must be a JSON object/);
    expect(await rejected("nope")).toMatch(/unknown profile "nope" \(known: default/);
  });
});
