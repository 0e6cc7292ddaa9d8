// Hangs are failures: a kernel entry whose loops run past the loop budget (base/panic.ts) panics
// naming the loop, so the host reports where the kernel was instead of freezing. Every other
// test runs under the default budget, which no legitimate entry reaches.

import { describe, expect, it } from "vitest";
import { KernelPanic, MsgFlag, PAGE_SIZE, Sem, Sys } from "../../tools/host/index";
import { machine } from "./machines";

/** receiver: a machine, a process with a bound socket and a buffer of pages pages. */
async function receiver(pages: number) {
  const m = await machine({ memory: "4M" });
  const p = m.spawn();
  const s = p.socket();
  p.bind(s, 9);
  return { m, p, s, va: p.mmap(pages * PAGE_SIZE) };
}

describe("the loop budget", () => {
  it("a kernel entry that outlives its loop budget panics with the loop's location; the host gets a KernelPanic, not a hang", async () => {
    const { m, p, s, va } = await receiver(64);
    // Under the default budget the same call returns at once.
    expect(p.syscall(Sys.RECVFROM, s, va, 64 * PAGE_SIZE, Sem.COPY | MsgFlag.DONTWAIT)).toBeLessThan(0);
    m.setLoopBudget(16); // fewer turns than the 64 pages the call walks
    let err: unknown;
    try { p.syscall(Sys.RECVFROM, s, va, 64 * PAGE_SIZE, Sem.COPY | MsgFlag.DONTWAIT); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(KernelPanic);
    expect((err as Error).message).toMatch(/kernel\/io\/resident\.ts inputPrepare: loop budget of 16 turns spent in one kernel entry/);
    expect(m.panicked).toMatch(/inputPrepare/);
  });

  it("the budget is per entry: many entries of a few turns each never add up to a panic", async () => {
    const { m, p, s, va } = await receiver(8);
    m.setLoopBudget(64);
    for (let i = 0; i < 200; i++) expect(p.syscall(Sys.RECVFROM, s, va, 8 * PAGE_SIZE, Sem.COPY | MsgFlag.DONTWAIT)).toBeLessThan(0);
    m.setLoopBudget(0);
    expect(m.panicked).toBeNull();
  });
});
