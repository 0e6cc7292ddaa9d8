// Malformed input never harms the kernel. Raw frames are fed straight into machine b's NIC, as
// if they came off the wire, while a receive waits on b's socket (port 2000). For each class of
// bad input: exactly its Drop reason is counted, nothing reaches the socket, every buffer goes
// back (free frames return to the baseline), the invariants hold (checked after each test), and
// a normal (fragmented) datagram sent right after still arrives byte for byte. Every class runs on
// the plain adapter; those whose path the adapter's features change (where the header split
// falls, what the device sums, which queue a frame lands on) also run with header split, with
// checksum offload, and with every feature at once. A fuzz test on each adapter ends the file.

import { afterAll, describe, expect, it } from "vitest";
import { Drop, ETH_HLEN, PAGE_SIZE, Rng, Sem, type Machine } from "../../tools/host/index";
import type { PendingRecv } from "../../tools/host/process";
import { pattern } from "./machines";
import { pair, type Pair, type PairOptions } from "./netpair";
import { ether, fixIpChecksum, fragment, fragments, ipv4, onesSum, udp, udpFrame } from "./frames";


const BUF = 12 * 1024; // receive buffer: the largest datagram here is 9000 bytes
const NORMAL = 3000; // the datagram sent after the bad input: three fragments at MTU 1500
const STEP = 1480; // IP payload per fragment at MTU 1500
const SOCKET_QUEUE = 64; // SOCK_QMAX (net/socket.ts)
const REASM_SLOTS = 16; // net/reasm.ts
const REASM_TIMEOUT_NS = 30e9;

interface Rig extends Pair {
  va: number;
  vb: number;
  /** The receive waiting on b's socket (null once it completed and none is posted). */
  rx: PendingRecv | null;
  /** b's free frames with the receive posted and nothing in flight. */
  baseline: number;
}

/** rig: machines a and b with touched buffers and, unless told not to, a receive
 *  waiting on b's socket; free frames of b measured then. */
async function rig(nic: PairOptions = {}, opts: { recv?: boolean } = {}): Promise<Rig> {
  const p = await pair({ memory: "8M", ...nic });
  const va = p.pa.mmap(BUF), vb = p.pb.mmap(BUF);
  p.pa.fill(va, BUF, 0);
  p.pb.fill(vb, BUF, 0); // faulted in now, so the baseline below already holds these frames
  const rx = opts.recv === false ? null : p.pb.postRecv(p.fb, vb, BUF, { sem: Sem.COPY });
  p.a.world.run();
  return { ...p, va, vb, rx, baseline: p.b.freeFrames };
}

/** inject: these frames arrive at b's NIC now; the world runs until everything is handled
 *  (1 ms: long enough for every frame, far short of a reassembly timeout). */
function inject(r: Rig, ...frames: Uint8Array[]): void {
  const w = r.b.world;
  for (const f of frames) r.b.nics[0].receiveFrame(f, w.now);
  w.run(w.now + 1e6);
}

/** later: let ns of simulated time pass (the events due meanwhile run). */
function later(m: Machine, ns: number): void {
  const w = m.world;
  w.run(w.now + ns);
}

/** expectReceived: the waiting receive completed with len bytes equal to data, from (ip, port). */
function expectReceived(r: Rig, data: Uint8Array, from = { ip: 0x0a000001, port: 1000 }): void {
  expect(r.rx, "a receive was waiting").not.toBeNull();
  const got = r.rx!.wait();
  expect(got).toMatchObject({ len: data.length, ...from });
  expect(r.pb.load(r.vb, data.length)).toEqual(data);
  r.rx = null;
}

/** expectNothingReceived: the waiting receive is still waiting. */
function expectNothingReceived(r: Rig): void {
  expect(r.rx?.ready ?? false, "no datagram reached the socket").toBe(false);
}

/** expectStillDelivers: a normal fragmented datagram a -> b arrives intact; the drops are then exactly
 *  `drops` (unless null), and b's free frames are back at the baseline. */
