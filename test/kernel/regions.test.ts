// Regions: partial munmap at either end, and mprotect splitting one region into three. The
// pieces keep mapping the same memory object at the right page offsets, so no byte moves.

import { describe, expect, it } from "vitest";
import { Kill, PAGE_SIZE, Prot, SegmentationFault, Sem, USER_TOP, diffCounters, type Process } from "../../tools/host/index";
import { machine, pattern } from "./machines";
import { fsMachine } from "./fs-helpers";


const RW = Prot.READ | Prot.WRITE;

/** filled: a process with an n-page region, each page holding pattern(PAGE_SIZE, page + 1). */
async function filled(n: number) {
  const m = await machine();
  const p = m.spawn();
  const va = p.mmap(n * PAGE_SIZE);
  for (let i = 0; i < n; i++) p.store(va + i * PAGE_SIZE, pattern(PAGE_SIZE, i + 1));
  const frames = Array.from({ length: n }, (_, i) => p.frameAt(va + i * PAGE_SIZE));
  return { m, p, va, frames };
}

const shape = (p: Process, va: number) =>
  p.regions().map((r) => ({ from: (r.start - va) / PAGE_SIZE, to: (r.end - va) / PAGE_SIZE, prot: r.prot, pgoff: r.pgoff }));

describe("munmap of part of a region", () => {
  it("at the start: the rest keeps its frames, bytes and object offsets", async () => {
    const { m, p, va, frames } = await filled(4);
    const object = p.regions()[0].object;
    const c0 = m.counters();
    p.munmap(va, PAGE_SIZE);
    const d = diffCounters(c0, m.counters());
    expect(d.framesFreed).toBe(1);
    expect(d.bytesCopied).toBe(0);
    expect(m.frame(frames[0]).kind).toBe("FREE");
    expect(shape(p, va)).toEqual([{ from: 1, to: 4, prot: RW, pgoff: 1 }]);
    expect(p.regions()[0].object).toBe(object);
    for (let i = 1; i < 4; i++) {
      expect(p.frameAt(va + i * PAGE_SIZE)).toBe(frames[i]);
      expect(p.load(va + i * PAGE_SIZE, PAGE_SIZE)).toEqual(pattern(PAGE_SIZE, i + 1));
    }
    expect(() => p.load(va, 1)).toThrow(SegmentationFault);
  });

  it("at the end: the rest keeps its frames and bytes; the hole faults", async () => {
    const { m, p, va, frames } = await filled(4);
    p.munmap(va + 2 * PAGE_SIZE, 2 * PAGE_SIZE);
    expect(shape(p, va)).toEqual([{ from: 0, to: 2, prot: RW, pgoff: 0 }]);
    expect([m.frame(frames[2]).kind, m.frame(frames[3]).kind]).toEqual(["FREE", "FREE"]);
    expect([p.frameAt(va), p.frameAt(va + PAGE_SIZE)]).toEqual(frames.slice(0, 2));
    expect(p.load(va + PAGE_SIZE, PAGE_SIZE)).toEqual(pattern(PAGE_SIZE, 2));
    let err: unknown;
    try { p.store(va + 3 * PAGE_SIZE + 5, [1]); } catch (e) { err = e; }
    expect((err as SegmentationFault).reason).toBe(Kill.SEGV_UNMAPPED);
  });

  it("of a length that is not a page multiple removes whole pages", async () => {
    const { m, p, va } = await filled(3);
    const free0 = m.freeFrames;
    p.munmap(va + 2 * PAGE_SIZE, 1);
    expect(m.freeFrames - free0).toBe(1);
    expect(shape(p, va)).toEqual([{ from: 0, to: 2, prot: RW, pgoff: 0 }]);
  });

  it("mapping again over the hole gives fresh zeroed pages, not the old bytes", async () => {
    const { p, va } = await filled(2);
    p.munmap(va, PAGE_SIZE);
    const again = p.mmap(PAGE_SIZE, { at: va, fixed: true });
    expect(again).toBe(va);
    expect(p.load(va, PAGE_SIZE).every((b) => b === 0)).toBe(true);
    expect(p.load(va + PAGE_SIZE, PAGE_SIZE)).toEqual(pattern(PAGE_SIZE, 2));
  });
});

