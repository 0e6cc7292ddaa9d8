import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { COUNTER_NAMES, diffCounters, Errno, PAGE_SIZE, PcapWriter, Sem, SyscallError, type Counters, type Machine } from "../../tools/host/index";
import { expectBytes, pattern } from "./machines";
import { pair, type PairOptions } from "./netpair";


/** cpuNs: the CPU time counters a..b are worth under m's cost profile. */
function cpuNs(m: Machine, a: Counters, b: Counters): number {
  const d = diffCounters(a, b);
  return COUNTER_NAMES.reduce((s, n) => s + d[n] * m.profile.costs[n].ns, 0);
}

/** fragments: packets an IP payload of len bytes needs at this MTU. */
function fragments(udpData: number, mtu: number): number {
  const ip = udpData + 8;
  if (ip + 20 <= mtu) return 1;
  return Math.ceil(ip / ((mtu - 20) & ~7));
}

/** transfer: one datagram of len bytes from a to b (receive posted first); what b got. */
async function transfer(len: number, o: PairOptions, offs = { a: 0, b: 0 }, sem = Sem.COPY, residentRx = false) {
  const p = await pair(o);
  const data = pattern(len, len + 7);
  const va = p.pa.mmap(len + offs.a + PAGE_SIZE) + offs.a;
  const vb = p.pb.mmap(len + offs.b + PAGE_SIZE) + offs.b;
  p.pa.store(va, data);
  if (residentRx) p.pb.store(vb, new Uint8Array(len).fill(0x5a));
  const ca = p.a.counters(), cb = p.b.counters();
  const rx = p.pb.postRecv(p.fb, vb, len, { sem });
  const sent = p.pa.sendto(p.fa, va, len, { ip: "10.0.0.2", port: 2000, sem });
  const got = rx.wait();
  p.a.world.run();
  return { p, data, va, vb, got, sent, da: diffCounters(ca, p.a.counters()), db: diffCounters(cb, p.b.counters()) };
}

