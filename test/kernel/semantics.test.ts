import { describe, expect, it } from "vitest";
import { diffCounters, PAGE_SIZE, Sem } from "../../tools/host/index";
import { expectBytes, pattern, useMachines } from "./machines";
import { pair, type PairOptions } from "./netpair";

useMachines();

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
    const { p, data, vb, got, da, db } = await send(Sem.EMULATED_COPY, 65536);
    console.log("receiver", db.bytesCopied, db.pageSwaps, db.pteWrites);
    expect(got.len).toBe(65536);
    expectBytes(p.pb.load(vb, 65536), data);
    expect(da.bytesCopied).toBe(0);
    console.log("sender", da.bytesCopied, da.pteWrites, "receiver", JSON.stringify(diffCounters(p.b.counters(), p.b.counters())));
  });
});
