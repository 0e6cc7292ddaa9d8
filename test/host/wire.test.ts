// The wire between two NICs (tools/host/wire.ts): exact timing with the framing tax, one frame
// at a time per direction, and seeded impairments that are reproducible.

import { describe, expect, it } from "vitest";
import { ATM_AAL5, ConfigError, ETHERNET, PcapWriter, readPcap, Wire, World, type WireEnd, type WireOptions } from "../../tools/host/index";
import { framePool } from "../../tools/host/framepool";
import { runDatagram } from "../../tools/bench/datagram";

const EMPTY_MODULE = new WebAssembly.Module(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));

interface Arrival {
  t: number;
  now: number;
  bytes: Uint8Array;
}

/** end: a receiver that records every frame and when it came. */
function end(world: World): WireEnd & { got: Arrival[] } {
  const got: Arrival[] = [];
  return { got, receiveFrame: (bytes, t) => void got.push({ t, now: world.now, bytes }) };
}

function setup(opts: WireOptions, seed = 1) {
  const world = new World({ kernel: EMPTY_MODULE, seed });
  const wire = new Wire(world, opts);
  const a = end(world), b = end(world);
  wire.attach(a, b);
  return { world, wire, a, b };
}

/** numbered: a frame of len bytes whose first 4 bytes are n (big-endian). */
function numbered(n: number, len = 100): Uint8Array {
  const f = new Uint8Array(len).fill(0x5a);
  new DataView(f.buffer).setUint32(0, n);
  return f;
}
const numberOf = (f: Uint8Array) => new DataView(f.buffer, f.byteOffset).getUint32(0);

describe("wire timing", () => {
  it("a 9180-byte AAL5 payload at 513 Mbit/s takes 192 cells of 53 bytes, then the latency", () => {
    const { world, wire, a, b } = setup({ ...ATM_AAL5, bandwidthBps: 513e6, latencyNs: 20_000 });
    expect(wire.wireBytes(9180)).toBe(192 * 53); // ceil((9180 + 8) / 48) = 192 cells
    const tx = wire.transmit(a, new Uint8Array(9180), 1_000);
    const serialise = (192 * 53 * 8 * 1e9) / 513e6; // 158690.06 ns
    expect(serialise).toBeCloseTo(158_690.058, 3);
    expect(tx.startNs).toBe(1_000);
    expect(tx.doneNs).toBe(1_000 + serialise);
    expect(tx.arriveNs).toBe(1_000 + serialise + 20_000);
    world.run();
    expect(b.got.length).toBe(1);
    expect(b.got[0].t).toBe(tx.arriveNs);
    expect(b.got[0].now).toBe(tx.arriveNs);
    expect(wire.counters()).toMatchObject({ frames: 1, bytes: 9180, wireBytes: 192 * 53, delivered: 1 });
  });

  it("the cell tax rounds each frame up to whole cells: 40 bytes fit one cell, 41 need two", () => {
    const { wire } = setup({ ...ATM_AAL5, bandwidthBps: 1e9, latencyNs: 0 });
    expect(wire.wireBytes(40)).toBe(53);
    expect(wire.wireBytes(41)).toBe(106);
    expect(wire.frameTimeNs(41)).toBe((106 * 8 * 1e9) / 1e9);
  });

  it("Ethernet framing pads short frames to 60 bytes and adds preamble, FCS and gap (24 bytes)", () => {
    const { wire } = setup({ ...ETHERNET, bandwidthBps: 1e9, latencyNs: 0 });
    expect(wire.wireBytes(42)).toBe(84);
    expect(wire.wireBytes(1514)).toBe(1538);
    expect(wire.frameTimeNs(1514)).toBe(12_304);
  });

  it("without framing options a frame occupies exactly its own bits", () => {
    const { wire } = setup({ bandwidthBps: 8e9, latencyNs: 0 });
    expect(wire.frameTimeNs(1000)).toBe(1000);
  });
});

