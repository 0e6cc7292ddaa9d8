// Packet capture (tools/host/pcap.ts) as Wireshark's own dissectors read it: frames built by hand
// here (Ethernet II / IPv4 / UDP, checksums computed here, independently of the kernel's net/
// code) go through a wire into a capture file, and tshark judges them. Needs tshark (a system test).

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ETHERNET, PcapWriter, Wire, World, type WireEnd } from "../../tools/host/index";
import { writePcapFile } from "../../tools/host/pcap-node";

// ---- Frames built by hand ----------------------------------------------------------------------

/** onesSum: 16-bit one's-complement sum of big-endian words (odd byte padded with zero). */
function onesSum(b: Uint8Array, sum = 0): number {
  for (let i = 0; i < b.length; i += 2) sum += (b[i] << 8) | (i + 1 < b.length ? b[i + 1] : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

interface UdpSpec {
  src: number;
  dst: number;
  sport: number;
  dport: number;
  id: number;
  payload: Uint8Array;
}

/** udpFrame: an Ethernet II / IPv4 (20-byte header, DF) / UDP frame with correct checksums. */
function udpFrame(s: UdpSpec): Uint8Array {
  const udpLen = 8 + s.payload.length;
  const f = new Uint8Array(14 + 20 + udpLen);
  const v = new DataView(f.buffer);
  f.set([0x02, 0, (s.dst >>> 24) & 255, (s.dst >>> 16) & 255, (s.dst >>> 8) & 255, s.dst & 255], 0);
  f.set([0x02, 0, (s.src >>> 24) & 255, (s.src >>> 16) & 255, (s.src >>> 8) & 255, s.src & 255], 6);
  v.setUint16(12, 0x0800);
  const ip = 14;
  v.setUint8(ip, 0x45);
  v.setUint16(ip + 2, 20 + udpLen);
  v.setUint16(ip + 4, s.id);
  v.setUint16(ip + 6, 0x4000);
  v.setUint8(ip + 8, 64);
  v.setUint8(ip + 9, 17);
  v.setUint32(ip + 12, s.src);
  v.setUint32(ip + 16, s.dst);
  v.setUint16(ip + 10, ~onesSum(f.subarray(ip, ip + 20)) & 0xffff);
  const udp = ip + 20;
  v.setUint16(udp, s.sport);
  v.setUint16(udp + 2, s.dport);
  v.setUint16(udp + 4, udpLen);
  f.set(s.payload, udp + 8);
  const pseudo = new Uint8Array(12);
  const pv = new DataView(pseudo.buffer);
  pv.setUint32(0, s.src);
  pv.setUint32(4, s.dst);
  pv.setUint16(8, 17);
  pv.setUint16(10, udpLen);
  let c = ~onesSum(f.subarray(udp), onesSum(pseudo)) & 0xffff;
  if (c === 0) c = 0xffff;
  v.setUint16(udp + 6, c);
  return f;
}

function payload(len: number, seed: number): Uint8Array {
  const p = new Uint8Array(len);
  let x = seed * 2654435761 >>> 0 || 1;
  for (let i = 0; i < len; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    p[i] = x & 255;
  }
  return p;
}

const A = 0x0a000001, B = 0x0a000002;

// ---- tshark ------------------------------------------------------------------------------------

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "genie-pcap-"));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// tshark prints a checksum status field by its value: 0 bad, 1 good, 2 unverified.
const GOOD = "1";
const BAD = "0";

/** tshark: run tshark on file, one array of field values per packet. Fails loudly if tshark is missing. */
function tshark(file: string, fields: string[]): string[][] {
  let out: string;
  try {
    out = execFileSync("tshark", [
      "-r", file, "-n", "-T", "fields", "-E", "separator=|",
      "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
      ...fields.flatMap((f) => ["-e", f]),
    ], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === "ENOENT")
      throw new Error("tshark is not installed; these tests need it: apt-get install -y tshark (.ci/run installs it)");
    throw new Error(`tshark -r ${file} failed: ${err.stderr ?? err.message}`);
  }
  return out.trim().split("\n").filter((l) => l !== "").map((l) => l.split("|"));
}

/** ends: two receivers that record what they get. */
function ends(): { a: WireEnd & { got: Uint8Array[] }; b: WireEnd & { got: Uint8Array[] } } {
  const mk = () => {
    const got: Uint8Array[] = [];
    return { got, receiveFrame: (bytes: Uint8Array) => void got.push(bytes) };
  };
  return { a: mk(), b: mk() };
}

const EMPTY_MODULE = new WebAssembly.Module(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));