describe("mprotect of the middle of a region", () => {
  it("splits it into three regions over one object; only the middle pages lose write permission", async () => {
    const { m, p, va, frames } = await filled(5);
    const object = p.regions()[0].object;
    const c0 = m.counters();
    p.mprotect(va + PAGE_SIZE, 3 * PAGE_SIZE, Prot.READ);
    const d = diffCounters(c0, m.counters());
    expect(shape(p, va)).toEqual([
      { from: 0, to: 1, prot: RW, pgoff: 0 },
      { from: 1, to: 4, prot: Prot.READ, pgoff: 1 },
      { from: 4, to: 5, prot: RW, pgoff: 4 },
    ]);
    expect(p.regions().map((r) => r.object)).toEqual([object, object, object]);
    expect(d.pteWrites).toBe(3);
    expect(d.regionOps).toBe(2 + 1); // two splits, one protection change
    expect(d.framesAllocated + d.framesFreed + d.bytesCopied).toBe(0);
    const bits = (i: number) => m.explain(p.pid, va + i * PAGE_SIZE).bits.split(" ");
    for (const i of [0, 4]) expect(bits(i)).toContain("W");
    for (const i of [1, 2, 3]) expect(bits(i)).not.toContain("W");
    for (let i = 0; i < 5; i++) {
      expect(p.frameAt(va + i * PAGE_SIZE)).toBe(frames[i]);
      expect(p.load(va + i * PAGE_SIZE, PAGE_SIZE)).toEqual(pattern(PAGE_SIZE, i + 1));
    }
    p.store(va, [1]);
    p.store(va + 4 * PAGE_SIZE, [1]);
    expect(() => p.store(va + 2 * PAGE_SIZE, [1])).toThrow(/SEGV_PROT/);
  });

  it("back to read-write is granted lazily, one fault per page written, on the same frames", async () => {
    const { m, p, va, frames } = await filled(3);
    p.mprotect(va + PAGE_SIZE, PAGE_SIZE, Prot.READ);
    const c0 = m.counters();
    p.mprotect(va + PAGE_SIZE, PAGE_SIZE, RW);
    expect(diffCounters(c0, m.counters()).pteWrites).toBe(0);
    p.store(va + PAGE_SIZE, [0xee]);
    const d = diffCounters(c0, m.counters());
    expect([d.faultsProt, d.bytesCopied]).toEqual([1, 0]);
    expect(p.frameAt(va + PAGE_SIZE)).toBe(frames[1]);
    expect(shape(p, va).map((r) => r.prot)).toEqual([RW, RW, RW]);
  });

  it("to PROT_NONE unmaps the pages but keeps their bytes for when access returns", async () => {
    const { m, p, va, frames } = await filled(3);
    const free0 = m.freeFrames;
    p.mprotect(va + PAGE_SIZE, PAGE_SIZE, Prot.NONE);
    expect(m.freeFrames).toBe(free0);
    expect(m.frame(frames[1])).toMatchObject({ refs: 1, maps: 0 });
    expect(m.explain(p.pid, va + PAGE_SIZE).present).toBe(false);
    p.mprotect(va + PAGE_SIZE, PAGE_SIZE, Prot.READ);
    expect(p.load(va + PAGE_SIZE, PAGE_SIZE)).toEqual(pattern(PAGE_SIZE, 2));
    expect(p.frameAt(va + PAGE_SIZE)).toBe(frames[1]);
  });

  it("then unmapping across all three pieces frees every frame", async () => {
    const { m, p, va } = await filled(5);
    p.mprotect(va + PAGE_SIZE, 3 * PAGE_SIZE, Prot.READ);
    const free0 = m.freeFrames;
    p.munmap(va, 5 * PAGE_SIZE);
    expect(m.freeFrames - free0).toBe(5);
    expect(p.regions()).toEqual([]);
  });

  it("of a range reaching the top of user space walks to its last page: the present pages in range lose write, no page table is created", async () => {
    const m = await machine();
    const p = m.spawn();
    const len = 6 * 1024 * PAGE_SIZE; // 24 MiB: parts of seven page tables
    const va = p.mmap(len, { at: USER_TOP - len, fixed: true });
    expect(va).toBe(USER_TOP - len);
    const touched = [0, 1500, len / PAGE_SIZE - 1].map((i) => va + i * PAGE_SIZE);
    for (const a of touched) p.store(a, [7]);
    const tables = m.frameSummary().PAGETABLE;
    const c0 = m.counters();
    p.mprotect(va + PAGE_SIZE, len - PAGE_SIZE, Prot.READ);
    expect(diffCounters(c0, m.counters()).pteWrites).toBe(2);
    expect(m.frameSummary().PAGETABLE).toBe(tables);
    expect(touched.map((a) => m.explain(p.pid, a).bits.split(" ").includes("W"))).toEqual([true, false, false]);
    p.store(va, [8]);
    expect(() => p.store(touched[2], [9])).toThrow(SegmentationFault);
  });

  it("of a range with a hole fails with ENOMEM and changes nothing", async () => {
    const { m, p, va } = await filled(3);
    p.munmap(va + PAGE_SIZE, PAGE_SIZE);
    const before = shape(p, va);
    const c0 = m.counters();
    expect(() => p.mprotect(va, 3 * PAGE_SIZE, Prot.READ)).toThrow(/ENOMEM/);
    expect(shape(p, va)).toEqual(before);
    expect(diffCounters(c0, m.counters()).pteWrites).toBe(0);
  });
});

