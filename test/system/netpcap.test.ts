// The kernel's traffic in a real capture: the wire records every frame in a libpcap file, and
// tshark (Wireshark's command-line reader) must find standard Ethernet / IPv4 / UDP in it: good IP
// header checksums on every frame, good UDP checksums on the reassembled datagrams, fragments,
// ports and lengths as sent, and time moving forward. tshark must be installed (CI installs it).

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { diffCounters, PcapWriter, readPcap, Sem } from "../../tools/host/index";
import { writePcapFile } from "../../tools/host/pcap-node";
import { pattern } from "../kernel/machines";
import { pair, type PairOptions } from "../kernel/netpair";
import { GOOD, tshark } from "./tshark";


const dir = mkdtempSync(join(tmpdir(), "genie-pcap-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FIELDS = [
  "frame.number", "frame.time_epoch", "frame.protocols", "eth.type", "ip.proto", "ip.id", "ip.flags.mf", "ip.frag_offset",
  "ip.len", "ip.checksum.status", "udp.srcport", "udp.dstport", "udp.length", "udp.checksum.status", "ip.fragment.count",
] as const;
type Row = Record<(typeof FIELDS)[number], string>;

/** dissect: one row of FIELDS per frame of the capture file. */
function dissect(file: string): Row[] {
  const out = tshark(["-r", file, "-T", "fields", "-E", "separator=/t", ...FIELDS.flatMap((f) => ["-e", f])]);
  return out.trimEnd().split("\n").map((line) => {
    const v = line.split("\t");
    return Object.fromEntries(FIELDS.map((f, i) => [f, v[i] ?? ""])) as Row;
  });
}

/** expertProblems: tshark's expert-info sections of severity warning or error (empty if none). */
function expertProblems(file: string): string {
  const out = tshark(["-r", file, "-q", "-z", "expert"]);
  return out.split(/\n(?=\S)/).filter((s) => /^(Errors|Warns|Warnings)\b/.test(s.trim())).join("\n");
}

/** fragmentsOf: packets a UDP datagram of len data bytes needs at this MTU (IPv4, no options). */
function fragmentsOf(len: number, mtu: number): number {
  const ip = len + 8;
  return ip + 20 <= mtu ? 1 : Math.ceil(ip / ((mtu - 20) & ~7));
}

/** capture: send these datagrams a -> b (each received byte-exact) over a captured wire; the
 *  capture file, the capture itself, and a's counters over the sends. */
async function capture(name: string, sizes: number[], o: PairOptions) {
  const pcap = new PcapWriter();
  const p = await pair({ memory: "8M", ...o, wire: { pcap } });
  const buf = Math.max(...sizes) + 4096;
  const va = p.pa.mmap(buf), vb = p.pb.mmap(buf);
  const before = p.a.counters();
  for (const len of sizes) {
    const data = pattern(len, len);
    p.pa.store(va, data);
    const rx = p.pb.postRecv(p.fb, vb, buf, { sem: Sem.COPY });
    p.pa.sendto(p.fa, va, len, { ip: "10.0.0.2", port: 2000, sem: Sem.COPY });
    expect(rx.wait().len).toBe(len);
    expect(p.pb.load(vb, len)).toEqual(data);
  }
  p.a.world.run();
  const file = join(dir, name);
  writePcapFile(file, pcap);
  return { file, pcap, sent: diffCounters(before, p.a.counters()) };
}

/** expectCapture: tshark reads the file as these datagrams from port 1000 to 2000 at this MTU. */
function expectCapture(file: string, sizes: number[], mtu: number): Row[] {
  const rows = dissect(file);
  expect(rows.length, "frames in the capture").toBe(sizes.reduce((n, len) => n + fragmentsOf(len, mtu), 0));
  let last = -1;
  for (const r of rows) {
    expect(r["frame.protocols"], `frame ${r["frame.number"]}`).toMatch(/^eth:ethertype:ip(:|$)/);
    expect(r["eth.type"]).toBe("0x0800");
    expect(r["ip.proto"]).toBe("17");
    expect(r["ip.checksum.status"], `IP header checksum of frame ${r["frame.number"]}`).toBe(GOOD);
    expect(Number(r["ip.len"])).toBeLessThanOrEqual(mtu);
    const t = Number(r["frame.time_epoch"]);
    expect(t, `time of frame ${r["frame.number"]}`).toBeGreaterThan(last);
    last = t;
  }
  // Frames grouped by IP id: one group per datagram, in sending order.
  const ids = [...new Set(rows.map((r) => r["ip.id"]))];
  expect(ids.length).toBe(sizes.length);
  ids.forEach((id, k) => {
    const len = sizes[k];
    const frames = rows.filter((r) => r["ip.id"] === id);
    const n = fragmentsOf(len, mtu);
    expect(frames.length, `fragments of the ${len}-byte datagram`).toBe(n);
    // Offsets rise by the fragment size; MF on all but the last (tshark 4.0 shows 8-byte units).
    frames.forEach((r, j) => {
      const off = Number(r["ip.frag_offset"]);
      const want = j * ((mtu - 20) & ~7);
      expect(off === want || off * 8 === want, `offset of fragment ${j} of ${len}`).toBe(true);
      expect(r["ip.flags.mf"]).toBe(j < n - 1 ? "1" : "0");
    });
    // The datagram, reassembled by tshark on its last frame: ports, length, UDP checksum.
    const whole = frames[n - 1];
    expect(whole["frame.protocols"]).toMatch(/:ip:udp/);
    expect([whole["udp.srcport"], whole["udp.dstport"], whole["udp.length"]]).toEqual(["1000", "2000", String(len + 8)]);
    expect(whole["udp.checksum.status"], `UDP checksum of the ${len}-byte datagram`).toBe(GOOD);
    if (n > 1) expect(whole["ip.fragment.count"]).toBe(String(n));
  });
  expect(expertProblems(file), "tshark's warnings and errors").toBe("");
  return rows;
}

describe("a capture of the kernel's traffic, read by tshark", () => {
  it("datagrams of 1, 1472, 4000 and 60000 bytes at MTU 1500 are well-formed Ethernet/IPv4/UDP with good checksums, fragmented as sent, in time order", async () => {
    const sizes = [1, 1472, 4000, 60000];
    const { file, pcap } = await capture("mtu1500.pcap", sizes, { mtu: 1500 });
    const rows = expectCapture(file, sizes, 1500);
    // tshark and our reader agree on the timestamps, to the nanosecond.
    const ours = readPcap(pcap.bytes()).records;
    expect(ours.length).toBe(rows.length);
    rows.forEach((r, i) => expect(Math.round(Number(r["frame.time_epoch"]) * 1e9)).toBe(ours[i].t));
  });

  it("with checksum offload at MTU 9000 the device fills the UDP checksum (the CPU sums only IP headers) and tshark finds it good", async () => {
    const sizes = [8000, 20000];
    const { file, sent } = await capture("mtu9000-offload.pcap", sizes, { mtu: 9000, checksumOffload: true });
    expectCapture(file, sizes, 9000);
    const packets = sizes.reduce((n, len) => n + fragmentsOf(len, 9000), 0);
    expect(sent.packetsSent).toBe(packets);
    expect(sent.bytesChecksummed, "the sender's CPU summed IP headers only").toBe(20 * packets);
  });
});