describe("UDP with copy semantics", () => {
  it("a datagram crosses the wire byte for byte, and its receiver learns the source", async () => {
    const { p, data, vb, got, sent } = await transfer(1000, {});
    expect(sent).toBe(1000);
    expect(got).toMatchObject({ len: 1000, port: 1000, ip: 0x0a000001 });
    expect(p.pb.load(vb, 1000)).toEqual(data);
  });

  const sizes = [1, 1472, 1473, 4096, 8972, 8973, 60 * 1024, 65507];
  for (const mtu of [1500, 9000, 65535])
    for (const nic of [{}, { headerSplit: true }, { checksumOffload: true }, { headerSplit: true, checksumOffload: true, earlyDemux: true }])
      it(`datagrams of 1 B .. 64 KiB at MTU ${mtu} ${JSON.stringify(nic)} arrive byte-exact, fragmented as IPv4 requires, each byte copied once per side`, async () => {
        for (const len of sizes) {
          const { p, data, vb, got, da, db } = await transfer(len, { mtu, ...nic }, { a: 100, b: 2049 });
          expect(got.len, `len ${len}`).toBe(len);
          expectBytes(p.pb.load(vb, len), data, `bytes of ${len}`);
          const frags = fragments(len, mtu);
          expect(da.packetsSent, `fragments of ${len}`).toBe(frags);
          expect(db.packetsReceived).toBe(frags);
          expect(da.bytesCopied + db.bytesCopied, `copies of ${len}`).toBe(2 * len);
          // With offload the CPU never sums payload; without, each side sums it once (+ IP headers).
          const ipHdrSums = 20 * frags;
          if ("checksumOffload" in nic) {
            expect(da.bytesChecksummed).toBe(ipHdrSums);
            expect(db.bytesChecksummed).toBe(ipHdrSums);
          } else {
            expect(da.bytesChecksummed).toBe(ipHdrSums + len);
            expect(db.bytesChecksummed).toBe(ipHdrSums + len);
          }
          expect(p.b.drops()).toEqual({});
          expect(p.a.nics[0].stats.rxNoBuffer + p.b.nics[0].stats.rxNoBuffer).toBe(0);
        }
      });

  it("a datagram larger than a jumbogram allows is refused with EMSGSIZE and nothing is sent", async () => {
    const p = await pair();
    const va = p.pa.mmap((1 << 20) + PAGE_SIZE);
    const before = p.a.counters();
    expect(() => p.pa.sendto(p.fa, va, (1 << 20) + 1, { ip: "10.0.0.2", port: 2000, sem: Sem.COPY })).toThrow(/EMSGSIZE/);
    expect(diffCounters(before, p.a.counters()).packetsSent).toBe(0);
  });

  it("latency is the sender's CPU time, the wire's serialisation and propagation, and the receiver's CPU time", async () => {
    const p = await pair({ mtu: 1500 });
    const len = 1000;
    const va = p.pa.mmap(PAGE_SIZE), vb = p.pb.mmap(PAGE_SIZE);
    p.pa.store(va, pattern(len));
    const rx = p.pb.postRecv(p.fb, vb, len, { sem: Sem.COPY });
    p.a.world.run();
    const t0 = Math.max(p.pa.clock, p.a.world.now);
    p.pa.clock = t0;
    const ca = p.a.counters(), cb = p.b.counters();
    p.pa.sendto(p.fa, va, len, { ip: "10.0.0.2", port: 2000, sem: Sem.COPY });
    const sendNs = p.pa.clock - t0;
    expect(sendNs).toBeCloseTo(cpuNs(p.a, ca, p.a.counters()), 6);
    const got = rx.wait();
    const recvNs = cpuNs(p.b, cb, p.b.counters());
    const wireNs = p.wire.frameTimeNs(14 + 20 + 8 + len) + p.wire.latencyNs;
    expect(got.at - t0).toBeCloseTo(sendNs + wireNs + recvNs, 6);
    expect(sendNs).toBeGreaterThan(0);
    expect(recvNs).toBeGreaterThan(0);
  });

  it("a receive that finds a queued datagram completes at once; DONTWAIT with none queued is EAGAIN", async () => {
    const p = await pair();
    const va = p.pa.mmap(PAGE_SIZE), vb = p.pb.mmap(PAGE_SIZE);
    expect(p.pb.recvfrom(p.fb, vb, 100, { dontwait: true })).toBeNull();
    p.pa.store(va, [1, 2, 3]);
    p.pa.sendto(p.fa, va, 3, { ip: "10.0.0.2", port: 2000 });
    p.a.world.run();
    const got = p.pb.recvfrom(p.fb, vb, 100, { dontwait: true });
    expect(got?.len).toBe(3);
    expect(Array.from(p.pb.load(vb, 3))).toEqual([1, 2, 3]);
  });

  it("a receive buffer shorter than the datagram gets its first bytes; the rest is discarded", async () => {
    const p = await pair();
    const va = p.pa.mmap(PAGE_SIZE), vb = p.pb.mmap(PAGE_SIZE);
    p.pa.store(va, pattern(500, 9));
    p.pb.fill(vb, 200, 0xee);
    const rx = p.pb.postRecv(p.fb, vb, 100);
    p.pa.sendto(p.fa, va, 500, { ip: "10.0.0.2", port: 2000 });
    expect(rx.wait().len).toBe(100);
    expect(p.pb.load(vb, 100)).toEqual(pattern(500, 9).subarray(0, 100));
    expect(p.pb.load(vb + 100, 100).every((x) => x === 0xee)).toBe(true);
  });

  it("bad socket calls are rejected with their errors", async () => {
    const p = await pair();
    const va = p.pa.mmap(PAGE_SIZE);
    const code = (f: () => unknown) => { try { f(); } catch (e) { return (e as SyscallError).code; } return "ok"; };
    expect(code(() => p.pa.sendto(9, va, 10, { ip: "10.0.0.2", port: 2000 }))).toBe("EBADF");
    expect(code(() => p.pa.sendto(p.fa, va, 10))).toBe("ENOTCONN");
    expect(code(() => p.pa.sendto(p.fa, va, 10, { ip: "10.0.0.2", port: 0 }))).toBe("EINVAL");
    expect(code(() => p.pa.sendto(p.fa, 0x10, 10, { ip: "10.0.0.2", port: 2000 }))).toBe("EFAULT");
    expect(code(() => p.pa.sendto(p.fa, va, 10, { ip: "10.0.0.2", port: 2000, sem: 12 as Sem }))).toBe("EINVAL");
    expect(code(() => p.pa.bind(p.fa, 2))).toBe("EINVAL"); // already bound
    const s = p.pa.socket();
    expect(code(() => p.pa.bind(s, 1000))).toBe("EADDRINUSE");
    expect(code(() => p.pa.bind(s, 70000))).toBe("EINVAL");
    expect(p.pa.bind(s, 0)).toBeGreaterThanOrEqual(49152);
    p.pa.close(s);
    expect(code(() => p.pa.close(s))).toBe("EBADF");
    // A send to an unmapped part of user space fails with EFAULT, and the process lives.
    expect(code(() => p.pa.sendto(p.fa, 0x30000000, 10, { ip: "10.0.0.2", port: 2000 }))).toBe("EFAULT");
    expect(p.pa.alive).toBe(true);
    void Errno;
  });

  it("a socket closed by exit frees its queued datagrams and the process's frames", async () => {
    const p = await pair();
    const va = p.pa.mmap(PAGE_SIZE);
    for (let i = 0; i < 5; i++) p.pa.sendto(p.fa, va, 3000, { ip: "10.0.0.2", port: 2000 });
    p.a.world.run();
    p.pb.exit(0);
    p.pa.exit(0);
    // What remains allocated is the kernel's: rings, header slots, posted receive buffers.
    for (const m of [p.a, p.b]) expect(m.frameSummary().ANON ?? 0).toBe(0);
  });
});

