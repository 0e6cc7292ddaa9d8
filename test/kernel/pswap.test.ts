import { describe, expect, it } from "vitest";
import { diffCounters, PAGE_SIZE, Prot, SyscallError } from "../../tools/host/index";
import { expectBytes, machine, pattern } from "./machines";


describe("pswap: user-directed page swapping", () => {
  it("whole pages change places by exchanging frames: no byte is copied", async () => {
    const m = await machine();
    const p = m.spawn();
    const a = p.mmap(4 * PAGE_SIZE), b = p.mmap(4 * PAGE_SIZE);
    const da = pattern(4 * PAGE_SIZE, 1), db = pattern(4 * PAGE_SIZE, 2);
    p.store(a, da);
    p.store(b, db);
    const fa = p.frameAt(a), fb = p.frameAt(b);
    const c = m.counters();
    p.pswap(a, b, 4 * PAGE_SIZE);
    const d = diffCounters(c, m.counters());
    expect(d.bytesCopied).toBe(0);
    expect(d.pageSwaps).toBe(4);
    expectBytes(p.load(a, 4 * PAGE_SIZE), db);
    expectBytes(p.load(b, 4 * PAGE_SIZE), da);
    expect(p.frameAt(a)).toBe(fb);
    expect(p.frameAt(b)).toBe(fa);
  });

  it("partial first and last pages are exchanged by copying; bytes outside the ranges stay", async () => {
    const m = await machine();
    const p = m.spawn();
    const a = p.mmap(4 * PAGE_SIZE), b = p.mmap(4 * PAGE_SIZE);
    const da = pattern(4 * PAGE_SIZE, 3), db = pattern(4 * PAGE_SIZE, 4);
    p.store(a, da);
    p.store(b, db);
    const c = m.counters();
    p.pswap(a + 100, b + 100, 2 * PAGE_SIZE);
    const d = diffCounters(c, m.counters());
    expect(d.pageSwaps).toBe(1);
    expect(d.bytesCopied).toBe(2 * (PAGE_SIZE - 100) + 2 * 100);
    expectBytes(p.load(a + 100, 2 * PAGE_SIZE), db.subarray(100, 100 + 2 * PAGE_SIZE));
    expectBytes(p.load(b + 100, 2 * PAGE_SIZE), da.subarray(100, 100 + 2 * PAGE_SIZE));
    expectBytes(p.load(a, 100), da.subarray(0, 100));
    expectBytes(p.load(a + 2 * PAGE_SIZE + 100, PAGE_SIZE), da.subarray(2 * PAGE_SIZE + 100, 3 * PAGE_SIZE + 100));
  });

  it("a page shared copy-on-write with a child is not moved into MAP_SHARED memory: it is copied", async () => {
    const m = await machine();
    const p = m.spawn();
    const a = p.mmap(PAGE_SIZE), s = p.mmap(PAGE_SIZE, { shared: true });
    p.store(a, pattern(PAGE_SIZE, 5));
    p.store(s, pattern(PAGE_SIZE, 6));
    const child = p.fork();
    p.pswap(a, s, PAGE_SIZE);
    expectBytes(p.load(s, PAGE_SIZE), pattern(PAGE_SIZE, 5));
    // The child still sees its copy-on-write page as it was, and the shared page's new bytes.
    expectBytes(child.load(a, PAGE_SIZE), pattern(PAGE_SIZE, 5));
    expectBytes(child.load(s, PAGE_SIZE), pattern(PAGE_SIZE, 5));
    child.store(s, [1]);
    expect(p.load(s, 1)[0]).toBe(1);
  });

  it("bad ranges are refused and change nothing", async () => {
    const m = await machine();
    const p = m.spawn();
    const a = p.mmap(2 * PAGE_SIZE), b = p.mmap(2 * PAGE_SIZE), ro = p.mmap(PAGE_SIZE, { prot: Prot.READ });
    p.store(a, [1]);
    const code = (f: () => unknown) => { try { f(); } catch (e) { return (e as SyscallError).code; } return "ok"; };
    expect(code(() => p.pswap(a, b + 1, PAGE_SIZE))).toBe("EINVAL"); // not congruent
    expect(code(() => p.pswap(a, a + PAGE_SIZE, 2 * PAGE_SIZE))).toBe("EINVAL"); // overlapping
    expect(code(() => p.pswap(a, b, 0))).toBe("EINVAL");
    expect(code(() => p.pswap(a, ro, PAGE_SIZE))).toBe("EFAULT");
    expect(code(() => p.pswap(a, 0x30000000, PAGE_SIZE))).toBe("EFAULT");
    expect(p.load(a, 1)[0]).toBe(1);
  });
});