describe("wire order", () => {
  it("frames in one direction go one at a time, first in first out; the other direction is independent", () => {
    const { world, wire, a, b } = setup({ bandwidthBps: 8e9, latencyNs: 500 }); // 1 ns per byte
    const t1 = wire.transmit(a, numbered(1, 1000), 0);
    const t2 = wire.transmit(a, numbered(2, 10), 0);
    const t3 = wire.transmit(a, numbered(3, 200), 100);
    const back = wire.transmit(b, numbered(9, 300), 0);
    expect([t1.startNs, t2.startNs, t3.startNs]).toEqual([0, 1000, 1010]);
    expect([t1.doneNs, t2.doneNs, t3.doneNs]).toEqual([1000, 1010, 1210]);
    expect(back).toEqual({ startNs: 0, doneNs: 300, arriveNs: 800 });
    // An idle wire starts a frame when it is handed over.
    const t4 = wire.transmit(a, numbered(4, 10), 5_000);
    expect(t4.startNs).toBe(5_000);
    world.run();
    expect(b.got.map((g) => numberOf(g.bytes))).toEqual([1, 2, 3, 4]);
    expect(b.got.map((g) => g.t)).toEqual([1500, 1510, 1710, 5510]);
    expect(a.got.map((g) => [numberOf(g.bytes), g.t])).toEqual([[9, 800]]);
  });

  it("the receiver gets a copy: the sender may reuse its buffer as soon as transmit returns", () => {
    const { world, wire, a, b } = setup({ bandwidthBps: 1e9, latencyNs: 10 });
    const buf = numbered(7, 64);
    wire.transmit(a, buf, 0);
    buf.fill(0);
    world.run();
    expect(numberOf(b.got[0].bytes)).toBe(7);
    expect(b.got[0].bytes.buffer).not.toBe(buf.buffer);
  });

  it("refuses to send before attach, from a stranger, in the past, or nothing", () => {
    const world = new World({ kernel: EMPTY_MODULE });
    const wire = new Wire(world, { bandwidthBps: 1e9, latencyNs: 0 });
    const a = end(world), b = end(world);
    expect(() => wire.transmit(a, numbered(1), 0)).toThrow(/transmit before attach/);
    wire.attach(a, b);
    expect(() => wire.attach(a, b)).toThrow(/already attached/);
    expect(() => wire.transmit(end(world), numbered(1), 0)).toThrow(/not attached to this wire/);
    expect(() => wire.transmit(a, new Uint8Array(0), 0)).toThrow(/non-empty/);
    world.at(100, () => {});
    world.run();
    expect(() => wire.transmit(a, numbered(1), 50)).toThrow(/transmit at 50 ns, before now \(100 ns\)/);
  });
});

describe("wire impairments", () => {
  const N = 20_000;
  const IMPAIRED: WireOptions = { bandwidthBps: 1e9, latencyNs: 1_000, loss: 0.1, corrupt: 0.05, duplicate: 0.02, reorder: 0.03, reorderDelayNs: 50_000 };

  function run(seed: number) {
    const { world, wire, a, b } = setup(IMPAIRED, seed);
    for (let i = 0; i < N; i++) wire.transmit(a, numbered(i, 125), 0); // 1 µs each
    world.run();
    return { wire, got: b.got };
  }

  it("lose, corrupt, duplicate and delay frames at about the configured rates", () => {
    const { wire, got } = run(1);
    const c = wire.counters();
    expect(c.frames).toBe(N);
    // Binomial counts: 5 standard deviations either side.
    const near = (n: number, p: number) => {
      const sd = Math.sqrt(N * p * (1 - p));
      expect(n).toBeGreaterThan(N * p - 5 * sd);
      expect(n).toBeLessThan(N * p + 5 * sd);
    };
    near(c.lost, 0.1);
    // The others apply to the frames not lost.
    near(c.corrupted, 0.9 * 0.05);
    near(c.duplicated, 0.9 * 0.02);
    near(c.reordered, 0.9 * 0.03);
    expect(c.delivered).toBe(N - c.lost + c.duplicated);
    expect(got.length).toBe(c.delivered);
  });

  it("a corrupted frame differs from what was sent in exactly one bit, anywhere in the frame", () => {
    const { wire, world, a, b } = setup({ bandwidthBps: 1e9, latencyNs: 0, corrupt: 1 }, 2);
    const sent = Array.from({ length: 400 }, (_, i) => numbered(i, 50));
    for (const f of sent) wire.transmit(a, f, 0);
    world.run();
    const where = new Set<number>();
    b.got.forEach((g, i) => {
      let bits = 0;
      for (let k = 0; k < 50; k++) {
        const d = popcount(sent[i][k] ^ g.bytes[k]);
        if (d) where.add(k);
        bits += d;
      }
      expect(bits, `frame ${i}`).toBe(1);
    });
    expect(where.size).toBeGreaterThan(40); // of 50 byte positions
    expect(wire.counters().corrupted).toBe(400);
  });

  it("a delayed frame arrives reorderDelayNs late, overtaken by the frames sent after it", () => {
    const { wire, world, a, b } = setup({ bandwidthBps: 8e9, latencyNs: 0, reorder: 0.5, reorderDelayNs: 10_000 }, 5);
    const txs = Array.from({ length: 50 }, (_, i) => wire.transmit(a, numbered(i, 1000), 0));
    world.run();
    const late = txs.map((t, i) => [i, t] as const).filter(([, t]) => t.arriveNs !== t.doneNs);
    expect(late.length).toBe(wire.counters().reordered);
    expect(late.length).toBeGreaterThan(10);
    for (const [, t] of late) expect(t.arriveNs).toBe(t.doneNs + 10_000);
    const order = b.got.map((g) => numberOf(g.bytes));
    expect(order).not.toEqual([...order].sort((x, y) => x - y));
    expect(b.got.map((g) => g.t)).toEqual([...b.got.map((g) => g.t)].sort((x, y) => x - y));
  });

  it("a duplicated frame is delivered twice, at the same time, as two separate buffers", () => {
    const { wire, world, a, b } = setup({ bandwidthBps: 1e9, latencyNs: 0, duplicate: 1 });
    wire.transmit(a, numbered(3), 0);
    world.run();
    expect(b.got.length).toBe(2);
    expect(b.got[0].t).toBe(b.got[1].t);
    expect(b.got[0].bytes).toEqual(b.got[1].bytes);
    expect(b.got[0].bytes).not.toBe(b.got[1].bytes);
  });

  it("the same seed gives the same run, frame for frame; another seed a different one", () => {
    const sig = (r: ReturnType<typeof run>) => r.got.map((g) => `${g.t}:${Array.from(g.bytes.subarray(0, 8)).join(",")}:${g.bytes.reduce((x, y) => x + y, 0)}`).join(";");
    const one = run(42), two = run(42), other = run(43);
    expect(two.wire.counters()).toEqual(one.wire.counters());
    expect(sig(two)).toBe(sig(one));
    expect(other.wire.counters()).not.toEqual(one.wire.counters());
    expect(sig(other)).not.toBe(sig(one));
  });

  it("turning corruption on does not change which frames are lost", () => {
    const lostOf = (corrupt: number) => {
      const { wire, world, a } = setup({ bandwidthBps: 1e9, latencyNs: 0, loss: 0.2, corrupt }, 9);
      const lost: number[] = [];
      for (let i = 0; i < 500; i++) if (wire.transmit(a, numbered(i), 0).arriveNs === null) lost.push(i);
      world.run();
      return lost;
    };
    expect(lostOf(0.5)).toEqual(lostOf(0));
  });

  it("a lost frame still takes its time on the wire, and is in a send-side capture but not a receive-side one", () => {
    for (const captureAt of ["send", "receive"] as const) {
      const pcap = new PcapWriter();
      const { wire, world, a, b } = setup({ bandwidthBps: 8e9, latencyNs: 0, loss: 1, pcap, captureAt });
      const t1 = wire.transmit(a, numbered(1, 1000), 0);
      const t2 = wire.transmit(a, numbered(2, 1000), 0);
      world.run();
      expect(t1.arriveNs).toBeNull();
      expect(t2.startNs).toBe(1000);
      expect(b.got.length).toBe(0);
      expect(readPcap(pcap.bytes()).records.length).toBe(captureAt === "send" ? 2 : 0);
    }
  });
});