describe("jumbograms: messages beyond IPv4's 64 KiB, up to 1 MiB", () => {
  for (const mtu of [1500, 9000, 65535])
    it(`1 MiB and 65508 B arrive byte-exact at MTU ${mtu}, with and without offload and header split`, async () => {
      for (const nic of [{}, { headerSplit: true, checksumOffload: true, earlyDemux: true }])
        for (const len of [65508, 300_001, 1 << 20]) {
          const { p, data, vb, got, da, db } = await transfer(len, { mtu, ...nic, memory: "24M" }, { a: 1, b: 4095 });
          expect(got.len).toBe(len);
          expectBytes(p.pb.load(vb, len), data, `bytes of ${len}`);
          const step = (Math.min(mtu, 65535) - 32) & ~7;
          expect(da.packetsSent).toBe(Math.ceil((len + 8) / step));
          expect(da.bytesCopied + db.bytesCopied).toBe(2 * len);
          expect(p.b.drops()).toEqual({});
        }
    });

  it("a 1 MiB datagram laid out by a receive plan (emulated copy, early demux, MTU 1500) on a 12 MiB machine (reassembly may hold 3 MiB) is not refused for memory: its 709 fragments share the plan's frames and are charged their bytes, not a frame each", async () => {
    for (const wire of [{}, { bandwidthBps: 100e9, latencyNs: 1000 }]) {
      const len = 1 << 20;
      const { p, data, vb, got, db } = await transfer(len, { mtu: 1500, headerSplit: true, checksumOffload: true, earlyDemux: true, memory: "12M", wire }, { a: 0, b: 0 }, Sem.EMULATED_COPY, true);
      expect(got.len).toBe(len);
      expectBytes(p.pb.load(vb, len), data, "bytes of 1 MiB");
      expect(p.b.drops()).toEqual({});
      expect(db.pageSwaps).toBeGreaterThan(0);
    }
  });

  it("a message over 1 MiB is refused with EMSGSIZE", async () => {
    const p = await pair();
    const va = p.pa.mmap((1 << 20) + PAGE_SIZE);
    expect(() => p.pa.sendto(p.fa, va, (1 << 20) + 1, { ip: "10.0.0.2", port: 2000 })).toThrow(/EMSGSIZE/);
  });
});

