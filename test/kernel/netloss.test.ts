// Loss, duplication, reordering and corruption, as UDP must take them. Machine a sends numbered
// datagrams (a third of them fragmented at MTU 1500) over a wire with seeded impairments; b reads
// whatever arrives. The test watches the frames a put on the wire and the frames b's adapter got,
// and from those alone predicts, per datagram, how many copies UDP must deliver:
//   - a single-packet datagram: one copy per intact arrival (a duplicated one may come twice);
//   - a fragmented datagram: one copy if every fragment arrived intact at least once, else none
//     (a lost or corrupted fragment loses exactly its datagram; duplicates never make a second copy).
// "Intact" means equal to what was sent from the ethertype on: the kernel does not filter on the
// MAC address, so a flipped bit there is harmless. Every copy delivered must be byte-exact.

import { describe, expect, it } from "vitest";
import { ETH_HLEN, Sem, type Machine, type WireCounters, type WireOptions } from "../../tools/host/index";
import { pattern } from "./machines";
import { pair, type PairOptions } from "./netpair";
import { fragments } from "./frames";


const SIZES = [4000, 100, 1472, 2960, 8, 600]; // 4000 and 2960 bytes need three fragments
const BURST = 8; // datagrams sent back to back (the wire reorders within a burst)
const BURSTS = 6;
const N = BURST * BURSTS;
const BUF = 8192;
const REASM_TIMEOUT_NS = 30e9;

/** payload: datagram i's bytes: its number (big-endian), then a pattern of its own. */
function payload(i: number): Uint8Array {
  const d = pattern(SIZES[i % SIZES.length], 100 + i);
  new DataView(d.buffer).setUint32(0, i);
  return d;
}

const latin1 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");

interface Outcome {
  /** Copies of each datagram delivered to b's socket, and what the arrivals predict. */
  delivered: number[];
  expected: number[];
  /** Datagram numbers in the order b's socket got them. */
  order: number[];
  fragmented: boolean[];
  /** Fragmented datagrams with a fragment lost or corrupted; those of them with some fragment
   *  intact (with loss alone: held by reassembly until they expire); delivered ones whose
   *  fragments came out of order. */
  brokenFragmented: number;
  partial: number;
  outOfOrder: number;
  /** b's drops once everything pending has expired. */
  drops: Record<string, number>;
  wire: WireCounters;
  /** Free frames of a and b at the start and after everything expired. */
  freeBefore: [number, number];
  freeAfter: [number, number];
}

