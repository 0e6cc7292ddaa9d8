// Every path that writes checks the permission it writes under: a store, a copy-out, a page swap
// or a receive never changes a file (or memory) the caller may only read. The answer is always
// a clear error (EACCES, EBADF, EISDIR, EFAULT, SEGV_PROT), never a silent success whose bytes
// are lost.

import { describe, expect, it } from "vitest";
import { Kill, MsgFlag, PAGE_SIZE, Prot, Sem, Sys, SegmentationFault, SyscallError, semanticsByName, SEMANTICS_NAMES } from "../../tools/host/index";
import { fsMachine } from "./fs-helpers";
import { expectBytes, pattern } from "./machines";

const code = (f: () => unknown) => {
  try { f(); } catch (e) { return e instanceof SyscallError ? e.code : (e as Error).name; }
  return "ok";
};

describe("write permissions on every path that writes", () => {
  it("a shared writable mapping needs a file opened for writing; a directory cannot be mapped; the file never changes", async () => {
    const { p } = await fsMachine({ blocks: 2048 });
    const data = pattern(2 * PAGE_SIZE, 1);
    p.writeFile("/f", data, { fsync: true });
    p.mkdir("/d");
    const ro = p.open("/f");
    const dir = p.open("/d");
    expect(code(() => p.mmap(2 * PAGE_SIZE, { fd: ro, shared: true, prot: Prot.READ | Prot.WRITE }))).toBe("EACCES");
    for (const prot of [Prot.READ, Prot.READ | Prot.WRITE])
      for (const shared of [true, false]) expect(code(() => p.mmap(PAGE_SIZE, { fd: dir, shared, prot }))).toBe("EACCES");
    // mprotect cannot raise a shared read-only file mapping to writable.
    const va = p.mmap(2 * PAGE_SIZE, { fd: ro, shared: true, prot: Prot.READ });
    expect(code(() => p.mprotect(va, 2 * PAGE_SIZE, Prot.READ | Prot.WRITE))).toBe("EACCES");
    expect(code(() => p.mprotect(va + PAGE_SIZE, PAGE_SIZE, Prot.READ | Prot.WRITE))).toBe("EACCES");
    // A fork keeps the limit.
    const q = p.fork();
    expect(code(() => q.mprotect(va, PAGE_SIZE, Prot.READ | Prot.WRITE))).toBe("EACCES");
    let err: unknown;
    try { q.store(va, [1]); } catch (e) { err = e; }
    expect((err as SegmentationFault).reason).toBe(Kill.SEGV_PROT);
    // A private mapping may be made writable: its writes are its own.
    const priv = p.mmap(PAGE_SIZE, { fd: ro, prot: Prot.READ });
    p.mprotect(priv, PAGE_SIZE, Prot.READ | Prot.WRITE);
    p.store(priv, [9, 9]);
    expect(code(() => p.msync(va, 2 * PAGE_SIZE))).toBe("ok");
    expectBytes(p.readFile("/f"), data, "file after refused writes");
  });

  it("write() on a read-only descriptor is EBADF and a directory cannot be opened for writing", async () => {
    const { p } = await fsMachine({ blocks: 2048 });
    const data = pattern(PAGE_SIZE, 2);
    p.writeFile("/f", data, { fsync: true });
    p.mkdir("/d");
    const ro = p.open("/f");
    const buf = p.mmap(PAGE_SIZE);
    p.fill(buf, PAGE_SIZE, 0xee);
    for (const sem of [Sem.DEFAULT, Sem.COPY, Sem.EMULATED_COPY])
      expect(code(() => p.write(ro, buf, 100, { sem }))).toBe("EBADF");
    expect(code(() => p.open("/d", { read: true, write: true }))).toBe("EISDIR");
    expect(code(() => p.open("/d", { write: true }))).toBe("EISDIR");
    expectBytes(p.readFile("/f"), data);
  });

  it("pswap into a read-only mapping (anonymous or file) is EFAULT and changes neither side", async () => {
    const { p } = await fsMachine({ blocks: 2048 });
    const data = pattern(2 * PAGE_SIZE, 3);
    p.writeFile("/f", data, { fsync: true });
    const ro = p.open("/f");
    const file = p.mmap(2 * PAGE_SIZE, { fd: ro, shared: true, prot: Prot.READ });
    const anon = p.mmap(2 * PAGE_SIZE);
    const mine = pattern(2 * PAGE_SIZE, 4);
    p.store(anon, mine);
    const rdonly = p.mmap(2 * PAGE_SIZE);
    p.store(rdonly, data);
    p.mprotect(rdonly, 2 * PAGE_SIZE, Prot.READ);
    for (const [a, b] of [[anon, file], [file, anon], [anon, rdonly], [rdonly, anon]])
      expect(code(() => p.pswap(a, b, 2 * PAGE_SIZE))).toBe("EFAULT");
    expectBytes(p.load(anon, 2 * PAGE_SIZE), mine);
    expectBytes(p.load(rdonly, 2 * PAGE_SIZE), data);
    expectBytes(p.load(file, 2 * PAGE_SIZE), data);
    expectBytes(p.readFile("/f"), data);
  });

  it("a receive into read-only memory (anonymous, or a read-only file mapping) fails with EFAULT under every semantics; nothing is written", async () => {
    const { m, p } = await fsMachine({ blocks: 2048 });
    const data = pattern(2 * PAGE_SIZE, 5);
    p.writeFile("/f", data, { fsync: true });
    const ro = p.open("/f");
    const file = p.mmap(2 * PAGE_SIZE, { fd: ro, shared: true, prot: Prot.READ });
    const rdonly = p.mmap(2 * PAGE_SIZE);
    p.store(rdonly, data);
    p.mprotect(rdonly, 2 * PAGE_SIZE, Prot.READ);
    const [a, b] = p.channel();
    const src = p.mmap(2 * PAGE_SIZE);
    p.store(src, pattern(2 * PAGE_SIZE, 6));
    for (const name of SEMANTICS_NAMES) {
      const sem = semanticsByName(name);
      if (sem.buffers === "system") continue; // the kernel picks the region
      for (const dst of [file, rdonly]) {
        expect(p.syscall(Sys.SENDTO, a, src, PAGE_SIZE + 100, Sem.COPY, 0, 0)).toBe(PAGE_SIZE + 100);
        const r = p.syscall(Sys.RECVFROM, b, dst, PAGE_SIZE + 100, sem.sem | MsgFlag.DONTWAIT);
        expect(r, `${name} into read-only memory`).toBeLessThan(0);
      }
    }
    expectBytes(p.load(rdonly, 2 * PAGE_SIZE), data);
    expectBytes(p.load(file, 2 * PAGE_SIZE), data);
    expectBytes(p.readFile("/f"), data);
    expect(m.checkInvariants().violations).toBe(0);
  });
});
