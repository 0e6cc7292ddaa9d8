// Processes: fork across generations (copy-on-write with frame identities and reference
// counts), exit while children share frames, wait, kill, and what a dead process can still do.

import { describe, expect, it } from "vitest";
import { Kill, PAGE_SIZE, ProcState, ProcessGone, SyscallError, diffCounters } from "../../tools/host/index";
import { machine, pattern } from "./machines";


describe("fork of a fork: three generations", () => {
  it("share every frame copy-on-write, and each write copies exactly one page for exactly one process", async () => {
    const m = await machine();
    const p = m.spawn();
    const va = p.mmap(2 * PAGE_SIZE);
    p.store(va, pattern(PAGE_SIZE, 1));
    p.store(va + PAGE_SIZE, pattern(PAGE_SIZE, 2));
    const [f0, f1] = [p.frameAt(va), p.frameAt(va + PAGE_SIZE)];
    const c = p.fork();
    const g = c.fork();
    const gens = [p, c, g];
    for (const x of gens) expect([x.frameAt(va), x.frameAt(va + PAGE_SIZE)]).toEqual([f0, f1]);
    expect(m.frame(f0).refs).toBe(3);
    expect(m.frame(f0).maps).toBe(3);
    for (const x of gens) {
      const bits = m.explain(x.pid, va).bits.split(" ");
      expect(bits, `pid ${x.pid}`).toContain("COW");
      expect(bits, `pid ${x.pid}`).not.toContain("W");
    }

    // The grandchild writes: it alone gets a copy; parent and child keep f0.
    let c0 = m.counters();
    g.store(va + 10, [0x99]);
    let d = diffCounters(c0, m.counters());
    expect([d.faultsCow, d.bytesCopied, d.framesAllocated]).toEqual([1, PAGE_SIZE, 1]);
    const gf = g.frameAt(va);
    expect(gf).not.toBe(f0);
    expect([p.frameAt(va), c.frameAt(va)]).toEqual([f0, f0]);
    expect(m.frame(f0).refs).toBe(2);
    expect(m.frame(gf).refs).toBe(1);

    // The child writes: another copy; the parent is now f0's only holder.
    c0 = m.counters();
    c.store(va + 20, [0x77]);
    d = diffCounters(c0, m.counters());
    expect([d.faultsCow, d.bytesCopied]).toEqual([1, PAGE_SIZE]);
    const cf = c.frameAt(va);
    expect(new Set([f0, gf, cf]).size).toBe(3);
    expect(m.frame(f0).refs).toBe(1);

    // The parent writes: no copy, write permission restored on f0 itself.
    c0 = m.counters();
    p.store(va + 30, [0x55]);
    d = diffCounters(c0, m.counters());
    expect([d.faultsCow, d.faultsProt, d.bytesCopied]).toEqual([0, 1, 0]);
    expect(p.frameAt(va)).toBe(f0);

    // Each sees its own write and the others' original bytes.
    const orig = pattern(PAGE_SIZE, 1);
    const view = (x: typeof p) => Array.from(x.load(va + 10, 21)).filter((_, i) => i % 10 === 0);
    expect(view(p)).toEqual([orig[10], orig[20], 0x55]);
    expect(view(c)).toEqual([orig[10], 0x77, orig[30]]);
    expect(view(g)).toEqual([0x99, orig[20], orig[30]]);
    // The untouched page is still one frame in all three.
    for (const x of gens) expect(x.frameAt(va + PAGE_SIZE)).toBe(f1);
    expect(m.frame(f1).refs).toBe(3);
    expect(g.load(va + PAGE_SIZE, PAGE_SIZE)).toEqual(pattern(PAGE_SIZE, 2));
  });

  it("a page first touched in the child after fork belongs to the child alone", async () => {
    const m = await machine();
    const p = m.spawn();
    const va = p.mmap(2 * PAGE_SIZE);
    p.store(va, [1]);
    const c = p.fork();
    c.store(va + PAGE_SIZE, [2]);
    expect(c.frameAt(va + PAGE_SIZE)).not.toBe(0);
    expect(p.frameAt(va + PAGE_SIZE)).toBe(0);
    expect(p.load(va + PAGE_SIZE, 1)[0]).toBe(0);
    expect(p.frameAt(va + PAGE_SIZE)).not.toBe(c.frameAt(va + PAGE_SIZE));
  });
});

describe("exit", () => {
  it("a parent exiting while its child shares frames leaves the child sole owner: its write copies nothing", async () => {
    const m = await machine();
    const p = m.spawn();
    const va = p.mmap(3 * PAGE_SIZE);
    for (let i = 0; i < 3; i++) p.store(va + i * PAGE_SIZE, pattern(PAGE_SIZE, 10 + i));
    const frames = [0, 1, 2].map((i) => p.frameAt(va + i * PAGE_SIZE));
    const c = p.fork();
    const free0 = m.freeFrames;
    p.exit(0);
    expect(m.freeFrames - free0).toBe(2); // only its directory and page table: the data frames are the child's now
    for (const f of frames) expect(m.frame(f)).toMatchObject({ kind: "ANON", refs: 1, maps: 1 });
    const c0 = m.counters();
    c.store(va + PAGE_SIZE, [0xcc]);
    const d = diffCounters(c0, m.counters());
    expect([d.faultsCow, d.faultsProt, d.bytesCopied]).toEqual([0, 1, 0]);
    expect(c.frameAt(va + PAGE_SIZE)).toBe(frames[1]);
    expect(c.load(va, PAGE_SIZE)).toEqual(pattern(PAGE_SIZE, 10));
    expect(c.load(va + PAGE_SIZE, 1)[0]).toBe(0xcc);
    c.exit(0);
    for (const f of frames) expect(m.frame(f).kind).toBe("FREE");
  });

  it("a child orphaned by its parent's exit is the host's to reap", async () => {
    const m = await machine();
    const p = m.spawn();
    const c = p.fork();
    p.exit(0);
    c.exit(4);
    expect(c.state).toBe(ProcState.ZOMBIE);
    expect(c.reap()).toBe(4);
    expect(c.state).toBe(ProcState.UNUSED);
  });
});

