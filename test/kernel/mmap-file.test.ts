import { describe, expect, it } from "vitest";
import { Access, diffCounters, Kill, PAGE_SIZE, Prot, SegmentationFault, Sem, SYS_RESTART, SyscallError } from "../../tools/host/index";
import { expectBytes, pattern } from "./machines";
import { fsMachine } from "./fs-helpers";


describe("mmap of files", () => {
  it("a shared mapping reads the file's pages, its writes reach the disk after msync and survive a reboot", async () => {
    const { m, p, store } = await fsMachine();
    const data = pattern(3 * PAGE_SIZE, 1);
    p.writeFile("/f", data, { fsync: true });
    const fd = p.open("/f", { read: true, write: true });
    const va = p.mmap(3 * PAGE_SIZE, { fd, shared: true });
    expectBytes(p.load(va, 3 * PAGE_SIZE), data);
    p.store(va + PAGE_SIZE + 5, [1, 2, 3]);
    p.msync(va, 3 * PAGE_SIZE);
    data.set([1, 2, 3], PAGE_SIZE + 5);
    // read() sees the mapping's write at once: one page cache.
    const buf = p.mmap(PAGE_SIZE);
    p.lseek(fd, PAGE_SIZE);
    expect(p.read(fd, buf, 8)).toBe(8);
    expect(Array.from(p.load(buf + 5, 3))).toEqual([1, 2, 3]);
    p.munmap(va, 3 * PAGE_SIZE);
    p.close(fd);
    m.unmount();
    const again = await fsMachine({ store });
    expectBytes(again.p.readFile("/f"), data);
  });

  it("pages not in memory are read from disk when touched: the access waits for the disk", async () => {
    const { m, p, store } = await fsMachine();
    p.writeFile("/g", pattern(4 * PAGE_SIZE, 2), { fsync: true });
    m.unmount();
    const b = await fsMachine({ store });
    const fd = b.p.open("/g");
    const va = b.p.mmap(4 * PAGE_SIZE, { fd, prot: Prot.READ, shared: true });
    const t0 = b.p.clock;
    const c = b.m.counters();
    expectBytes(b.p.load(va + 2 * PAGE_SIZE, PAGE_SIZE), pattern(4 * PAGE_SIZE, 2).subarray(2 * PAGE_SIZE, 3 * PAGE_SIZE));
    expect(b.p.clock - t0).toBeGreaterThan(b.disk.perRequestNs ?? 0);
    expect(diffCounters(c, b.m.counters()).dmaBytesIn).toBeGreaterThanOrEqual(PAGE_SIZE);
  });

  it("a private mapping starts as the file and copies a page on its first write; the file never changes", async () => {
    const { m, p } = await fsMachine();
    const data = pattern(2 * PAGE_SIZE, 3);
    p.writeFile("/h", data, { fsync: true });
    const fd = p.open("/h");
    const va = p.mmap(2 * PAGE_SIZE, { fd });
    expectBytes(p.load(va, 2 * PAGE_SIZE), data);
    const c = m.counters();
    p.store(va, [9]);
    expect(diffCounters(c, m.counters()).faultsCow).toBe(1);
    expect(p.load(va, 1)[0]).toBe(9);
    expectBytes(p.readFile("/h"), data);
  });

  it("touching a page beyond the end of the file is SIGBUS, also after a truncate shrinks a mapped file", async () => {
    const { p } = await fsMachine();
    p.writeFile("/t", pattern(2 * PAGE_SIZE, 4), { fsync: true });
    const fd = p.open("/t", { read: true, write: true });
    const va = p.mmap(4 * PAGE_SIZE, { fd, shared: true });
    expect(p.load(va + PAGE_SIZE, 1)[0]).toBe(pattern(2 * PAGE_SIZE, 4)[PAGE_SIZE]);
    const q = p.fork();
    let err: unknown;
    try { q.load(va + 3 * PAGE_SIZE, 1); } catch (e) { err = e; }
    expect((err as SegmentationFault).reason).toBe(Kill.SIGBUS);
    p.ftruncate(fd, PAGE_SIZE);
    err = undefined;
    try { p.load(va + PAGE_SIZE, 1); } catch (e) { err = e; }
    expect((err as SegmentationFault).reason).toBe(Kill.SIGBUS);
  });

  it("a truncate that ends the file inside a hole page a mapping has read leaves that page clean: writeback never looks for a block it does not have", async () => {
    const { m, p, store } = await fsMachine();
    const fd = p.open("/holes", { create: true, read: true, write: true });
    p.ftruncate(fd, 10 * PAGE_SIZE + 2000); // all holes
    const va = p.mmap(2 * PAGE_SIZE, { fd, offset: 6 * PAGE_SIZE }); // private
    expectBytes(p.load(va + 100, 16), new Uint8Array(16)); // the hole, read as zeroes, in the cache
    const end = 6 * PAGE_SIZE + 2022;
    p.ftruncate(fd, end); // the last page is that hole: its tail is zeroed, it stays a hole
    const buf = p.mmap(PAGE_SIZE);
    p.store(buf, [1, 2, 3]);
    expect(p.write(fd, buf, 3, { sem: Sem.EMULATED_COPY })).toBe(3); // at 0
    p.fsync(fd);
    expect(p.fstat(fd).size).toBe(end);
    const want = new Uint8Array(end);
    want.set([1, 2, 3]);
    expectBytes(p.readFile("/holes"), want);
    p.munmap(va, 2 * PAGE_SIZE);
    p.close(fd);
    m.unmount();
    const again = await fsMachine({ store });
    expectBytes(again.p.readFile("/holes"), want, "after a remount");
  });

  it("bad mappings are refused: not a file, not open for writing (shared, writable), negative offset", async () => {
    const { p } = await fsMachine();
    p.writeFile("/r", pattern(PAGE_SIZE, 5));
    const ro = p.open("/r");
    const code = (f: () => unknown) => { try { f(); } catch (e) { return (e as SyscallError).code; } return "ok"; };
    expect(code(() => p.mmap(PAGE_SIZE, { fd: ro, shared: true }))).toBe("EACCES");
    expect(code(() => p.mmap(PAGE_SIZE, { fd: 17 }))).toBe("EBADF");
    const s = p.socket();
    expect(code(() => p.mmap(PAGE_SIZE, { fd: s }))).toBe("ENODEV");
    expect(code(() => p.mmap(PAGE_SIZE, { fd: ro, offset: 100 }))).toBe("EINVAL");
    expect(code(() => p.mmap(PAGE_SIZE, { fd: ro, prot: Prot.READ, shared: true }))).toBe("ok");
  });

  it("pswap moves received anonymous pages into a mapped file without a copy; the file is dirty and persists", async () => {
    const { m, p, store } = await fsMachine();
    const n = 4 * PAGE_SIZE;
    p.writeFile("/dst", new Uint8Array(n), { fsync: true });
    const fd = p.open("/dst", { read: true, write: true });
    const file = p.mmap(n, { fd, shared: true });
    p.load(file, n); // resident
    const anon = p.mmap(n);
    const data = pattern(n, 6);
    p.store(anon, data);
    const c = m.counters();
    p.pswap(anon, file, n);
    expect(diffCounters(c, m.counters()).bytesCopied).toBe(0);
    p.msync(file, n);
    p.munmap(file, n);
    p.close(fd);
    m.unmount();
    const b = await fsMachine({ store });
    expectBytes(b.p.readFile("/dst"), data);
  });

  // A fault that finds the page already in the file's object must still wait for its bytes: the
  // page may be on its way from the disk (read ahead by another process's fault, here).
  it("a fault on a file page whose read is still in flight waits for the read; a failed read is SIGBUS", async () => {
    const { m, p, store } = await fsMachine();
    const data = pattern(8 * PAGE_SIZE, 6);
    p.writeFile("/r", data, { fsync: true });
    m.unmount();
    const page = (i: number) => data.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE);
    const disk = store.image;
    const blockOf = (i: number) => {
      for (let b = 0; b < disk.length / PAGE_SIZE; b++)
        if (disk.subarray(b * PAGE_SIZE, (b + 1) * PAGE_SIZE).every((x, k) => x === page(i)[k])) return b;
      throw new Error(`page ${i} not on the disk`);
    };
    const bad = blockOf(5);
    const b = await fsMachine({ store });
    const fd = b.p.open("/r");
    const va = b.p.mmap(8 * PAGE_SIZE, { fd, prot: Prot.READ, shared: true });
    const q = b.p.fork();
    b.disk.failBlock(bad, "read");
    // p touches page 0: its read starts, and the read-ahead of pages 1..7 with it; p waits.
    const t0 = b.m.world.now;
    expect(b.m.enter(0, t0, () => b.m.k.uaccess(b.p.pid, va, Access.READ)).value).toBe(SYS_RESTART);
    const c = b.m.counters();
    // q touches page 3, in its object already, its read not done: q waits for it, then sees
    // the file's bytes (it used to be mapped at once and read as zeroes).
    q.clock = t0;
    expectBytes(q.load(va + 3 * PAGE_SIZE, PAGE_SIZE), page(3));
    expect(q.clock - t0, "q waited for the disk").toBeGreaterThan(b.disk.perRequestNs ?? 0);
    expect(diffCounters(c, b.m.counters()).dmaBytesIn, "the read-ahead did the reading").toBeGreaterThanOrEqual(4 * PAGE_SIZE);
    // Page 5's read failed: a fault on it is SIGBUS, never a page of zeroes.
    let err: unknown;
    try { q.load(va + 5 * PAGE_SIZE, 1); } catch (e) { err = e; }
    expect((err as SegmentationFault).reason).toBe(Kill.SIGBUS);
    // Healed, the page is read again on the next fault.
    b.disk.failBlock(bad, "read", false);
    expectBytes(b.p.load(va, 8 * PAGE_SIZE), data);
  });
});