function expectStillDelivers(r: Rig, drops: Record<string, number> | null, len = NORMAL, exactFrames = true): void {
  if (!r.rx) r.rx = r.pb.postRecv(r.fb, r.vb, BUF, { sem: Sem.COPY });
  const data = pattern(len, 4242);
  r.pa.store(r.va, data);
  r.pa.sendto(r.fa, r.va, len, { ip: "10.0.0.2", port: 2000, sem: Sem.COPY });
  expectReceived(r, data);
  r.a.world.run();
  r.rx = r.pb.postRecv(r.fb, r.vb, BUF, { sem: Sem.COPY });
  if (drops) expect(r.b.drops()).toEqual(drops);
  if (exactFrames) expect(r.b.freeFrames, "b's free frames back at the baseline").toBe(r.baseline);
  else r.b.check(); // (a steered queue's buffers come and go with the receives)
  if (!drops?.NoBuffer) expect(r.b.nics[0].stats.rxNoBuffer).toBe(0);
}

const cut = (f: Uint8Array, n: number) => f.slice(0, n);
const flip = (f: Uint8Array, byte: number, bit = 0) => {
  const g = f.slice();
  g[byte] ^= 1 << bit;
  return g;
};
const IP = ETH_HLEN; // offset of the IPv4 header in a frame
const UDP_DATA = ETH_HLEN + 20 + 8; // offset of the UDP data in a frame without IP options

/** One class of bad input: its frames, the one Drop reason they are counted as, and how many
 *  drops that makes (frames are counted one by one up to IP; a whole datagram once by UDP). */
interface BadCase {
  what: string;
  drop: Drop;
  count: number;
  frames: () => Uint8Array[];
  /** Adapter features change how this input reaches the kernel (where the header split falls,
   *  what the device sums, which queue it lands on): try it on every adapter. */
  features?: boolean;
}

const dgram = (len = 100, seed = 1) => pattern(len, seed);

const BAD: BadCase[] = [
  {
    what: "an empty frame, or one cut inside its Ethernet, IPv4 or UDP header",
    drop: Drop.Truncated,
    count: 4,
    features: true,
    frames: () => [
      new Uint8Array(0),
      cut(udpFrame(dgram()), 10),
      cut(udpFrame(dgram()), ETH_HLEN + 12),
      ether(ipv4(udp(dgram()).subarray(0, 4))), // IP length agrees: only 4 bytes of UDP header
    ],
  },
  {
    what: "a frame whose ethertype is not IPv4 (ARP, IPv6)",
    drop: Drop.BadProto,
    count: 2,
    frames: () => [ether(new Uint8Array(28).fill(1), { type: 0x0806 }), ether(new Uint8Array(48).fill(0x60), { type: 0x86dd })],
  },
  {
    what: "an IP version 6 header under the IPv4 ethertype",
    drop: Drop.BadIpHeader,
    count: 1,
    frames: () => [ether(ipv4(udp(dgram()), { version: 6 }))],
  },
  {
    what: "an IPv4 header length (IHL) below 5 words",
    drop: Drop.BadIpHeader,
    count: 2,
    features: true,
    frames: () => [ether(ipv4(udp(dgram()), { ihl: 0 })), ether(ipv4(udp(dgram()), { ihl: 4 }))],
  },
  {
    what: "an IP total length beyond the frame",
    drop: Drop.BadIpLength,
    count: 2,
    features: true,
    frames: () => [ether(ipv4(udp(dgram()), { totLen: 20 + 108 + 1 })), cut(udpFrame(dgram(1000)), 100)],
  },
  {
    what: "an IP total length below the IP header length",
    drop: Drop.BadIpLength,
    count: 2,
    features: true,
    frames: () => [ether(ipv4(udp(dgram()), { totLen: 19 })), ether(ipv4(udp(dgram()), { totLen: 0 }))],
  },
  {
    what: "a wrong IP header checksum",
    drop: Drop.BadIpChecksum,
    count: 3,
    frames: () => [flip(udpFrame(dgram()), IP + 10, 3), flip(udpFrame(dgram()), IP + 15, 0), flip(fragments(dgram(3000), STEP, { id: 0x4001 })[1], IP + 6, 1)],
  },
  {
    what: "an IP protocol other than UDP (ICMP, TCP)",
    drop: Drop.BadProto,
    count: 2,
    frames: () => [ether(ipv4(new Uint8Array(64).fill(8), { proto: 1 })), ether(ipv4(new Uint8Array(40).fill(6), { proto: 6 }))],
  },
  {
    what: "a UDP length below 8",
    drop: Drop.BadUdpLength,
    count: 2,
    features: true,
    frames: () => [udpFrame(dgram(), { len: 0 }), udpFrame(dgram(), { len: 7 })],
  },
  {
    what: "a UDP length beyond the IP payload (whole or reassembled)",
    drop: Drop.BadUdpLength,
    count: 2,
    features: true,
    frames: () => [udpFrame(dgram(), { len: 109 }), ...fragments(dgram(3000), STEP, { id: 0x4002, len: 3009 })],
  },
  {
    what: "a wrong UDP checksum (single packet or fragmented datagram)",
    drop: Drop.BadUdpChecksum,
    count: 3,
    features: true,
    frames: () => {
      const f = fragments(dgram(3000), STEP, { id: 0x4003 });
      f[2] = flip(f[2], f[2].length - 1, 7); // a data bit in the last fragment
      return [flip(udpFrame(dgram()), UDP_DATA + 50, 2), udpFrame(dgram(), { csum: 0x1234 }), ...f];
    },
  },
  {
    what: "overlapping fragments (the whole datagram goes)",
    drop: Drop.FragOverlap,
    count: 2,
    frames: () => {
      const whole = udp(dgram(3000));
      return [
        fragment(whole.subarray(0, 1480), 0, true, { id: 0x4004 }),
        fragment(whole.subarray(1472, 2000), 1472, true, { id: 0x4004 }), // starts inside the first
        fragment(whole.subarray(1480, 2960), 1480, true, { id: 0x4005 }),
        fragment(whole.subarray(8, 1488), 8, true, { id: 0x4005 }), // ends inside the first
      ];
    },
  },
  {
    what: "a fragment reaching past the largest IP datagram (65515 payload bytes)",
    drop: Drop.FragOversize,
    count: 2,
    frames: () => [fragment(new Uint8Array(24), 65504, true, { id: 0x4006 }), fragment(new Uint8Array(8), 65512, false, { id: 0x4007 })],
  },
  {
    what: "a non-final fragment whose length is not a multiple of 8, or an empty fragment",
    drop: Drop.FragLength,
    count: 2,
    frames: () => [fragment(udp(dgram(3000)).subarray(0, 1001), 0, true, { id: 0x4008 }), fragment(new Uint8Array(0), 1480, true, { id: 0x4009 })],
  },
  {
    what: "a datagram to a port no socket is bound to",
    drop: Drop.NoSocket,
    count: 2,
    features: true,
    frames: () => [udpFrame(dgram(), { dport: 3000 }), ...fragments(dgram(3000), STEP, { id: 0x400a, dport: 2001 })],
  },
];

