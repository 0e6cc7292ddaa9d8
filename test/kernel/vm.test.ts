import { describe, expect, it } from "vitest";
import { Access, Kill, PAGE_SIZE, ProcState, Prot, SegmentationFault, Sys, SyscallError } from "../../tools/host/index";
import { machine, pattern } from "./machines";


describe("demand paging", () => {
  it("mmap reserves addresses but no frames; the first touch of each page takes one zeroed frame", async () => {
    const m = await machine();
    const p = m.spawn();
    const free0 = m.freeFrames;
    const va = p.mmap(4 * PAGE_SIZE);
    expect(m.freeFrames).toBe(free0);
    const c0 = m.counters();
    expect(Array.from(p.load(va + PAGE_SIZE + 7, 3))).toEqual([0, 0, 0]);
    const c1 = m.counters();
    expect(c1.faultsDemandZero - c0.faultsDemandZero).toBe(1);
    // one data frame plus the page table that now covers va
    expect(free0 - m.freeFrames).toBe(2);
    p.store(va + PAGE_SIZE, [9]);
    expect(m.counters().faultsDemandZero - c1.faultsDemandZero).toBe(0);
  });

  it("bytes stored through the MMU read back exactly, across page boundaries", async () => {
    const m = await machine();
    const p = m.spawn();
    const va = p.mmap(3 * PAGE_SIZE);
    const data = pattern(2 * PAGE_SIZE + 100, 7);
    p.store(va + 4000, data.subarray(0, 2 * PAGE_SIZE + 100 - 4000 + 3000));
    expect(p.load(va + 4000, 2 * PAGE_SIZE + 100 - 4000 + 3000)).toEqual(data.subarray(0, 2 * PAGE_SIZE + 100 - 4000 + 3000));
  });
});

