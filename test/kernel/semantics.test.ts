import { describe, expect, it } from "vitest";
import { diffCounters, PAGE_SIZE, Sem } from "../../tools/host/index";
import { expectBytes, pattern } from "./machines";
import { pair, type PairOptions } from "./netpair";


async function send(sem: Sem, len: number, o: PairOptions = {}, offs = { a: 0, b: 0 }) {
  const p = await pair({ mtu: 9000, headerSplit: true, checksumOffload: true, earlyDemux: true, ...o });
  const data = pattern(len, 11);
  const va = p.pa.mmap(len + 2 * PAGE_SIZE) + offs.a;
  const vb = p.pb.mmap(len + 2 * PAGE_SIZE) + offs.b;
  p.pa.store(va, data);
  p.pb.fill(vb & ~4095, 100, 1); // the receive buffer's pages exist
  const ca = p.a.counters(), cb = p.b.counters();
  const rx = p.pb.postRecv(p.fb, vb, len, { sem });
  p.pa.sendto(p.fa, va, len, { ip: "10.0.0.2", port: 2000, sem });
  const got = rx.wait();
  p.a.world.run();
  return { p, data, va, vb, got, da: diffCounters(ca, p.a.counters()), db: diffCounters(cb, p.b.counters()) };
}

describe("emulated copy", () => {
  it("page-aligned 64 KiB: the sender's CPU copies no payload byte (TCOW)", async () => {
    const { p, data, vb, got, da } = await send(Sem.EMULATED_COPY, 65536);
    expect(got.len).toBe(65536);
    expectBytes(p.pb.load(vb, 65536), data);
    expect(da.bytesCopied).toBe(0);
  });
});

describe("move semantics", () => {
  for (const sem of [Sem.MOVE, Sem.EMULATED_MOVE, Sem.WEAK_MOVE, Sem.EMULATED_WEAK_MOVE])
    it(`${Sem[sem]}: the data arrives in a region the kernel picks, whole pages mapped without a copy`, async () => {
      const p = await pair({ mtu: 9000, headerSplit: true, checksumOffload: true, earlyDemux: true });
      const len = 65536 + 100;
      const data = pattern(len, 5);
      const va = p.pa.mmap(len);
      p.pa.store(va, data);
      const ca = p.a.counters(), cb = p.b.counters();
      const rx = p.pb.postRecv(p.fb, 0, len, { sem });
      p.pa.sendto(p.fa, va, len, { ip: "10.0.0.2", port: 2000, sem });
      const got = rx.wait();
      p.a.world.run();
      expect(got.len).toBe(len);
      expect(got.va).not.toBe(0);
      expectBytes(p.pb.load(got.va, len), data);
      const da = diffCounters(ca, p.a.counters()), db = diffCounters(cb, p.b.counters());
      expect(da.bytesCopied).toBe(0);
      expect(db.bytesCopied).toBe(100); // the partial last page only
      expect(db.pageSwaps).toBe(16);
      // The sender's buffer has left it (weak: once the output completed).
      if (sem === Sem.WEAK_MOVE || sem === Sem.EMULATED_WEAK_MOVE) p.pa.iowait();
      expect(() => p.pa.load(va, 1)).toThrow(/SEGV/);
    });

  it("emulated move reuses a hidden region for the next input (region caching)", async () => {
    const p = await pair({ mtu: 9000, headerSplit: true, earlyDemux: true });
    const len = 8192;
    const va = p.pa.mmap(len);
    p.pa.fill(va, len, 7);
    // b sends first, hiding a region of its own; a's reply then lands in that very region.
    const vb = p.pb.mmap(len);
    p.pb.fill(vb, len, 9);
    const rxa = p.pa.postRecv(p.fa, 0, len, { sem: Sem.EMULATED_MOVE });
    p.pb.sendto(p.fb, vb, len, { ip: "10.0.0.1", port: 1000, sem: Sem.EMULATED_MOVE });
    expect(rxa.wait().len).toBe(len);
    const rxb = p.pb.postRecv(p.fb, 0, len, { sem: Sem.EMULATED_MOVE });
    p.pa.sendto(p.fa, va, len, { ip: "10.0.0.2", port: 2000, sem: Sem.EMULATED_MOVE });
    const got = rxb.wait();
    expect(got.va).toBe(vb);
    expect(Array.from(p.pb.load(vb, 4))).toEqual([7, 7, 7, 7]);
  });
});