const NICS: [string, PairOptions][] = [
  ["plain adapter", {}],
  ["header split", { headerSplit: true }],
  ["checksum offload", { checksumOffload: true }],
  ["split, offload and early demux", { headerSplit: true, checksumOffload: true, earlyDemux: true }],
];

for (const [label, nic] of NICS) {
  describe(`malformed input on the ${label}`, () => {
    for (const c of BAD.filter((c) => c.features || label === NICS[0][0])) {
      it(`${c.what} is dropped as ${Drop[c.drop]} only; no delivery, no leak, the next datagram arrives intact`, async () => {
        const r = await rig(nic);
        const frames = c.frames();
        inject(r, ...frames);
        const expected = { [Drop[c.drop]]: c.count };
        expect(r.b.drops()).toEqual(expected);
        expectNothingReceived(r);
        expect(r.b.freeFrames, "every buffer released").toBe(r.baseline);
        expectStillDelivers(r, expected);
      });
    }

    it("a UDP checksum of 0 means none: the datagram is accepted, single or fragmented", async () => {
      const r = await rig(nic);
      inject(r, udpFrame(dgram(100, 3), { csum: "none" }));
      expectReceived(r, dgram(100, 3));
      r.rx = r.pb.postRecv(r.fb, r.vb, BUF, { sem: Sem.COPY });
      inject(r, ...fragments(dgram(3000, 4), STEP, { id: 0x4100, csum: "none" }));
      expectReceived(r, dgram(3000, 4));
      expectStillDelivers(r, {});
    });

    it("padding after the IP packet or the UDP datagram is ignored, even in a frame longer than any IP packet; IP options are skipped", async () => {
      const r = await rig(nic);
      const data = dgram(5, 5);
      const again = () => (r.rx = r.pb.postRecv(r.fb, r.vb, BUF, { sem: Sem.COPY }));
      const padded = (f: Uint8Array, n: number) => {
        const g = new Uint8Array(n).fill(0xee);
        g.set(f);
        return g;
      };
      inject(r, padded(udpFrame(data), 60)); // Ethernet padding to the 60-byte minimum
      expectReceived(r, data);
      again();
      // A frame of 120,000 bytes fills 30 receive buffers: more than a packet can own, all
      // past the largest IP packet.
      inject(r, padded(udpFrame(data), 120_000));
      expectReceived(r, data);
      again();
      inject(r, ether(ipv4(padded(udp(data), 13 + 11)))); // the IP payload runs on past the UDP length
      expectReceived(r, data);
      again();
      // The same for a fragmented datagram: 2000 bytes of UDP data in 4008 bytes of IP payload.
      const long = dgram(2000, 6);
      const whole = padded(udp(long), 4008);
      inject(r, ...[0, 1480, 2960].map((off) => fragment(whole.subarray(off, off + 1480), off, off + 1480 < 4008, { id: 0x4101 })));
      expectReceived(r, long);
      again();
      for (const options of [Uint8Array.of(1, 1, 1, 0), new Uint8Array(40).fill(1)]) {
        inject(r, ether(ipv4(udp(data), { options }))); // NOPs then end of list; 40 bytes: IHL 15
        expectReceived(r, data);
        again();
      }
      expectStillDelivers(r, {});
    });

    it("a duplicate fragment is dropped alone (FragDuplicate) and its datagram still completes", async () => {
      const r = await rig(nic);
      const data = dgram(4000, 6);
      const f = fragments(data, STEP, { id: 0x4200 });
      inject(r, f[0], f[0].slice(), f[1], f[1].slice());
      expect(r.b.drops()).toEqual({ FragDuplicate: 2 });
      expectNothingReceived(r);
      inject(r, f[2]);
      expectReceived(r, data);
      expect(r.b.freeFrames).toBe(r.baseline);
      expectStillDelivers(r, { FragDuplicate: 2 });
    });

    it("fragments arriving in any order reassemble byte for byte", async () => {
      const r = await rig(nic);
      const data = dgram(9000, 7);
      const f = fragments(data, STEP, { id: 0x4300 });
      inject(r, ...[f[6], f[2], f[0], f[5], f[3], f[1], f[4]]);
      expectReceived(r, data);
      expect(r.b.freeFrames).toBe(r.baseline);
      expectStillDelivers(r, {});
    });
  });
}

