// zIO copy elision (docs/peers.md §2): the results are those of real copies, whatever the
// application touches afterwards.
import { describe, expect, it } from "vitest";
import { diffCounters, Kill, PAGE_SIZE, SegmentationFault } from "../../tools/host/index";
import { Rng } from "../../tools/host/rng";
import { expectBytes, machine, pattern } from "./machines";
import { pair } from "./netpair";


const P = PAGE_SIZE;

describe("zIO memcpy", () => {
  it("elides whole pages (head and tail copied), and each page read later materialises one page", async () => {
    const m = await machine();
    const p = m.spawn();
    p.zioConfig({ threshold: 16 * 1024 });
    const src = p.mmap(16 * P), dst = p.mmap(16 * P);
    const data = pattern(16 * P, 1);
    p.store(src, data);
    p.load(dst, 16 * P); // dst resident (its pages are let go by the elision)
    const c = m.counters();
    p.memcpy(dst + 100, src + 100, 10 * P);
    const d = diffCounters(c, m.counters());
    expect(d.zioElided).toBe(9);
    expect(d.bytesCopied).toBe(P - 100 + 100); // the head and tail partial pages
    expect(d.syscalls).toBe(0);
    const c2 = m.counters();
    expectBytes(p.load(dst + 100, 10 * P), data.subarray(100, 100 + 10 * P));
    const d2 = diffCounters(c2, m.counters());
    expect(d2.zioMaterialised).toBe(9);
    expect(d2.bytesCopied).toBe(9 * P);
  });

  it("copies below the threshold, between pages that are not congruent, and when zIO is off", async () => {
    const m = await machine();
    const p = m.spawn();
    const src = p.mmap(8 * P), dst = p.mmap(8 * P);
    p.store(src, pattern(8 * P, 2));
    p.memcpy(dst, src, 8 * P); // zIO off by default
    p.zioConfig({ threshold: 64 * 1024 });
    p.memcpy(dst, src, 8 * P); // below the threshold
    p.zioConfig({ threshold: 4096 });
    p.memcpy(dst + 1, src, 7 * P); // not congruent
    expect(m.counters().zioElided).toBe(0);
    expectBytes(p.load(dst + 1, 7 * P), pattern(8 * P, 2).subarray(0, 7 * P));
  });

  it("a write to the source after the copy leaves the destination as the copy made it", async () => {
    const m = await machine();
    const p = m.spawn();
    p.zioConfig({ threshold: P });
    const src = p.mmap(4 * P), dst = p.mmap(4 * P);
    const data = pattern(4 * P, 3);
    p.store(src, data);
    p.memcpy(dst, src, 4 * P);
    p.fill(src, 4 * P, 0xaa);
    expectBytes(p.load(dst, 4 * P), data);
    expect(p.load(src, 4)).toEqual(new Uint8Array([0xaa, 0xaa, 0xaa, 0xaa]));
  });

  it("results equal real copies under random copies, stores, forks, munmap and exit", async () => {
    const m = await machine({ memory: "16M" });
    const p = m.spawn();
    p.zioConfig({ threshold: P, policy: false });
    const BUFS = 4, SIZE = 12 * P;
    const va: number[] = [], model: Uint8Array[] = [];
    for (let i = 0; i < BUFS; i++) {
      va.push(p.mmap(SIZE));
      model.push(pattern(SIZE, 10 + i));
      p.store(va[i], model[i]);
    }
    const rng = new Rng(7);
    const pick = (n: number) => Math.floor(rng.next() * n);
    for (let step = 0; step < 200; step++) {
      const op = pick(10);
      const a = pick(BUFS), b = (a + 1 + pick(BUFS - 1)) % BUFS;
      if (op < 5) {
        const len = 1 + pick(8 * P), sOff = pick(SIZE - len);
        const dOff = op < 4 ? (sOff % P) + P * pick(Math.floor((SIZE - len - (sOff % P)) / P) + 1) : pick(SIZE - len);
        if (dOff + len > SIZE) continue;
        p.memcpy(va[b] + dOff, va[a] + sOff, len);
        model[b].set(model[a].subarray(sOff, sOff + len), dOff);
      } else if (op < 8) {
        const len = 1 + pick(2 * P), off = pick(SIZE - len);
        const bytes = pattern(len, step);
        p.store(va[a] + off, bytes);
        model[a].set(bytes, off);
      } else if (op === 8) {
        const off = pick(SIZE);
        expect(p.load(va[a] + off, 1)[0]).toBe(model[a][off]);
      } else {
        const child = p.fork(); // the child sees what the parent owes, copied
        for (let i = 0; i < BUFS; i++) expectBytes(child.load(va[i], SIZE), model[i], `child buffer ${i} at step ${step}`);
        child.store(va[a], [1, 2, 3]);
        child.exit(0);
      }
    }
    for (let i = 0; i < BUFS; i++) expectBytes(p.load(va[i], SIZE), model[i], `buffer ${i}`);
    expect(m.counters().zioElided).toBeGreaterThan(50);
    // Free the sources while copies still owe their bytes: the destinations keep them.
    p.memcpy(va[1], va[0], SIZE);
    p.munmap(va[0], SIZE);
    expectBytes(p.load(va[1], SIZE), model[0]);
    p.memcpy(va[3], va[2], SIZE);
    p.exit(0); // and exit with indirections pending: everything is let go (invariants after the test)
  });

  it("the policy stops eliding into a buffer whose pages are all touched after each copy", async () => {
    const m = await machine();
    const p = m.spawn();
    p.zioConfig({ threshold: P });
    const src = p.mmap(8 * P), dst = p.mmap(8 * P);
    p.store(src, pattern(8 * P, 4));
    for (let i = 0; i < 6; i++) {
      p.memcpy(dst, src, 8 * P);
      p.store(dst, pattern(8 * P, 40 + i)); // every page touched: every elision lost
    }
    expect(m.counters().zioElided).toBe(16); // judged after 16 pages, then plain copies
    expect(m.counters().zioMaterialised).toBe(16);
  });

  it("the policy stops eliding into a buffer whose source the application keeps writing (each write is charged to the buffer that owes it)", async () => {
    const m = await machine();
    const p = m.spawn();
    p.zioConfig({ threshold: P });
    const src = p.mmap(8 * P), dst = p.mmap(8 * P), other = p.mmap(8 * P);
    const elided: number[] = [];
    for (let i = 0; i < 5; i++) {
      const data = pattern(8 * P, 60 + i);
      p.store(src, data);
      const c = m.counters();
      p.memcpy(dst, src, 8 * P);
      elided.push(diffCounters(c, m.counters()).zioElided);
      p.store(src, pattern(8 * P, 70 + i)); // every source page written: a copy-on-write per page
      expectBytes(p.load(dst, 8 * P), data, `copy ${i}`); // the copy is what the source held, byte for byte
    }
    // 8 + 8 pages elided, 16 source copies charged to dst: past the break-even, dst is copied plainly.
    expect(elided).toEqual([8, 8, 0, 0, 0]);
    // Another buffer is judged on its own: its copies are elided still.
    const c = m.counters();
    p.memcpy(other, src, 8 * P);
    expect(diffCounters(c, m.counters()).zioElided).toBe(8);
    expectBytes(p.load(other, 8 * P), pattern(8 * P, 74));
  });

  it("a source page written after its copy was materialised charges nothing: eliding goes on", async () => {
    const m = await machine();
    const p = m.spawn();
    p.zioConfig({ threshold: P });
    const dst = p.mmap(8 * P);
    for (let i = 0; i < 5; i++) {
      const src = p.mmap(8 * P); // a fresh source each time: only this round's writes may be charged
      p.store(src, pattern(8 * P, 80 + i));
      p.memcpy(dst, src, 8 * P);
      p.load(dst, 2 * P); // two pages of the copy read: materialised (a charge each, 2 of 8)
      const c = m.counters();
      p.store(src, new Uint8Array(2 * P).fill(i)); // their sources: owed no more, written in place
      expect(diffCounters(c, m.counters()).bytesCopied).toBe(0);
    }
    // 2 charges per 8 pages elided, below the default profile's break-even (about a third); the
    // two source writes, had they been charged, would have made it 4 of 8 and stopped eliding.
    expect(m.counters().zioElided).toBe(5 * 8);
    expectBytes(p.load(dst, 8 * P), pattern(8 * P, 84));
  });

  it("a bad address kills the process like a memcpy would; overlapping ranges are refused", async () => {
    const m = await machine();
    const p = m.spawn();
    const a = p.mmap(2 * P);
    expect(() => p.memcpy(a, a + 10, 100)).toThrow(/overlapping/);
    expect(() => p.memcpy(a, 0x7000_0000, 100)).toThrow(SegmentationFault);
    expect(p.killReason).toBe(Kill.SEGV_UNMAPPED);
  });
});

describe("zIO and the network", () => {
  it("a copy-semantics send of an elided buffer gathers straight from the source frames", async () => {
    const { a, pa, pb, fa, fb } = await pair({ mtu: 9000 });
    pa.zioConfig({ threshold: P });
    const N = 16 * P;
    const src = pa.mmap(N), dst = pa.mmap(N), vb = pb.mmap(N);
    const data = pattern(N, 5);
    pa.store(src, data);
    pa.memcpy(dst, src, N);
    const rx = pb.postRecv(fb, vb, N);
    const c = a.counters();
    pa.sendto(fa, dst, N, { ip: "10.0.0.2", port: 2000 });
    pa.fill(src, N, 0x77); // the source changes right after the send: the copy does not
    expect(rx.wait().len).toBe(N);
    a.world.run();
    const d = diffCounters(c, a.counters());
    expect(d.zioSendResolved).toBe(16);
    expect(d.bytesCopied).toBe(16 * P); // the writes to the source: copy-on-write, one page each
    expectBytes(pb.load(vb, N), data);
    expectBytes(pa.load(dst, N), data);
  });
});