describe("weak semantics completions", () => {
  for (const sem of [Sem.SHARE, Sem.EMULATED_SHARE])
    it(`${Sem[sem]}: sendto returns at once with a token; iowait returns when the device is done`, async () => {
      const p = await pair({ mtu: 9000, headerSplit: true, earlyDemux: true });
      const va = p.pa.mmap(16384);
      p.pa.fill(va, 16384, 3);
      const vb = p.pb.mmap(16384);
      const rx = p.pb.postRecv(p.fb, vb, 16384, { sem });
      p.pa.sendto(p.fa, va, 16384, { ip: "10.0.0.2", port: 2000, sem });
      expect(p.pa.token).toBeGreaterThan(0);
      p.pa.iowait();
      expect(() => p.pa.iowait()).toThrow(/EINVAL/); // a token is waited for once
      expect(rx.wait().len).toBe(16384);
      expect(p.a.counters().notifications).toBeGreaterThan(0);
    });
});

describe("weak move of a process that dies before its output completes", () => {
  for (const sem of [Sem.WEAK_MOVE, Sem.EMULATED_WEAK_MOVE])
    it(`${Sem[sem]}: the region leaves no other process, not even one given the sender's pid; the datagram arrives intact`, async () => {
      const p = await pair({ memory: "2M" });
      const va = p.pa.mmap(4 * PAGE_SIZE);
      p.pa.store(va, pattern(4 * PAGE_SIZE, 7));
      const child = p.pa.fork();
      const vb = p.pb.mmap(PAGE_SIZE);
      const rx = p.pb.postRecv(p.fb, vb, 17, { sem: Sem.COPY });
      child.sendto(p.fa, va, 17, { ip: "10.0.0.2", port: 2000, sem }); // its output still in flight
      child.kill();
      child.reap();
      const next = p.pa.fork();
      expect(next.pid).toBe(child.pid); // the pid is given again
      p.a.world.run();
      // The completion used to unmap (or hide) [va, va+4096) in whichever process had the pid.
      expect(next.regions().map((r) => [r.start, r.end, r.prot])).toEqual(p.pa.regions().map((r) => [r.start, r.end, r.prot]));
      next.store(va + 3, pattern(18, 9));
      const want = pattern(4 * PAGE_SIZE, 7);
      want.set(pattern(18, 9), 3);
      expectBytes(next.load(va, 4 * PAGE_SIZE), want);
      expectBytes(p.pa.load(va, 4 * PAGE_SIZE), pattern(4 * PAGE_SIZE, 7));
      expect(rx.wait().len).toBe(17);
      expectBytes(p.pb.load(vb, 17), pattern(17, 7));
    });
});

describe("region hiding keeps a bounded cache", () => {
  it("a process that only sends with emulated move keeps at most 16 hidden regions; older ones are removed", async () => {
    const p = await pair({ mtu: 9000, headerSplit: true, earlyDemux: true });
    for (let i = 0; i < 20; i++) {
      const va = p.pa.mmap(PAGE_SIZE);
      p.pa.fill(va, PAGE_SIZE, i);
      p.pa.sendto(p.fa, va, PAGE_SIZE, { ip: "10.0.0.2", port: 2000, sem: Sem.EMULATED_MOVE });
      p.a.world.run();
    }
    // The receiver read nothing: its socket queue holds what fitted; the sender's hidden regions are capped.
    expect(p.pa.regions().filter((r) => r.prot === 0).length).toBe(16);
  });
});
