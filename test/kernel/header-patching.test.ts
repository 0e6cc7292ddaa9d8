// test/kernel/header-patching.test.ts — input alignment on a NIC without header split
// (docs/data-passing.md §4.3; drivers/headerpatch.ts). Each packet arrives as one run [headers | payload]; the
// driver posts packet k so that its payload starts where payload k-1 ended, so k's headers land
// on the last h_k bytes of payload k-1. Those bytes are saved before k is posted and put back
// once k's headers are parsed: 2 h_k bytes copied per packet, whatever its size. Packet 0's
// headers fall before the data (in a leading frame when the buffer's page offset is below h_0),
// so packet 0 is not patched.
//
// One more copy the mechanism implies: when a packet's headers straddle a frame boundary (its
// first buffer holds fewer than NIC_HDR_SLOT = 64 bytes), the driver gathers the packet's
// first 64 bytes into a scratch buffer to parse them (drivers/nic.ts gatherHeaders).
//
// expectedPatchCopies() recomputes both from the plan's arithmetic; the tests also spell the
// resulting numbers out.

import { describe, expect, it } from "vitest";
import { connect, diffCounters, ETH_HLEN, ETHERNET, NIC_HDR_SLOT, PAGE_SIZE, Sem } from "../../tools/host/index";
import { expectBytes, machine, pattern, world } from "./machines";
import { pair } from "./netpair";


const UDP_HLEN = 8;
const IP4_HLEN = 20;
const JUMBO_HLEN = 32; // IPv4 header + the 12-byte jumbogram option (net/jumbo.ts)
const IP_MAXPAYLOAD = 65535 - IP4_HLEN;

interface PatchPlan {
  packets: number;
  /** Header bytes of packets 1.. (Ethernet + IP): what each later packet's headers cover. */
  h: number;
  /** Bytes saved and restored: 2 h per packet after the first. */
  patched: number;
  /** Packets whose headers straddle a frame boundary, and the bytes gathered for them. */
  straddling: number[];
  gathered: number;
}

/** expectedPatchCopies: the receive layout of drivers/rxlayout.ts for len bytes at page offset o. */
function expectedPatchCopies(len: number, mtu: number, o: number): PatchPlan {
  const jumbo = len + UDP_HLEN > IP_MAXPAYLOAD;
  const ihl = jumbo ? JUMBO_HLEN : IP4_HLEN;
  const ipLen = len + UDP_HLEN;
  let step = (Math.min(mtu, 65535) - ihl) & ~7;
  if (!jumbo && ipLen + IP4_HLEN <= mtu) step = ipLen;
  const packets = Math.ceil(ipLen / step);
  const hdr = (k: number) => ETH_HLEN + ihl + (k === 0 ? UDP_HLEN : 0);
  const lead = o < hdr(0) ? 1 : 0;
  const layout = (x: number) => lead * PAGE_SIZE + o + x;
  const dataStart = (k: number) => (k === 0 ? 0 : k * step - UDP_HLEN);
  const dataEnd = (k: number) => Math.min((k + 1) * step, ipLen) - UDP_HLEN;
  let patched = 0, gathered = 0;
  const straddling: number[] = [];
  for (let k = 0; k < packets; k++) {
    const s = layout(dataStart(k)) - hdr(k), e = layout(dataEnd(k));
    if (k > 0) patched += 2 * hdr(k);
    const first = Math.min(e - s, PAGE_SIZE - (s % PAGE_SIZE));
    if (first < NIC_HDR_SLOT && first < e - s) {
      straddling.push(k);
      gathered += Math.min(NIC_HDR_SLOT, e - s);
    }
  }
  return { packets, h: hdr(1), patched, straddling, gathered };
}

