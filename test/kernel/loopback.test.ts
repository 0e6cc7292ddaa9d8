// A datagram a machine sends to its own address (a NIC's, or 127.0.0.0/8) is delivered to the
// socket bound there, never put on the wire (net/loopback.ts), under every pair of semantics.

import { describe, expect, it } from "vitest";
import { diffCounters, PAGE_SIZE, SEMANTICS, SyscallError } from "../../tools/host/index";
import { expectBytes, machine, pattern, world } from "./machines";

async function host(ip = "10.0.0.1") {
  const w = await world(3);
  const m = await machine({ memory: "16M" }, w);
  const other = await machine({ memory: "16M" }, w);
  m.attachNic({ ip, mtu: 1500 });
  const p = m.spawn(), q = m.spawn();
  const fp = p.socket(), fq = q.socket();
  p.bind(fp, 1000);
  q.bind(fq, 2000);
  return { m, other, p, q, fp, fq };
}

describe("loopback: datagrams to the machine's own address", () => {
  it("are delivered byte-exact under every pair of send and receive semantics, posted before or after, and never reach the wire", async () => {
    const { m, p, q, fp, fq } = await host();
    const sizes = [0, 1, 1472, 3 * PAGE_SIZE + 100, 70_000];
    let n = 0;
    for (const s of SEMANTICS) {
      for (const r of SEMANTICS) {
        for (const len of sizes) {
          const data = pattern(len, ++n);
          const src = p.mmap(Math.max(PAGE_SIZE, len + PAGE_SIZE));
          const off = s.buffers === "app" ? (n * 123) % PAGE_SIZE : 0; // move: the region from its start
          p.store(src + off, data);
          const span = len + 2 * PAGE_SIZE;
          const dst = q.mmap(span);
          const at = r.buffers === "app" ? dst + PAGE_SIZE + ((n * 77) % PAGE_SIZE) : (n * 77) % PAGE_SIZE;
          const before = n % 2 === 0;
          const rx = before ? q.postRecv(fq, at, len, { sem: r.sem }) : null;
          expect(p.sendto(fp, src + off, len, { sem: s.sem, ip: "10.0.0.1", port: 2000 })).toBe(len);
          if (s.integrity === "weak") p.iowait();
          const got = rx ? rx.wait() : q.recvfrom(fq, at, len, { sem: r.sem })!;
          expect(got.len, `${s.name} -> ${r.name}, ${len} bytes`).toBe(len);
          expect(got.port).toBe(1000);
          const where = r.buffers === "app" ? at : got.va;
          if (len > 0) expectBytes(q.load(where, len), data, `${s.name} -> ${r.name}, ${len} bytes`);
          if (s.buffers === "app") p.munmap(src, Math.max(PAGE_SIZE, len + PAGE_SIZE));
          q.munmap(dst, span);
          if (r.buffers === "system" && len > 0) q.munmap(got.va & ~(PAGE_SIZE - 1), Math.ceil(((got.va & (PAGE_SIZE - 1)) + len) / PAGE_SIZE) * PAGE_SIZE);
        }
      }
    }
    expect(m.nics[0].stats.txPackets).toBe(0);
  });

  it("emulated copy to a receive already waiting swaps full pages in: no copy of them on receive", async () => {
    const { m, p, q, fp, fq } = await host();
    const len = 8 * PAGE_SIZE;
    const src = p.mmap(len), dst = q.mmap(len);
    p.store(src, pattern(len, 9));
    q.load(dst, len);
    const rx = q.postRecv(fq, dst, len, { sem: 2 });
    const c = m.counters();
    p.sendto(fp, src, len, { sem: 1, ip: "127.0.0.1", port: 2000 });
    expect(rx.wait().len).toBe(len);
    const d = diffCounters(c, m.counters());
    expect(d.pageSwaps).toBe(8);
    expect(d.bytesCopied).toBe(2 * len); // copy semantics out, the loopback copy; nothing on receive
    expectBytes(q.load(dst, len), pattern(len, 9));
  });

  it("a closed port or a full queue drops the datagram and counts it; 127.0.0.1 works without a NIC", async () => {
    const { m, p, fp } = await host();
    const buf = p.mmap(PAGE_SIZE);
    p.sendto(fp, buf, 10, { ip: "10.0.0.1", port: 3333 });
    expect(m.drops().NoSocket).toBe(1);
    for (let i = 0; i < 70; i++) p.sendto(fp, buf, 10, { ip: "10.0.0.1", port: 1000 });
    expect(m.drops().SocketFull).toBe(70 - 64);
    const bare = await machine({ memory: "8M" });
    const r = bare.spawn();
    const s = r.socket(), t = r.socket();
    r.bind(t, 5);
    const b = r.mmap(PAGE_SIZE);
    r.store(b, [1, 2, 3]);
    r.sendto(s, b, 3, { ip: "127.0.0.1", port: 5 });
    const got = r.recvfrom(t, b + 100, 3)!;
    expect(got.ip >>> 0).toBe(0x7f000001);
    expect(Array.from(r.load(b + 100, 3))).toEqual([1, 2, 3]);
    let err: unknown;
    try { r.sendto(s, b, 3, { ip: "10.9.9.9", port: 5 }); } catch (e) { err = e; }
    expect((err as SyscallError).code).toBe("ENETUNREACH");
  });
});
