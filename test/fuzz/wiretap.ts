// test/fuzz/wiretap.ts — the fuzzer's view of the wire: every UDP datagram as it reaches a NIC
// (fragments put back together), with whether its UDP checksum holds. It rides on the wire's
// capture hook (captureAt "receive"), so it sees exactly what the receiving machine is handed.
//
//   Ethernet (14) | IPv4 (ihl*4): id, MF, fragment offset, src, dst | UDP (8): ports, len, csum | data

import { ETH_HLEN, ETH_TYPE_OFF, ETHERTYPE_IPV4, Ip4Off, IP_MF, IP_OFFMASK, IPPROTO_UDP, UDP_HLEN, UdpOff } from "../../base/abi";
import { PcapWriter } from "../../tools/host/pcap";

export interface WireDatagram {
  src: number;
  dst: number;
  dport: number;
  /** The UDP data (header excluded). */
  data: Uint8Array;
  /** The UDP checksum is absent or holds. */
  csumOk: boolean;
}

const be16 = (b: Uint8Array, at: number) => (b[at] << 8) | b[at + 1];
const be32 = (b: Uint8Array, at: number) => ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;

/** onesSum: the 16-bit ones'-complement sum of b, added to sum (RFC 1071). */
function onesSum(sum: number, b: Uint8Array): number {
  let i = 0;
  for (; i + 1 < b.length; i += 2) sum += (b[i] << 8) | b[i + 1];
  if (i < b.length) sum += b[i] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** udpOk: does the checksum of UDP datagram u (header included) from src to dst hold? */
function udpOk(src: number, dst: number, u: Uint8Array): boolean {
  if (be16(u, UdpOff.CSUM) === 0) return true; // sent without a checksum
  let s = onesSum(0, u);
  s += (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + IPPROTO_UDP + u.length;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s === 0xffff;
}

/** A capture that hands each whole UDP datagram to onDatagram instead of keeping frames. */
export class WireTap extends PcapWriter {
  private frags = new Map<string, { parts: [number, Uint8Array][]; total: number }>();

  constructor(private readonly onDatagram: (d: WireDatagram) => void) {
    super();
  }

  override record(_t: number, f: Uint8Array): void {
    if (f.length < ETH_HLEN + 20 || be16(f, ETH_TYPE_OFF) !== ETHERTYPE_IPV4) return;
    const ip = ETH_HLEN, ihl = (f[ip + Ip4Off.VER_IHL] & 15) * 4;
    if (f[ip + Ip4Off.PROTO] !== IPPROTO_UDP) return;
    const total = be16(f, ip + Ip4Off.LEN), frag = be16(f, ip + Ip4Off.FRAG);
    const src = be32(f, ip + Ip4Off.SRC), dst = be32(f, ip + Ip4Off.DST);
    const payload = f.slice(ip + ihl, ip + total);
    let u = payload;
    if (frag & (IP_MF | IP_OFFMASK)) {
      const key = `${src}:${be16(f, ip + Ip4Off.ID)}`;
      const e = this.frags.get(key) ?? { parts: [], total: -1 };
      this.frags.set(key, e);
      const off = (frag & IP_OFFMASK) * 8;
      e.parts.push([off, payload]);
      if (!(frag & IP_MF)) e.total = off + payload.length;
      const have = e.parts.reduce((n, [, p]) => n + p.length, 0);
      if (e.total < 0 || have < e.total) return;
      this.frags.delete(key);
      u = new Uint8Array(e.total);
      for (const [o, p] of e.parts) u.set(p, o);
    }
    if (u.length < UDP_HLEN) return;
    const ulen = Math.min(be16(u, UdpOff.LEN), u.length);
    u = u.subarray(0, ulen);
    this.onDatagram({ src, dst, dport: be16(u, UdpOff.DPORT), data: u.subarray(UDP_HLEN), csumOk: udpOk(src, dst, u) });
  }
}