describe("region caching (emulated move input)", () => {
  it("a cached region is handed back readable and writable, whatever protection it had when it was given away", async () => {
    const m = await machine();
    const p = m.spawn();
    const [c0, c1] = p.channel();
    const ro = p.mmap(PAGE_SIZE, { prot: Prot.READ });
    // The read-only page leaves by emulated move: its region is hidden, cached for an input.
    p.sendto(c0, ro, 100, { sem: Sem.EMULATED_MOVE });
    const src = p.mmap(PAGE_SIZE);
    p.store(src, [1, 2, 3]);
    p.sendto(c0, src, 3, { sem: Sem.COPY });
    const buf = p.mmap(PAGE_SIZE);
    expect(p.recvfrom(c1, buf, PAGE_SIZE, { sem: Sem.COPY })?.len).toBe(100);
    // A small message (a partial page, copied into the region) reuses the cached region.
    const got = p.recvfrom(c1, 0, 3, { sem: Sem.EMULATED_MOVE })!;
    expect(got.len).toBe(3);
    expect(got.va).toBe(ro);
    expect(Array.from(p.load(got.va, 3))).toEqual([1, 2, 3]);
    p.store(got.va, [9]);
    expect(p.regions().find((r) => r.start === ro)?.prot).toBe(Prot.READ | Prot.WRITE);
  });

  it("a region a private file mapping gave away is not reused for an input: the file may have shrunk under it since", async () => {
    const { p } = await fsMachine();
    p.writeFile("/f", pattern(2 * PAGE_SIZE, 3));
    const fd = p.open("/f", { read: true, write: true });
    const map = p.mmap(2 * PAGE_SIZE, { fd }); // private: an untouched page reads the file
    const [c0, c1] = p.channel();
    p.sendto(c0, map + PAGE_SIZE, 100, { sem: Sem.EMULATED_MOVE }); // its region is hidden
    expect(p.recvfrom(c1, p.mmap(PAGE_SIZE), PAGE_SIZE, { sem: Sem.COPY })?.len).toBe(100);
    p.ftruncate(fd, 0); // the file's page 1 is gone
    const src = p.mmap(PAGE_SIZE);
    p.store(src, [1, 2, 3]);
    p.sendto(c0, src, 3, { sem: Sem.COPY });
    // It used to take the hidden file-backed region, fault copying into it, fail with EFAULT
    // and lose the message.
    const got = p.recvfrom(c1, 0, 3, { sem: Sem.EMULATED_MOVE })!;
    expect(got.len).toBe(3);
    expect(got.va).not.toBe(map + PAGE_SIZE);
    expect(Array.from(p.load(got.va, 3))).toEqual([1, 2, 3]);
  });
});