describe("limits", () => {
  it("a socket nobody reads queues 64 datagrams; the excess is dropped as SocketFull and the queued ones are read in order", async () => {
    const r = await rig({}, { recv: false });
    const n = SOCKET_QUEUE + 6;
    for (let i = 0; i < n; i++) {
      r.pa.store(r.va + i * 128, dgram(100, 1000 + i));
      r.pa.sendto(r.fa, r.va + i * 128, 100, { ip: "10.0.0.2", port: 2000, sem: Sem.COPY });
    }
    r.a.world.run();
    expect(r.b.drops()).toEqual({ SocketFull: 6 });
    expect(r.b.counters().datagramsReceived).toBe(0); // queued, not yet delivered
    for (let i = 0; i < SOCKET_QUEUE; i++) {
      const got = r.pb.recvfrom(r.fb, r.vb, BUF, { dontwait: true, sem: Sem.COPY });
      expect(got?.len, `datagram ${i}`).toBe(100);
      expect(r.pb.load(r.vb, 100), `datagram ${i}`).toEqual(dgram(100, 1000 + i));
    }
    expect(r.pb.recvfrom(r.fb, r.vb, BUF, { dontwait: true })).toBeNull();
    expect(r.b.freeFrames).toBe(r.baseline);
    expectStillDelivers(r, { SocketFull: 6 });
  });

  it("an incomplete datagram is held until 30 s after its first fragment, then expires (ReasmTimeout) on the timer, with no further traffic, and its buffers are freed", async () => {
    const r = await rig();
    // Completed within 30 s: delivered.
    const early = dgram(3000, 8);
    const e = fragments(early, STEP, { id: 0x4400 });
    inject(r, e[0]);
    later(r.b, REASM_TIMEOUT_NS - 1e9);
    inject(r, e[1], e[2]);
    expectReceived(r, early);
    expect(r.b.timer.armed, "no alarm once nothing is pending").toBe(false);
    r.rx = r.pb.postRecv(r.fb, r.vb, BUF, { sem: Sem.COPY });
    // Never completed: its first fragment holds one frame until the timer goes off 30 s later.
    const late = fragments(dgram(3000, 9), STEP, { id: 0x4401 });
    const t0 = r.b.world.now;
    inject(r, late[0]);
    expect(r.b.freeFrames).toBe(r.baseline - 1);
    expect(r.b.timer.armed).toBe(true);
    r.b.world.run(t0 + REASM_TIMEOUT_NS - 1e6);
    expect(r.b.drops(), "still held just before its time").toEqual({});
    const interrupts = r.b.counters().interrupts;
    r.b.world.run(); // nothing but the timer is left to happen
    expect(r.b.world.now).toBeLessThan(t0 + REASM_TIMEOUT_NS + 1e6);
    expect(r.b.counters().interrupts - interrupts, "one timer interrupt").toBe(1);
    expect(r.b.drops()).toEqual({ ReasmTimeout: 1 });
    expect(r.b.freeFrames, "its frame is free again").toBe(r.baseline);
    expect(r.b.timer.armed).toBe(false);
    expectNothingReceived(r);
    // A late fragment of the expired datagram starts a new one (and expires in its turn).
    inject(r, late[1]);
    later(r.b, REASM_TIMEOUT_NS + 1e9);
    expectStillDelivers(r, { ReasmTimeout: 2 });
  });

  it(`the ${REASM_SLOTS + 1}th incomplete datagram is refused (ReasmTableFull); whole datagrams still arrive, and the table drains after the timeout`, async () => {
    const r = await rig();
    const firsts = Array.from({ length: REASM_SLOTS + 1 }, (_, i) => fragments(dgram(3000, 10 + i), STEP, { id: 0x4500 + i })[0]);
    inject(r, ...firsts);
    expect(r.b.drops()).toEqual({ ReasmTableFull: 1 });
    expect(r.b.freeFrames).toBe(r.baseline - REASM_SLOTS);
    expectNothingReceived(r);
    // A datagram that needs no reassembly is not affected.
    const small = dgram(1000, 11);
    r.pa.store(r.va, small);
    r.pa.sendto(r.fa, r.va, small.length, { ip: "10.0.0.2", port: 2000, sem: Sem.COPY });
    expectReceived(r, small);
    later(r.b, REASM_TIMEOUT_NS + 1e9);
    expect(r.b.drops(), "the table drained on the timer").toEqual({ ReasmTableFull: 1, ReasmTimeout: REASM_SLOTS });
    expect(r.b.freeFrames).toBe(r.baseline);
    expectStillDelivers(r, { ReasmTableFull: 1, ReasmTimeout: REASM_SLOTS });
  });
});