/** receive: one emulated-copy datagram of len bytes into a page-aligned buffer at b. */
async function receive(len: number, mtu: number, headerSplit: boolean) {
  const p = await pair({ mtu, headerSplit, checksumOffload: true, earlyDemux: true });
  const data = pattern(len, 31);
  const va = p.pa.mmap(len);
  const vb = p.pb.mmap(len + 2 * PAGE_SIZE) + PAGE_SIZE;
  p.pa.store(va, data);
  const guard = pattern(len + 2 * PAGE_SIZE, 32);
  p.pb.store(vb - PAGE_SIZE, guard);
  const ca = p.a.counters(), cb = p.b.counters();
  const rx = p.pb.postRecv(p.fb, vb, len, { sem: Sem.EMULATED_COPY });
  p.pa.sendto(p.fa, va, len, { ip: "10.0.0.2", port: 2000, sem: Sem.EMULATED_COPY });
  expect(rx.wait().len).toBe(len);
  p.a.world.run();
  expectBytes(p.pb.load(vb, len), data);
  expectBytes(p.pb.load(vb - PAGE_SIZE, PAGE_SIZE), guard.subarray(0, PAGE_SIZE), "page before");
  expectBytes(p.pb.load(vb + len, PAGE_SIZE), guard.subarray(PAGE_SIZE + len), "page after");
  expect(p.b.drops()).toEqual({});
  expect(p.b.nics[0].stats.rxFallback).toBe(0); // every packet landed in the plan's buffers
  return { p, da: diffCounters(ca, p.a.counters()), db: diffCounters(cb, p.b.counters()) };
}

describe("header patching (no header split, early demux, emulated copy, MTU 1500)", () => {
  it("64 KiB page-aligned arrives byte-exact with 16 pages swapped; the receiver copies exactly 2 x 46 header bytes per later packet plus the straddling-header gathers", async () => {
    // 65536 B is beyond IPv4's largest datagram, so it travels as a jumbogram (net/jumbo.ts):
    // 32-byte IP headers, h = 14 + 32 = 46 bytes per later packet, 1464 payload bytes per packet.
    const plan = expectedPatchCopies(65536, 1500, 0);
    expect(plan).toEqual({ packets: 45, h: 46, patched: 44 * 92, straddling: [0, 14, 28, 42], gathered: 4 * 64 });
    const { db, da } = await receive(65536, 1500, false);
    expect(db.packetsReceived).toBe(45);
    expect(db.pageSwaps).toBe(16);
    expect(db.bytesCopied).toBe(plan.patched + plan.gathered); // 4048 + 256 = 4304
    expect(db.bytesCopied).toBe(4304);
    expect(da.bytesCopied).toBe(0);
  });

  it("60 KiB page-aligned (an ordinary IPv4 datagram) costs exactly 2 x 34 header bytes per later packet plus the straddling-header gathers", async () => {
    const plan = expectedPatchCopies(60 * 1024, 1500, 0);
    expect(plan).toEqual({ packets: 42, h: 34, patched: 41 * 68, straddling: [0, 36], gathered: 2 * 64 });
    const { db } = await receive(60 * 1024, 1500, false);
    expect(db.packetsReceived).toBe(42);
    expect(db.pageSwaps).toBe(15);
    expect(db.bytesCopied).toBe(plan.patched + plan.gathered); // 2788 + 128 = 2916
  });

  it("the patching cost does not depend on the packet size: at MTU 9000, 64 KiB costs 2 x 46 bytes for each of 7 later packets plus one gather", async () => {
    const plan = expectedPatchCopies(65536, 9000, 0);
    expect(plan).toEqual({ packets: 8, h: 46, patched: 7 * 92, straddling: [0], gathered: 64 });
    const { db } = await receive(65536, 9000, false);
    expect(db.pageSwaps).toBe(16);
    expect(db.bytesCopied).toBe(708);
  });

  it("with header split the same 64 KiB costs the receiver no copied byte at all", async () => {
    const { db, da } = await receive(65536, 1500, true);
    expect(db.packetsReceived).toBe(45);
    expect(db.pageSwaps).toBe(16);
    expect(db.bytesCopied).toBe(0);
    expect(da.bytesCopied).toBe(0);
  });
});