describe("the adapter's receive rings", () => {
  it("with header split, a frame longer than the data buffers posted on its queue (by less than a header buffer) goes to queue 0: delivered intact, no byte written past the posted buffers", async () => {
    const p = await pair({ mtu: 1500, headerSplit: true, earlyDemux: true });
    const nic = p.b.nics[0];
    const va = p.pa.mmap(2 * PAGE_SIZE);
    // A receive of 1460 bytes lays out one 1460-byte data buffer on the socket's queue; once it
    // has completed, the layout is renewed for the same shape.
    const first = pattern(1460, 1);
    p.pa.store(va, first);
    const vb = p.pb.mmap(2 * PAGE_SIZE);
    const rx = p.pb.postRecv(p.fb, vb, 1460, { sem: Sem.EMULATED_COPY });
    p.pa.sendto(p.fa, va, 1460, { ip: "10.0.0.2", port: 2000, sem: Sem.COPY });
    expect(rx.wait().len).toBe(1460);
    expectBytes(p.pb.load(vb, 1460), first, "first datagram");
    p.a.world.run();
    // 1472 bytes (42 of headers + 1472 of data in one frame) do not fit 1460 bytes of data
    // buffers, although they would with the header buffer's 64 bytes counted as room.
    const ramBefore = p.b.ram.slice();
    const second = pattern(1472, 2);
    p.pa.store(va, second);
    p.pa.sendto(p.fa, va, 1472, { ip: "10.0.0.2", port: 2000, sem: Sem.COPY });
    p.a.world.run();
    expect(nic.stats.rxFallback).toBe(1);
    const vb2 = p.pb.mmap(2 * PAGE_SIZE);
    const got = p.pb.recvfrom(p.fb, vb2, 1472, { sem: Sem.COPY, dontwait: true });
    expect(got?.len).toBe(1472);
    expectBytes(p.pb.load(vb2, 1472), second, "second datagram");
    expect(p.b.drops()).toEqual({});
    // The datagram's last bytes (those that overran the data buffer) are nowhere else in RAM
    // than where queue 0's buffer and the receive put them: no frame outside got them by DMA.
    const tail = second.subarray(1460);
    const ram = p.b.ram;
    const hits: number[] = [];
    for (let i = ram.indexOf(tail[0]); i >= 0 && i + tail.length <= ram.length; i = ram.indexOf(tail[0], i + 1))
      if (tail.every((x, k) => ram[i + k] === x) && !tail.every((x, k) => ramBefore[i + k] === x)) hits.push(i);
    expect(hits.length).toBeLessThanOrEqual(2); // queue 0's buffer, and the receive buffer's frame
  });
});