describe("pcap files, as tshark reads them", () => {
  it("every frame sent across a wire is Ethernet II / IPv4 / UDP with good checksums, lengths and ns timestamps", () => {
    const world = new World({ kernel: EMPTY_MODULE, seed: 3 });
    const pcap = new PcapWriter();
    const wire = new Wire(world, { ...ETHERNET, bandwidthBps: 1e9, latencyNs: 5_000, pcap });
    const { a, b } = ends();
    wire.attach(a, b);
    const sizes = [0, 1, 2, 17, 18, 100, 511, 1000, 1471, 1472];
    const starts: number[] = [];
    sizes.forEach((n, i) => {
      const fromA = i % 2 === 0;
      const f = udpFrame({ src: fromA ? A : B, dst: fromA ? B : A, sport: 4000 + i, dport: 9000, id: i + 1, payload: payload(n, i + 1) });
      starts.push(wire.transmit(fromA ? a : b, f, 1_000_000_123 + i * 7).startNs);
    });
    world.run();
    const file = join(dir, "good.pcap");
    writePcapFile(file, pcap);
    const rows = tshark(file, ["frame.time_epoch", "eth.type", "ip.len", "ip.checksum.status", "udp.length", "udp.checksum.status", "udp.srcport", "udp.dstport", "frame.protocols"]);
    expect(rows.length).toBe(sizes.length);
    // Records are in capture (start-of-transmission) order, which here is the order sent.
    rows.forEach((r, i) => {
      const ns = BigInt(starts[i]);
      expect(r[0], `frame ${i + 1} time`).toBe(`${ns / 1_000_000_000n}.${(ns % 1_000_000_000n).toString().padStart(9, "0")}`);
      expect(r.slice(1, 8), `frame ${i + 1}`).toEqual(["0x0800", String(28 + sizes[i]), GOOD, String(8 + sizes[i]), GOOD, String(4000 + i), "9000"]);
      expect(r[8], `frame ${i + 1} dissected as`).toBe(sizes[i] ? "eth:ethertype:ip:udp:data" : "eth:ethertype:ip:udp");
    });
  });

  it("a frame with a wrong UDP checksum, and one with a wrong IP header checksum, are reported bad", () => {
    const pcap = new PcapWriter();
    const good = udpFrame({ src: A, dst: B, sport: 1, dport: 2, id: 7, payload: payload(64, 7) });
    const badUdp = good.slice();
    badUdp[14 + 20 + 8 + 10] ^= 0x10; // one payload bit
    const badIp = good.slice();
    badIp[14 + 8] ^= 0x01; // TTL
    pcap.record(1000, good);
    pcap.record(2000, badUdp);
    pcap.record(3000, badIp);
    const file = join(dir, "bad.pcap");
    writePcapFile(file, pcap);
    const rows = tshark(file, ["ip.checksum.status", "udp.checksum.status"]);
    expect(rows).toEqual([
      [GOOD, GOOD],
      [GOOD, BAD], // the payload is covered by the UDP checksum only
      [BAD, GOOD], // the TTL by the IP header checksum only
    ]);
  });

  it("bits the wire flips show in a receive-side capture: a flip in the UDP payload fails the UDP checksum only", () => {
    const world = new World({ kernel: EMPTY_MODULE, seed: 11 });
    const pcap = new PcapWriter();
    const wire = new Wire(world, { bandwidthBps: 1e9, latencyNs: 1_000, corrupt: 1, pcap, captureAt: "receive" });
    const { a, b } = ends();
    wire.attach(a, b);
    const sent: Uint8Array[] = [];
    for (let i = 0; i < 40; i++) {
      const f = udpFrame({ src: A, dst: B, sport: 5, dport: 6, id: i, payload: payload(600, 100 + i) });
      sent.push(f);
      wire.transmit(a, f, 0);
    }
    world.run();
    expect(wire.counters().corrupted).toBe(40);
    const file = join(dir, "flipped.pcap");
    writePcapFile(file, pcap);
    const rows = tshark(file, ["ip.checksum.status", "udp.checksum.status"]);
    expect(rows.length).toBe(40);
    let inPayload = 0;
    b.got.forEach((g, i) => {
      const at = g.findIndex((x, k) => x !== sent[i][k]);
      if (at >= 14 + 20 + 8) {
        inPayload++;
        expect(rows[i], `frame ${i + 1}, flip at byte ${at}`).toEqual([GOOD, BAD]);
      } else if (at >= 14 + 12 && at < 14 + 20) {
        // addresses are in the IP header and in the UDP pseudo-header: both sums fail
        expect(rows[i], `frame ${i + 1}, flip at byte ${at}`).toEqual([BAD, BAD]);
      }
    });
    expect(inPayload).toBeGreaterThan(30); // 600 of 642 bytes are payload
  });
});