// ---- fuzz ------------------------------------------------------------------------------------

/** Valid frames the mutations start from, and the datagrams they carry (all to port 2000). */
function fuzzBases(mtu = 1500): { frames: Uint8Array[]; datagrams: Uint8Array[] } {
  const step = (mtu - 20) & ~7; // IP payload per fragment at this MTU
  const datagrams = [dgram(100, 21), dgram(mtu - 28, 22), dgram(2 * step + 40, 23), dgram(20, 24)];
  const frames = [
    udpFrame(datagrams[0], { id: 0x5001 }),
    udpFrame(datagrams[1], { id: 0x5002 }),
    ...fragments(datagrams[2], step, { id: 0x5003 }),
    ether(ipv4(udp(datagrams[3]), { id: 0x5004, options: Uint8Array.of(1, 1, 1, 1) })),
  ];
  return { frames, datagrams };
}

/** fuzzFrame: one random frame: random bytes, a valid header over random bytes, a random IPv4
 *  header, random IP options (jumbogram options among them), or a valid frame with bit flips, a
 *  cut, and edited length / offset fields. */
function fuzzFrame(rng: Rng, bases: Uint8Array[]): Uint8Array {
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => rng.below(256));
  const kind = rng.below(9);
  if (kind === 0) return bytes(1 + rng.below(1600));
  if (kind === 1) return ether(bytes(rng.below(1500)));
  if (kind === 8) {
    // IP options: random bytes, or a jumbogram option (net/jumbo.ts) with random fields; to a
    // closed port, since the rest of the datagram is valid.
    const opt = bytes(4 * (1 + rng.below(10)));
    if (rng.below(2)) {
      const at = 4 * rng.below(opt.length / 4);
      if (at + 12 <= opt.length) {
        opt.set([0x9e, rng.below(4) ? 12 : rng.below(256), 0, 0], at);
        const dv = new DataView(opt.buffer);
        dv.setUint32(at + 4, [rng.below(70000), 65516 + rng.below(1 << 20), rng.next32()][rng.below(3)]);
        dv.setUint32(at + 8, [0, 8 * rng.below(20000), rng.next32()][rng.below(3)]);
        for (let i = 0; i < at; i++) opt[i] = 1; // NOPs before it
      }
    }
    const f = udpFrame(bytes(rng.below(1400)), { dport: 2001, id: rng.below(4), len: rng.below(3) ? undefined : 0, ip: { options: opt, more: rng.below(2) === 0 } });
    return rng.below(4) === 0 ? f : fixIpChecksum(f);
  }
  if (kind === 2) {
    const payload = bytes(rng.below(1480));
    const f = ether(ipv4(payload, {
      ihl: rng.below(4) === 0 ? rng.below(16) : undefined,
      totLen: rng.below(3) === 0 ? rng.below(65536) : undefined,
      proto: [17, 17, 17, 1, 6, rng.below(256)][rng.below(6)],
      off: rng.below(2) ? rng.below(8192) * 8 : 0,
      more: rng.below(2) === 0,
      id: rng.below(4),
    }));
    return rng.below(4) === 0 ? f : fixIpChecksum(f);
  }
  let g = bases[rng.below(bases.length)].slice();
  const edits = 1 + rng.below(3);
  for (let i = 0; i < edits; i++) {
    const dv = new DataView(g.buffer);
    const e = rng.below(6);
    if (e === 0) { const at = rng.below(2) ? rng.below(Math.min(g.length, 64)) : rng.below(g.length); g[at] ^= 1 << rng.below(8); }
    else if (e === 1) g = g.slice(0, 1 + rng.below(g.length));
    else if (e === 2 && g.length >= IP + 4) dv.setUint16(IP + 2, rng.below(2) ? rng.below(65536) : dv.getUint16(IP + 2) + rng.below(33) - 16);
    else if (e === 3 && g.length >= UDP_DATA) dv.setUint16(IP + 24, rng.below(2) ? rng.below(65536) : dv.getUint16(IP + 24) + rng.below(33) - 16);
    else if (e === 4 && g.length >= IP + 8) dv.setUint16(IP + 6, rng.below(65536));
    else if (e === 5 && g.length > IP) g[IP] = (g[IP] & 0xf0) | rng.below(16);
  }
  return rng.below(2) ? fixIpChecksum(g) : g;
}