describe("protection", () => {
  it("a write to a read-only region kills the process with SEGV_PROT; the machine lives on", async () => {
    const m = await machine();
    const p = m.spawn();
    const va = p.mmap(PAGE_SIZE, { prot: Prot.READ });
    expect(p.load(va, 1)[0]).toBe(0);
    let err: unknown;
    try { p.store(va, [1]); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(SegmentationFault);
    expect((err as SegmentationFault).reason).toBe(Kill.SEGV_PROT);
    expect((err as SegmentationFault).access).toBe(Access.WRITE);
    expect(p.state).toBe(ProcState.ZOMBIE);
    expect(p.killReason).toBe(Kill.SEGV_PROT);
    const q = m.spawn();
    const vb = q.mmap(PAGE_SIZE);
    q.store(vb, [5]);
    expect(q.load(vb, 1)[0]).toBe(5);
  });

  it("an access outside every region kills with SEGV_UNMAPPED naming the address", async () => {
    const m = await machine();
    const p = m.spawn();
    expect(() => p.load(0x1234, 1)).toThrow(/read at 0x1234: SEGV_UNMAPPED/);
  });

  it("mprotect to read-only write-protects mapped pages at once, and back to read-write lazily", async () => {
    const m = await machine();
    const p = m.spawn();
    const va = p.mmap(2 * PAGE_SIZE);
    p.store(va, [1]);
    p.mprotect(va, PAGE_SIZE, Prot.READ);
    expect(m.explain(p.pid, va).bits).not.toContain("W");
    expect(p.regions().length).toBe(2);
    p.mprotect(va, PAGE_SIZE, Prot.READ | Prot.WRITE);
    const c0 = m.counters();
    p.store(va, [2]);
    expect(m.counters().faultsProt - c0.faultsProt).toBe(1);
    expect(p.load(va, 1)[0]).toBe(2);
  });
});

describe("munmap", () => {
  it("unmapping the middle of a region splits it and frees exactly those frames", async () => {
    const m = await machine();
    const p = m.spawn();
    const va = p.mmap(4 * PAGE_SIZE);
    for (let i = 0; i < 4; i++) p.store(va + i * PAGE_SIZE, [i + 1]);
    const free0 = m.freeFrames;
    p.munmap(va + PAGE_SIZE, 2 * PAGE_SIZE);
    expect(m.freeFrames - free0).toBe(2);
    expect(p.regions().map((r) => [r.start - va, r.end - va])).toEqual([[0, PAGE_SIZE], [3 * PAGE_SIZE, 4 * PAGE_SIZE]]);
    expect(p.load(va, 1)[0]).toBe(1);
    expect(p.load(va + 3 * PAGE_SIZE, 1)[0]).toBe(4);
    expect(() => p.load(va + PAGE_SIZE, 1)).toThrow(SegmentationFault);
  });
});

describe("fork and copy-on-write", () => {
  it("parent and child share frames until one writes; then only that page is copied", async () => {
    const m = await machine();
    const p = m.spawn();
    const va = p.mmap(3 * PAGE_SIZE);
    for (let i = 0; i < 3; i++) p.store(va + i * PAGE_SIZE, pattern(PAGE_SIZE, i + 1));
    const frames = [0, 1, 2].map((i) => p.frameAt(va + i * PAGE_SIZE));
    const c = p.fork();
    expect([0, 1, 2].map((i) => c.frameAt(va + i * PAGE_SIZE))).toEqual(frames);
    expect(m.frame(frames[1]).refs).toBe(2);
    expect(m.explain(p.pid, va).bits).toContain("COW");

    const c0 = m.counters();
    c.store(va + PAGE_SIZE + 5, [0xee]);
    const c1 = m.counters();
    expect(c1.faultsCow - c0.faultsCow).toBe(1);
    expect(c1.bytesCopied - c0.bytesCopied).toBe(PAGE_SIZE);
    expect(c.frameAt(va + PAGE_SIZE)).not.toBe(frames[1]);
    expect(p.frameAt(va + PAGE_SIZE)).toBe(frames[1]);
    expect(c.frameAt(va)).toBe(frames[0]);
    expect(p.load(va + PAGE_SIZE + 5, 1)[0]).toBe(pattern(PAGE_SIZE, 2)[5]);
    expect(c.load(va + PAGE_SIZE + 5, 1)[0]).toBe(0xee);

    // The parent is now the only holder of frames[1]: its write just restores permission.
    p.store(va + PAGE_SIZE, [1]);
    const c2 = m.counters();
    expect(c2.faultsCow - c1.faultsCow).toBe(0);
    expect(c2.bytesCopied - c1.bytesCopied).toBe(0);
    expect(p.frameAt(va + PAGE_SIZE)).toBe(frames[1]);
  });

  it("MAP_SHARED memory stays shared after fork: a child's write is seen by the parent", async () => {
    const m = await machine();
    const p = m.spawn();
    const va = p.mmap(PAGE_SIZE, { shared: true });
    p.store(va, [1]);
    const c = p.fork();
    c.store(va, [42]);
    expect(p.load(va, 1)[0]).toBe(42);
    expect(c.frameAt(va)).toBe(p.frameAt(va));
  });
});

describe("exit", () => {
  it("exit frees every frame the process held, including page tables", async () => {
    const m = await machine();
    const free0 = m.freeFrames;
    const p = m.spawn();
    const va = p.mmap(64 * PAGE_SIZE);
    for (let i = 0; i < 64; i += 3) p.store(va + i * PAGE_SIZE, [i]);
    const c = p.fork();
    c.store(va, [1]);
    c.exit(3);
    expect(p.wait(c)).toEqual({ status: 3, reason: Kill.EXITED });
    p.exit(0);
    expect(m.freeFrames).toBe(free0);
  });
});

describe("isolation", () => {
  it("two processes at the same virtual address see their own bytes", async () => {
    const m = await machine();
    const a = m.spawn(), b = m.spawn();
    const va = a.mmap(PAGE_SIZE, { at: 0x50000000 });
    const vb = b.mmap(PAGE_SIZE, { at: 0x50000000 });
    expect(vb).toBe(va);
    a.store(va, [1, 1, 1]);
    b.store(vb, [2, 2, 2]);
    expect(Array.from(a.load(va, 3))).toEqual([1, 1, 1]);
    expect(Array.from(b.load(vb, 3))).toEqual([2, 2, 2]);
    expect(a.frameAt(va)).not.toBe(b.frameAt(vb));
  });

  it("a frame freed by one process reaches the next one zeroed", async () => {
    const m = await machine();
    const a = m.spawn();
    const va = a.mmap(PAGE_SIZE);
    a.fill(va, PAGE_SIZE, 0xab);
    const f = a.frameAt(va);
    a.exit();
    const b = m.spawn();
    const vb = b.mmap(PAGE_SIZE);
    expect(b.load(vb, PAGE_SIZE).every((x) => x === 0)).toBe(true);
    expect(m.counters().bytesZeroed).toBeGreaterThanOrEqual(PAGE_SIZE);
    void f;
  });
});

describe("bad system-call arguments", () => {
  it("each is rejected with its error and changes nothing", async () => {
    const m = await machine();
    const p = m.spawn();
    const code = (f: () => unknown) => { try { f(); } catch (e) { return (e as SyscallError).code; } return "ok"; };
    const before = m.freeFrames;
    expect(code(() => p.mmap(0))).toBe("EINVAL");
    expect(code(() => p.mmap(PAGE_SIZE, { prot: 8 }))).toBe("EINVAL");
    expect(code(() => p.mmap(PAGE_SIZE, { at: 0x50000001, fixed: true }))).toBe("EINVAL");
    expect(code(() => p.mmap(PAGE_SIZE, { at: 0x1000, fixed: true }))).toBe("EINVAL");
    expect(code(() => p.mmap(0x7fffffff))).toBe("ENOMEM");
    expect(code(() => p.munmap(0x50000001, PAGE_SIZE))).toBe("EINVAL");
    expect(code(() => p.munmap(0x50000000, 0))).toBe("EINVAL");
    expect(code(() => p.mprotect(0x50000000, PAGE_SIZE, Prot.READ))).toBe("ENOMEM");
    expect(code(() => p.setCpu(3))).toBe("EINVAL");
    expect(p.syscall(999 as Sys)).toBe(-38);
    expect(p.syscall(4 /* MMAP */, 0, PAGE_SIZE, 3, 0 /* neither private nor shared */, -1, 0)).toBe(-22);
    expect(p.syscall(4 /* MMAP */, 0, PAGE_SIZE, 3, 1, 5 /* fd */, 0)).toBe(-9);
    expect(p.regions()).toEqual([]);
    expect(m.freeFrames).toBe(before);
  });
});