/** lossy: send N datagrams a -> b over a wire with these impairments; what came of them. */
async function lossy(wire: Partial<WireOptions>, seed: number, nic: PairOptions = {}): Promise<Outcome> {
  const p = await pair({ memory: "8M", seed, wire, ...nic });
  const va = p.pa.mmap(N * BUF), vb = p.pb.mmap(BUF);
  for (let i = 0; i < N; i++) p.pa.store(va + i * BUF, payload(i));
  p.pb.fill(vb, BUF, 0);
  p.a.world.run();
  const freeBefore: [number, number] = [p.a.freeFrames, p.b.freeFrames];

  // Watch the wire: frames a sent, frames b's adapter received (after the impairments).
  const sent: Uint8Array[] = [];
  const arrived: Uint8Array[] = [];
  const transmit = p.wire.transmit.bind(p.wire);
  p.wire.transmit = (from, bytes, t) => {
    sent.push(bytes.slice());
    return transmit(from, bytes, t);
  };
  const nicB = p.b.nics[0];
  const receive = nicB.receiveFrame.bind(nicB);
  nicB.receiveFrame = (bytes, t) => {
    arrived.push(bytes.slice());
    receive(bytes, t);
  };

  const delivered = new Array<number>(N).fill(0);
  const order: number[] = [];
  for (let b = 0; b < BURSTS; b++) {
    for (let i = b * BURST; i < (b + 1) * BURST; i++)
      p.pa.sendto(p.fa, va + i * BUF, SIZES[i % SIZES.length], { ip: "10.0.0.2", port: 2000, sem: Sem.COPY });
    p.a.world.run();
    for (let got; (got = p.pb.recvfrom(p.fb, vb, BUF, { dontwait: true, sem: Sem.COPY })); ) {
      const bytes = p.pb.load(vb, got.len);
      const i = got.len >= 4 ? new DataView(bytes.buffer).getUint32(0) : -1;
      expect(i >= 0 && i < N, `a datagram of ${got.len} bytes with no valid number`).toBe(true);
      expect(bytes, `datagram ${i} byte for byte`).toEqual(payload(i));
      delivered[i]++;
      order.push(i);
    }
    // Incomplete datagrams of this burst expire when the next one's first fragment comes in.
    later(p.a, REASM_TIMEOUT_NS + 1e9);
  }

  // The prediction, from the frames alone. a's datagrams have IP ids in sending order.
  const ids = new Map<number, number>(); // IP id -> datagram number
  const frameOf = new Map<string, { i: number; k: number }>(); // ethertype.. of a sent frame -> (datagram, fragment)
  const frags = new Map<number, number>(); // datagram -> fragments
  for (const f of sent) {
    const id = (f[ETH_HLEN + 4] << 8) | f[ETH_HLEN + 5];
    if (!ids.has(id)) ids.set(id, ids.size);
    const i = ids.get(id)!;
    const k = frags.get(i) ?? 0;
    frags.set(i, k + 1);
    frameOf.set(latin1(f.subarray(12)), { i, k });
  }
  expect(ids.size).toBe(N);
  const intact = Array.from({ length: N }, (_, i) => new Array<number>(frags.get(i)!).fill(0));
  const seen = Array.from({ length: N }, () => [] as number[]); // fragments in arrival order
  for (const f of arrived) {
    const x = frameOf.get(latin1(f.subarray(12)));
    if (!x) continue; // corrupted: must be dropped
    intact[x.i][x.k]++;
    seen[x.i].push(x.k);
  }
  const fragmented = intact.map((c) => c.length > 1);
  const expected = intact.map((c) => (c.length === 1 ? c[0] : c.every((n) => n > 0) ? 1 : 0));
  const brokenFragmented = intact.filter((c) => c.length > 1 && c.some((n) => n === 0)).length;
  const partial = intact.filter((c) => c.length > 1 && c.some((n) => n === 0) && c.some((n) => n > 0)).length;
  const outOfOrder = seen.filter((s, i) => fragmented[i] && delivered[i] > 0 && s.some((k, j) => j > 0 && k < s[j - 1])).length;

  // Nothing leaks: with the sockets closed and everything pending expired, every frame is back.
  // A last fragmented datagram, straight into b's adapter, makes reassembly expire what is left;
  // it goes to the closed port (one NoSocket, not counted below).
  p.pb.close(p.fb);
  p.pa.close(p.fa);
  later(p.a, REASM_TIMEOUT_NS + 1e9);
  for (const f of fragments(new Uint8Array(2000), 1480, { id: 0xfff0 })) receive(f, p.b.world.now);
  p.b.world.run();
  const freeAfter: [number, number] = [p.a.freeFrames, p.b.freeFrames];
  const { NoSocket, ...drops } = p.b.drops();
  expect(NoSocket).toBe(1);
  return { delivered, expected, order, fragmented, brokenFragmented, partial, outOfOrder, drops, wire: p.wire.counters(), freeBefore, freeAfter };
}

function later(m: Machine, ns: number): void {
  const w = m.world;
  w.at(w.now + ns, () => {});
  w.run();
}

/** expectSound: UDP delivered exactly what the arrivals predict, and no frame leaked. */
function expectSound(o: Outcome): void {
  for (let i = 0; i < N; i++) expect(o.delivered[i], `copies of datagram ${i} (${o.fragmented[i] ? "fragmented" : "one packet"})`).toBe(o.expected[i]);
  for (const why of ["ReasmTableFull", "ReasmMemory", "SocketFull"]) expect(o.drops[why], why).toBeUndefined();
  expect(o.freeAfter, "free frames of a and b back where they started").toEqual(o.freeBefore);
}