// The fuzz runs on every adapter configuration: header split, checksum offload and early
// demultiplexing each on and off (with split off and demux on, the driver patches headers),
// at MTU 1500 and 9000. At MTU 1500 the machines are Pentium-era (credit-net-1997): the kernel
// takes far longer per frame than the line gives it, the receive ring overflows in every
// burst and the adapter misses frames (NoBuffer); at MTU 9000 they are current servers.
const FUZZ_NICS: [string, PairOptions][] = [1500, 9000].flatMap((mtu) =>
  [0, 1, 2, 3, 4, 5, 6, 7].map((bits): [string, PairOptions] => {
    const o = { mtu, headerSplit: (bits & 1) !== 0, checksumOffload: (bits & 2) !== 0, earlyDemux: (bits & 4) !== 0, profile: mtu === 1500 ? "credit-net-1997" : "server-2025" };
    const on = [o.headerSplit && "header split", o.checksumOffload && "checksum offload", o.earlyDemux && "early demux"].filter(Boolean);
    return [`MTU ${mtu} adapter with ${on.length ? on.join(", ") : "no features"} (${o.profile})`, o];
  }));

const FUZZ_FRAMES = 2000;
const BURST = 250; // frames back to back, then the socket is read
const LINE_BPS = 10e9; // the rate they arrive at: a 10 Gbit/s link, 8 bytes of preamble and 12 of gap each

