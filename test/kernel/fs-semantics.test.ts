import { describe, expect, it } from "vitest";
import { diffCounters, PAGE_SIZE, Sem, SyscallError } from "../../tools/host/index";
import { expectBytes, pattern } from "./machines";
import { fsMachine } from "./fs-helpers";


describe("file write and read with a semantics", () => {
  it("emulated-copy write swaps whole aligned pages into the page cache: no copy, and neither side sees the other's later writes", async () => {
    const { m, p, store } = await fsMachine();
    const n = 4 * PAGE_SIZE;
    const data = pattern(n, 12);
    const va = p.mmap(n);
    p.store(va, data);
    const fd = p.open("/ec", { read: true, write: true, create: true });
    const c = m.counters();
    expect(p.write(fd, va, n, { sem: Sem.EMULATED_COPY })).toBe(n);
    const d = diffCounters(c, m.counters());
    expect(d.bytesCopied).toBe(0);
    expect(d.pageSwaps).toBe(4);
    // The application writes its buffer: the file keeps the bytes as of the call.
    p.store(va, [0xee]);
    expect(diffCounters(c, m.counters()).bytesCopied).toBe(PAGE_SIZE); // one copy-on-write
    const back = p.mmap(n);
    p.lseek(fd, 0);
    expect(p.read(fd, back, n)).toBe(n);
    expectBytes(p.load(back, n), data);
    // A write() to the file leaves the application's page alone.
    const one = p.mmap(PAGE_SIZE);
    p.store(one, [1, 2, 3]);
    p.lseek(fd, PAGE_SIZE);
    p.write(fd, one, 3);
    expect(p.load(va + PAGE_SIZE, 3)).toEqual(data.subarray(PAGE_SIZE, PAGE_SIZE + 3));
    p.fsync(fd);
    p.close(fd);
    m.unmount();
    const expected = data.slice();
    expected.set([1, 2, 3], PAGE_SIZE);
    expectBytes((await fsMachine({ store })).p.readFile("/ec"), expected);
  });

  it("emulated-copy write of unaligned or partial pages copies them, byte-exact", async () => {
    const { m, p } = await fsMachine();
    const va = p.mmap(3 * PAGE_SIZE);
    const data = pattern(2 * PAGE_SIZE, 13);
    p.store(va + 100, data);
    const fd = p.open("/u", { read: true, write: true, create: true });
    const c = m.counters();
    p.write(fd, va + 100, 2 * PAGE_SIZE, { sem: Sem.EMULATED_COPY });
    expect(diffCounters(c, m.counters()).bytesCopied).toBe(2 * PAGE_SIZE);
    expectBytes(p.readFile("/u"), data);
  });

  it("emulated-copy read copies (the cache's pages stay the cache's); other semantics are refused", async () => {
    const { m, p } = await fsMachine();
    p.writeFile("/r", pattern(PAGE_SIZE, 14));
    const fd = p.open("/r");
    const va = p.mmap(PAGE_SIZE);
    const c = m.counters();
    expect(p.read(fd, va, PAGE_SIZE, { sem: Sem.EMULATED_COPY })).toBe(PAGE_SIZE);
    expect(diffCounters(c, m.counters()).bytesCopied).toBe(PAGE_SIZE);
    expectBytes(p.load(va, PAGE_SIZE), pattern(PAGE_SIZE, 14));
    const code = (f: () => unknown) => { try { f(); } catch (e) { return (e as SyscallError).code; } return "ok"; };
    expect(code(() => p.read(fd, va, 10, { sem: Sem.SHARE }))).toBe("EOPNOTSUPP");
  });
});