describe("wait", () => {
  it("on a process that is not its child fails with ECHILD", async () => {
    const m = await machine();
    const a = m.spawn(), b = m.spawn();
    const c = a.fork();
    for (const [who, whom] of [[b, c], [b, a], [c, a], [a, a]] as const) {
      let err: unknown;
      try { who.wait(whom); } catch (e) { err = e; }
      expect(err, `${who.pid} waits for ${whom.pid}`).toBeInstanceOf(SyscallError);
      expect((err as SyscallError).code).toBe("ECHILD");
    }
    expect(c.alive).toBe(true);
  });

  it("on a live child returns null and leaves it running; on a dead one reaps it once", async () => {
    const m = await machine();
    const p = m.spawn();
    const c = p.fork();
    expect(p.wait(c)).toBeNull();
    expect(c.alive).toBe(true);
    c.exit(7);
    expect(c.state).toBe(ProcState.ZOMBIE);
    expect(p.wait(c)).toEqual({ status: 7, reason: Kill.EXITED });
    expect(c.state).toBe(ProcState.UNUSED);
    expect(() => p.wait(c)).toThrow(/ECHILD/);
  });
});

describe("kill", () => {
  it("ends the process with reason KILLED and releases every frame it held", async () => {
    const m = await machine();
    const free0 = m.freeFrames;
    const p = m.spawn();
    const va = p.mmap(5 * PAGE_SIZE);
    for (let i = 0; i < 5; i++) p.store(va + i * PAGE_SIZE, [i]);
    const c0 = m.counters();
    p.kill();
    const d = diffCounters(c0, m.counters());
    expect(d.procsExited).toBe(1);
    expect(d.framesFreed).toBe(5 + 2);
    expect(p.state).toBe(ProcState.ZOMBIE);
    expect(p.killReason).toBe(Kill.KILLED);
    expect(p.exitStatus).toBe(-1);
    expect(m.freeFrames).toBe(free0);
    expect(m.k.kill(p.pid)).toBe(-3 /* ESRCH: already dead */);
  });

  it("of a parent leaves a forked child and its copy-on-write frames intact", async () => {
    const m = await machine();
    const p = m.spawn();
    const va = p.mmap(PAGE_SIZE);
    p.store(va, [42]);
    const c = p.fork();
    p.kill();
    expect(c.load(va, 1)[0]).toBe(42);
    expect(m.frame(c.frameAt(va)).refs).toBe(1);
  });
});

describe("a dead process", () => {
  it("throws ProcessGone from every method that would enter the kernel, and changes nothing", async () => {
    const m = await machine();
    const p = m.spawn();
    const va = p.mmap(PAGE_SIZE);
    p.store(va, [1]);
    p.exit(3);
    const c0 = m.counters();
    const calls: [string, () => unknown][] = [
      ["getpid", () => p.getpid()], ["fork", () => p.fork()], ["exit", () => p.exit(0)],
      ["mmap", () => p.mmap(PAGE_SIZE)], ["munmap", () => p.munmap(va, PAGE_SIZE)],
      ["mprotect", () => p.mprotect(va, PAGE_SIZE, 1)], ["setCpu", () => p.setCpu(0)],
      ["wait", () => p.wait(p)], ["kill", () => p.kill()], ["load", () => p.load(va, 1)],
      ["store", () => p.store(va, [2])], ["translate", () => p.translate(va, 1)], ["syscall", () => p.syscall(1)],
    ];
    for (const [name, call] of calls) {
      let err: unknown;
      try { call(); } catch (e) { err = e; }
      expect(err, name).toBeInstanceOf(ProcessGone);
      expect((err as ProcessGone).reason, name).toBe(Kill.EXITED);
      expect((err as Error).message).toBe(`pid ${p.pid} is not running (EXITED)`);
    }
    const d = diffCounters(c0, m.counters());
    expect(Object.entries(d).filter(([, v]) => v !== 0)).toEqual([]);
    expect(p.regions()).toEqual([]);
    expect(p.exitStatus).toBe(3);
  });

  it("killed by a fault reports why, with the faulting address", async () => {
    const m = await machine();
    const p = m.spawn();
    expect(() => p.store(0x5000_0000, [1])).toThrow(/SEGV_UNMAPPED/);
    expect(() => p.getpid()).toThrow(ProcessGone);
    expect(() => p.getpid()).toThrow(/SEGV_UNMAPPED/);
    expect(m.k.procInfo(p.pid, 5 /* KILL_VA */) >>> 0).toBe(0x5000_0000);
  });
});