/** burst: frames arrive at b's NIC back to back at line rate from now on; the world runs until
 *  they are handled (not until reassembly's timer). */
function burst(r: Rig, frames: Uint8Array[]): void {
  const w = r.b.world, nic = r.b.nics[0];
  let t = w.now;
  for (const f of frames) {
    const at = t;
    w.at(at, () => nic.receiveFrame(f, at), "fuzz frame");
    t += ((f.length + 20) * 8 * 1e9) / LINE_BPS;
  }
  w.run(t + 1e6);
}

describe("fuzz at full rate", () => {
  for (const [label, nic] of FUZZ_NICS) {
    it(`${FUZZ_FRAMES.toLocaleString("en")} random and mutated frames at line rate on the ${label}: no trap, invariants hold, no leak, every frame delivered or dropped for a counted reason, nothing delivered that fails its checksum`, async () => {
      const r = await rig(nic, { recv: false });
      const rng = new Rng(0xf022 + FUZZ_NICS.findIndex(([l]) => l === label));
      const { frames: bases, datagrams } = fuzzBases(nic.mtu ?? 1500);
      const received: { data: Uint8Array; port: number; ip: number }[] = [];
      const nicStats = r.b.nics[0].stats;
      const rx0 = nicStats.rxPackets, kernel0 = r.b.counters().packetsReceived;
      const accounted = () => {
        const f = r.b.frameFates();
        return f.delivered + Object.values(f.dropped).reduce((x, y) => x + y, 0);
      };
      const accounted0 = accounted();
      const summary0 = r.b.frameSummary();
      // A receive waits now and then (emulated copy: the adapter lays data out for it, early
      // demultiplexing steers to its queue, header patching patches), else the socket is read.
      let rx: PendingRecv | null = null, rxVa = 0;
      const drain = (post: boolean) => {
        if (rx?.ready) {
          const got = rx.wait();
          received.push({ data: r.pb.load(rxVa, got.len), port: got.port, ip: got.ip });
          rx = null;
        }
        if (rx) return;
        for (let got; (got = r.pb.recvfrom(r.fb, r.vb, BUF, { dontwait: true, sem: Sem.COPY })); ) received.push({ data: r.pb.load(r.vb, got.len), port: got.port, ip: got.ip });
        if (post && rng.below(2)) {
          rxVa = r.vb + rng.below(2) * 100;
          rx = r.pb.postRecv(r.fb, rxVa, BUF - 100, { sem: Sem.EMULATED_COPY });
        }
      };
      for (let sent = 0; sent < FUZZ_FRAMES; sent += BURST) {
        burst(r, Array.from({ length: BURST }, () => fuzzFrame(rng, bases)));
        drain(true);
        r.b.check();
      }
      // Reassembly's timer frees what never completed; what is left is read.
      r.b.world.run();
      drain(false);
      if (rx) {
        // Still waiting: one more datagram completes it.
        const data = dgram(100, 99);
        r.pa.store(r.va, data);
        r.pa.sendto(r.fa, r.va, data.length, { ip: "10.0.0.2", port: 2000, sem: Sem.COPY });
        r.a.world.run();
        drain(false);
        expect(rx).toBeNull();
        expect(received.pop()?.data).toEqual(data);
      }
      // No frame leaked: the check accounts for every frame (free, or held by a ring, a layout,
      // a packet, reassembly or a socket); without early demultiplexing the free frames are
      // back at the baseline exactly (a steered queue may hold fewer buffers than before: the
      // driver posts there for the receives that wait).
      r.b.check();
      if (nic.earlyDemux) expect(r.b.freeFrames).toBeGreaterThanOrEqual(r.baseline);
      else expect(r.b.freeFrames, "every buffer is back").toBe(r.baseline);
      expect(r.b.frameSummary().ANON).toBe(summary0.ANON);
      expect(r.b.timer.armed, "nothing left in reassembly").toBe(false);
      // Every frame is accounted for: the adapter missed it (NoBuffer), or the kernel took it and
      // its datagram reached the socket, or it was dropped for a counted reason.
      const fates = r.b.frameFates();
      const frames = nicStats.rxPackets - rx0;
      expect(accounted() - accounted0, `frames ${frames}: ${JSON.stringify(fates)}`).toBe(frames);
      expect(fates.dropped.NoBuffer ?? 0).toBe(nicStats.rxNoBuffer);
      expect(r.b.drops().NoBuffer ?? 0).toBe(nicStats.rxNoBuffer);
      expect(r.b.counters().packetsReceived - kernel0, "the kernel took every frame the adapter did not miss").toBe(frames - nicStats.rxNoBuffer);
      const drops = r.b.drops();
      expect(Object.keys(drops).length, JSON.stringify(drops)).toBeGreaterThan(8);
      fuzzFigures.push({ label, frames, delivered: fates.delivered, dropped: fates.dropped });
      // Whatever got through passed its UDP checksum: one of the valid datagrams from
      // 10.0.0.1:1000, or one whose bit flips cancel in the one's-complement sum (say +2 and -2
      // in the same byte lane of the source address or port and the data, or of the source and
      // the checksum field itself), which no Internet checksum can see.
      type Got = { data: Uint8Array; port: number; ip: number };
      const same = (x: Uint8Array, d: Got) => x.length === d.data.length && x.every((v, i) => v === d.data[i]);
      const exact = (x: Uint8Array, d: Got) => d.port === 1000 && d.ip === 0x0a000001 && same(x, d);
      const from = (ip: number, port: number) => onesSum(Uint8Array.of(ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255, port >>> 8, port & 255));
      const sameSum = (x: Uint8Array, d: Got) => x.length === d.data.length && onesSum(x, from(0x0a000001, 1000)) === onesSum(d.data, from(d.ip, d.port));
      for (const d of received) expect(datagrams.some((x) => same(x, d) || sameSum(x, d)), `delivered ${d.data.length} bytes from ${d.ip.toString(16)}:${d.port}`).toBe(true);
      expect(received.filter((d) => datagrams.some((x) => exact(x, d))).length).toBeGreaterThan(0);
      r.baseline = r.b.freeFrames;
      expectStillDelivers(r, drops, NORMAL, !nic.earlyDemux);
    });
  }
});