const only = (drops: Record<string, number>, allowed: string[]) => Object.keys(drops).filter((k) => !allowed.includes(k));

describe("UDP over an impaired wire", () => {
  it("a lost frame loses exactly its datagram: the others arrive, each once and byte-exact", async () => {
    const o = await lossy({ loss: 0.1 }, 3);
    expectSound(o);
    expect(o.wire.lost).toBeGreaterThan(0);
    expect(o.brokenFragmented, "fragmented datagrams that lost a fragment").toBeGreaterThan(0);
    expect(o.delivered.filter((n) => n === 1).length).toBeGreaterThan(N / 2);
    expect(o.delivered.every((n) => n <= 1)).toBe(true);
    // Each datagram left incomplete with fragments held expired once, after 30 s.
    expect(o.drops).toEqual(o.partial ? { ReasmTimeout: o.partial } : {});
  });

  it("a duplicated fragment is dropped, never making a second copy; a duplicated one-packet datagram may arrive twice", async () => {
    const o = await lossy({ duplicate: 0.25 }, 4);
    expectSound(o);
    expect(o.wire.duplicated).toBeGreaterThan(0);
    expect(o.drops.FragDuplicate).toBeGreaterThan(0);
    expect(o.delivered.every((n, i) => (o.fragmented[i] ? n === 1 : n === 1 || n === 2))).toBe(true);
    expect(o.delivered.some((n, i) => !o.fragmented[i] && n === 2), "a one-packet datagram delivered twice").toBe(true);
    expect(only(o.drops, ["FragDuplicate", "ReasmTimeout"])).toEqual([]);
  });

  it("reordered fragments still reassemble: every datagram arrives once", async () => {
    const o = await lossy({ reorder: 0.3 }, 5);
    expectSound(o);
    expect(o.wire.reordered).toBeGreaterThan(0);
    expect(o.delivered.every((n) => n === 1)).toBe(true);
    expect(o.outOfOrder, "datagrams whose fragments came out of order").toBeGreaterThan(0);
    expect(o.order).not.toEqual([...o.order].sort((x, y) => x - y)); // overtaken across datagrams too
    expect(o.drops).toEqual({});
  });

  for (const [label, nic] of [["", {}], [" (header split, checksum offload, early demux)", { headerSplit: true, checksumOffload: true, earlyDemux: true }]] as const)
    it(`a corrupted frame is dropped by a checksum, never delivered with wrong bytes${label}`, async () => {
      const o = await lossy({ corrupt: 0.15 }, 6, nic);
      expectSound(o);
      expect(o.wire.corrupted).toBeGreaterThan(0);
      const lost = o.expected.filter((n) => n === 0).length;
      expect(lost, "datagrams lost to corruption").toBeGreaterThan(0);
      expect(o.drops.BadUdpChecksum ?? 0, "caught by the UDP checksum").toBeGreaterThan(0);
      expect(o.drops.BadIpChecksum ?? 0, "caught by the IP header checksum").toBeGreaterThan(0);
      expect(only(o.drops, ["BadProto", "BadIpHeader", "BadIpLength", "BadIpChecksum", "BadUdpLength", "BadUdpChecksum", "Truncated", "ReasmTimeout"])).toEqual([]);
    });

  const all = { loss: 0.05, duplicate: 0.05, reorder: 0.1, corrupt: 0.05 };
  for (const [label, nic] of [["", {}], [" (header split, checksum offload, early demux)", { headerSplit: true, checksumOffload: true, earlyDemux: true }]] as const)
    it(`all impairments at once: what arrives is delivered as UDP allows, and the same seed gives the same run${label}`, async () => {
      const o1 = await lossy(all, 7, nic);
      const o2 = await lossy(all, 7, nic);
      const o3 = await lossy(all, 8, nic);
      for (const o of [o1, o2, o3]) expectSound(o);
      expect(o2).toEqual(o1);
      expect(o3.delivered).not.toEqual(o1.delivered);
      const w = o1.wire;
      expect(Math.min(w.lost, w.duplicated, w.reordered, w.corrupted), JSON.stringify(w)).toBeGreaterThan(0);
    });
});