describe("receive plans end with their receive", () => {
  for (const [rlen, ro] of [[1400, 4000], [100, 1]])
    it(`a share receive of ${rlen} B at page offset ${ro} whose datagram's first fragment missed the plan: once it returns, the device holds none of the application's frames (a later datagram changes no byte of the buffer; nothing stays wired)`, async () => {
      const p = await pair({ mtu: 1500, headerSplit: true, earlyDemux: true });
      const va = p.pa.mmap(4 * PAGE_SIZE);
      const first = pattern(1473, 7); // fragments of 1480 B and 1 B of IP payload
      p.pa.store(va, first);
      const span = 3 * PAGE_SIZE;
      const rb = p.pb.mmap(span), vb = rb + ro;
      p.pb.fill(rb, span, 0x11);
      const rx = p.pb.postRecv(p.fb, vb, rlen, { sem: Sem.SHARE });
      p.pa.sendto(p.fa, va, 1473, { ip: "10.0.0.2", port: 2000, sem: Sem.COPY });
      expect(rx.wait().len).toBe(rlen);
      p.a.world.run();
      expectBytes(p.pb.load(vb, rlen), first.subarray(0, rlen), "received bytes");
      // The application has its buffer back; another datagram comes while nobody receives.
      p.pb.fill(rb, span, 0x22);
      p.pa.store(va, pattern(1000, 99));
      p.pa.sendto(p.fa, va, 1000, { ip: "10.0.0.2", port: 2000, sem: Sem.COPY });
      p.a.world.run();
      expectBytes(p.pb.load(rb, span), new Uint8Array(span).fill(0x22), "the application's buffer");
      p.pb.exit(0);
      p.pa.exit(0);
      p.a.world.run(); // (the invariant check after the test finds no wired orphan)
    });

  for (const how of ["killed", "closes the socket"] as const)
    it(`a receiver that is ${how} while its share receive waits takes its frames back from the device at once: a later datagram goes elsewhere, none stays wired, all are freed (a closed socket's receive fails with EBADF)`, async () => {
      const p = await pair({ mtu: 1500, headerSplit: true, earlyDemux: true });
      const rb = p.pb.mmap(4 * PAGE_SIZE);
      p.pb.fill(rb, 4 * PAGE_SIZE, 0x33);
      const frames = [0, 1, 2].map((i) => p.pb.frameAt(rb + i * PAGE_SIZE));
      const rx = p.pb.postRecv(p.fb, rb, 3 * PAGE_SIZE, { sem: Sem.SHARE });
      expect(rx.ready).toBe(false);
      if (how === "killed") {
        p.pb.kill();
        p.pb.reap();
      } else {
        p.pb.close(p.fb); // (the host may call in for a process blocked in a receive)
        expect(() => rx.wait()).toThrow(/EBADF/); // the receive fails with the socket
      }
      for (const f of frames) if (how === "killed") expect(p.b.frame(f).wired, `frame ${f}`).toBe(0);
      const va = p.pa.mmap(4 * PAGE_SIZE);
      p.pa.store(va, pattern(3 * PAGE_SIZE, 5));
      p.pa.sendto(p.fa, va, 3 * PAGE_SIZE, { ip: "10.0.0.2", port: 2000, sem: Sem.COPY });
      p.a.world.run();
      if (how === "killed") expect(p.b.frameSummary().ANON ?? 0).toBe(0);
      else expectBytes(p.pb.load(rb, 4 * PAGE_SIZE), new Uint8Array(4 * PAGE_SIZE).fill(0x33), "the buffer of the closed socket's receive");
    });
});

describe("input alignment with packets out of order", () => {
  for (const sem of [Sem.SHARE, Sem.EMULATED_COPY, Sem.EMULATED_SHARE])
    for (const [len, ro] of [[20000, 0], [60000, 100]])
      it(`${Sem[sem]}: ${len} B at page offset ${ro} whose fragments 1 and 2 arrive swapped (each in the other's place) is delivered byte-exact`, async () => {
        const p = await pair({ mtu: 1500, headerSplit: true, earlyDemux: true });
        // A wire that reorders: hold frame 1 back until frame 2 has arrived.
        const nic = p.b.nics[0];
        const receive = nic.receiveFrame.bind(nic);
        let n = 0, held: Uint8Array | null = null;
        nic.receiveFrame = (bytes, t, sum) => {
          const k = n++;
          if (k === 1) return void (held = bytes.slice());
          receive(bytes, t, sum);
          if (k === 2 && held) receive(held, t, null);
        };
        const data = pattern(len, 11);
        const va = p.pa.mmap(len + PAGE_SIZE);
        p.pa.store(va, data);
        const vb = p.pb.mmap(ro + len + PAGE_SIZE) + ro;
        const rx = p.pb.postRecv(p.fb, vb, len, { sem });
        p.pa.sendto(p.fa, va, len, { ip: "10.0.0.2", port: 2000, sem: Sem.COPY });
        expect(rx.wait().len).toBe(len);
        p.a.world.run();
        expectBytes(p.pb.load(vb, len), data, "received");
        expect(p.b.drops()).toEqual({});
      });
});