// Figures for docs/reliability.md: GENIE_NETDROP_FIGURES=1 prints each run's frames and fates.
const fuzzFigures: { label: string; frames: number; delivered: number; dropped: Record<string, number> }[] = [];
afterAll(() => {
  if (process.env.GENIE_NETDROP_FIGURES === "1") console.log(JSON.stringify(fuzzFigures, null, 1));
});

describe("a receive posted while a datagram arrives", () => {
  it("early demultiplexing: laying out the socket's queue for a new receive never throws away a packet the adapter has completed and the interrupt not yet taken", async () => {
    // Posted at every moment of a fragmented datagram's arrival (the layout used to reset the
    // queue under a completed fragment: it vanished uncounted, its datagram expired, and a
    // later one overtook it).
    for (let steps = 0; steps < 30; steps++) {
      const p = await pair({ memory: "2M", earlyDemux: true });
      const w = p.a.world;
      const src = p.pa.mmap(4 * PAGE_SIZE);
      p.pa.store(src, pattern(4 * PAGE_SIZE, 5));
      const dst = p.pb.mmap(4 * PAGE_SIZE);
      p.pa.sendto(p.fa, src, 3278, { ip: "10.0.0.2", port: 2000 }); // three fragments
      for (let i = 0; i < steps && w.step(); i++);
      const first = p.pb.postRecv(p.fb, dst, 1, { sem: Sem.EMULATED_COPY });
      p.pa.sendto(p.fa, src + 6, 17, { ip: "10.0.0.2", port: 2000 });
      expect(first.wait().len, `after ${steps} events`).toBe(1);
      expect(p.pb.load(dst, 1)[0], `after ${steps} events: the first datagram comes first`).toBe(pattern(1, 5)[0]);
      const second = p.pb.postRecv(p.fb, dst + 0x13f, 2273, { sem: Sem.EMULATED_MOVE });
      p.pa.sendto(p.fa, src + 2, 2947, { ip: "10.0.0.2", port: 2000 });
      w.run();
      expect(second.wait().len, `after ${steps} events: the 17-byte datagram is next`).toBe(17);
      expect(p.b.drops(), `after ${steps} events`).toEqual({});
      expect(p.b.frameFates().delivered, `after ${steps} events: 6 frames, each delivered`).toBe(6);
    }
  });
});