describe("wire options", () => {
  const world = new World({ kernel: EMPTY_MODULE });
  const bad: [WireOptions, RegExp][] = [
    [{ bandwidthBps: 0, latencyNs: 0 }, /bandwidthBps must be > 0/],
    [{ latencyNs: 0 } as WireOptions, /bandwidthBps is required/],
    [{ bandwidthBps: 1e9, latencyNs: -1 }, /latencyNs must be a finite number >= 0, got -1/],
    [{ bandwidthBps: 1e9, latencyNs: 0, loss: 1.5 }, /loss must be a probability in \[0, 1\], got 1.5/],
    [{ bandwidthBps: 1e9, latencyNs: 0, cellPayload: 48 }, /cellSize must be given together/],
    [{ bandwidthBps: 1e9, latencyNs: 0, cellPayload: 48, cellSize: 40 }, /cellSize must be >= cellPayload/],
    [{ bandwidthBps: 1e9, latencyNs: 0, perFrameOverhead: 2.5 }, /perFrameOverhead must be a finite integer/],
    [{ bandwidthBps: 1e9, latencyNs: 0, captureAt: "middle" as "send" }, /captureAt must be "send" or "receive"/],
    [{ bandwidthBps: 1e9, latencyNs: 0, lossRate: 0.1 } as WireOptions, /unknown option "lossRate"/],
  ];
  for (const [opts, msg] of bad)
    it(`refuses ${JSON.stringify(opts)} with a ConfigError naming the field`, () => {
      expect(() => new Wire(world, opts)).toThrow(ConfigError);
      expect(() => new Wire(world, opts)).toThrow(msg);
    });
});

function popcount(x: number): number {
  let n = 0;
  for (; x; x &= x - 1) n++;
  return n;
}

describe("the frame pool every wire lends from", () => {
  it("a second transfer on new machines and a new wire makes no frame buffer: it lends those the first gave back", async () => {
    const opts = { profile: "default", semantics: "copy", bytes: 1 << 20, mtu: 1500 };
    const first = await runDatagram(opts);
    const made = framePool.made;
    expect(made).toBeGreaterThan(0); // the first made them in the pool every wire shares
    const second = await runDatagram(opts);
    expect(framePool.made).toBe(made);
    expect(second).toEqual(first);
  });
});