describe("header patching when the packets are not what the plan expected", () => {
  for (const checksumOffload of [true, false])
    it(`a 20000-byte datagram into a 70000-byte receive (laid out for jumbogram headers, 12 bytes longer) arrives byte-exact at MTU 9000 (offload ${checksumOffload ? "on" : "off"}): packets whose data starts among the saved bytes move out of the layout before they are put back`, async () => {
      const p = await pair({ mtu: 9000, checksumOffload, earlyDemux: true });
      const data = pattern(20000, 3);
      const va = p.pa.mmap(20000 + PAGE_SIZE);
      p.pa.store(va, data);
      const vb = p.pb.mmap(70000 + PAGE_SIZE);
      const cb = p.b.counters();
      const rx = p.pb.postRecv(p.fb, vb, 70000, { sem: Sem.EMULATED_COPY });
      p.pa.sendto(p.fa, va, 20000, { ip: "10.0.0.2", port: 2000, sem: Sem.COPY });
      p.a.world.run();
      expect(rx.ready).toBe(true);
      expect(rx.wait().len).toBe(20000);
      expectBytes(p.pb.load(vb, 20000), data, "received");
      expect(p.b.drops()).toEqual({});
      // The two later packets missed the plan: each was copied out once (its data), besides
      // the patching copies; nothing was lost.
      expect(diffCounters(cb, p.b.counters()).bytesCopied).toBeGreaterThanOrEqual(20000 - 8972);
    });
});

describe("header patching when the frames are smaller than the plan's", () => {
  for (const checksumOffload of [true, false])
    it(`20000 B from a sender with MTU 1500 to a receiver laid out for MTU 9000 arrives byte-exact (offload ${checksumOffload ? "on" : "off"}): a packet is posted only once no buffer of the one before is left, so the device never holds two buffers over the same bytes`, async () => {
      const w = await world(1);
      const a = await machine({ name: "a", memory: "16M" }, w);
      const b = await machine({ name: "b", memory: "16M" }, w);
      connect(a.attachNic({ ip: "10.0.0.1", mtu: 1500 }), b.attachNic({ ip: "10.0.0.2", mtu: 9000, checksumOffload, earlyDemux: true }), { bandwidthBps: 1e9, latencyNs: 10_000, ...ETHERNET });
      const pa = a.spawn(), pb = b.spawn();
      const fa = pa.socket(), fb = pb.socket();
      pa.bind(fa, 1000);
      pb.bind(fb, 2000);
      const data = pattern(20000, 40);
      const va = pa.mmap(20000 + PAGE_SIZE);
      pa.store(va, data);
      const vb = pb.mmap(20000 + PAGE_SIZE);
      const rx = pb.postRecv(fb, vb, 20000, { sem: Sem.EMULATED_COPY });
      pa.sendto(fa, va, 20000, { ip: "10.0.0.2", port: 2000, sem: Sem.COPY });
      w.run();
      expect(rx.ready).toBe(true);
      expect(rx.wait().len).toBe(20000);
      expectBytes(pb.load(vb, 20000), data, "received");
      expect(b.drops()).toEqual({});
    });
});

describe("header patching with a duplicated last fragment", () => {
  for (const checksumOffload of [true, false])
    it(`2752 B at MTU 576 whose last fragment arrives twice at once (the copy that finds no planned buffer goes to queue 0) is delivered byte-exact (offload ${checksumOffload ? "on" : "off"}): the steered queue's packet puts back the bytes under its headers before anything is delivered`, async () => {
      const p = await pair({ mtu: 576, checksumOffload, earlyDemux: true });
      const nic = p.b.nics[0];
      const receive = nic.receiveFrame.bind(nic);
      const frames: Uint8Array[] = [];
      nic.receiveFrame = (bytes) => void frames.push(bytes.slice());
      const len = 2752;
      const data = pattern(len, 11);
      const va = p.pa.mmap(len + PAGE_SIZE);
      p.pa.store(va, data);
      const vb = p.pb.mmap(len + PAGE_SIZE);
      const rx = p.pb.postRecv(p.fb, vb, len, { sem: Sem.EMULATED_COPY });
      p.pa.sendto(p.fa, va, len, { ip: "10.0.0.2", port: 2000, sem: Sem.COPY });
      p.a.world.run(); // every frame held here, then delivered 20 µs apart, the last one twice
      expect(frames.length).toBe(5);
      nic.receiveFrame = receive;
      const w = p.a.world;
      let t = w.now;
      for (const group of [[0], [1], [2], [3], [4, 4]]) {
        const at = (t += 20_000);
        for (const i of group) w.at(at, () => receive(frames[i].slice(), at));
      }
      w.run();
      expect(rx.ready).toBe(true);
      const got = rx.wait();
      expect(got.len).toBe(len);
      expectBytes(p.pb.load(vb, len), data, "received");
    });
});
