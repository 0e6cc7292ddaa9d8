// test/kernel/frames.ts — raw Ethernet II / IPv4 / UDP frames built by hand, for tests that feed
// a NIC what no honest kernel would send (and check what the kernel makes of it).
//
//   frame = [ Ethernet: dst MAC | src MAC | type ] [ IPv4 header (+ options) ] [ IP payload ]
//   IP payload of a whole datagram = [ UDP: sport | dport | length | checksum ] [ data ]
//
// Every field is computed correctly (lengths, header checksum, UDP checksum) unless the caller
// overrides it, so a test breaks exactly one thing. There is no ARP: a MAC address is 02:00
// followed by the IPv4 address (base/abi.ts, MAC_PREFIX).

import { ETH_HLEN, MAC_PREFIX, parseIp } from "../../tools/host/index";

export const IPV4 = 0x0800;
export const PROTO_UDP = 17;

export type Addr = string | number;

const addr = (a: Addr): number => (typeof a === "number" ? a >>> 0 : parseIp(a));

/** mac: the 6 bytes of the MAC address of IPv4 address ip. */
export function mac(ip: Addr): Uint8Array {
  const v = addr(ip);
  return Uint8Array.of(MAC_PREFIX >>> 8, MAC_PREFIX & 0xff, v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

/** onesSum: 16-bit one's-complement sum of big-endian words of b, starting from sum. */
export function onesSum(b: Uint8Array, sum = 0): number {
  let s = sum;
  for (let i = 0; i + 1 < b.length; i += 2) s += (b[i] << 8) | b[i + 1];
  if (b.length & 1) s += b[b.length - 1] << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** ether: an Ethernet II frame carrying payload (default: IPv4 from src to dst). */
export function ether(payload: Uint8Array, o: { dst?: Addr; src?: Addr; type?: number } = {}): Uint8Array {
  const f = new Uint8Array(ETH_HLEN + payload.length);
  f.set(mac(o.dst ?? "10.0.0.2"), 0);
  f.set(mac(o.src ?? "10.0.0.1"), 6);
  const type = o.type ?? IPV4;
  f[12] = type >>> 8;
  f[13] = type & 0xff;
  f.set(payload, ETH_HLEN);
  return f;
}

export interface Ip4Fields {
  src?: Addr;
  dst?: Addr;
  proto?: number;
  id?: number;
  /** Fragment offset in bytes (a multiple of 8 unless a test says otherwise). */
  off?: number;
  more?: boolean;
  ttl?: number;
  /** Options, a multiple of 4 bytes: the IHL grows to cover them. */
  options?: Uint8Array;
  /** Overrides, written before the checksum is computed (so the checksum stays right). */
  version?: number;
  ihl?: number; // 32-bit words
  totLen?: number;
  /** The header checksum field; default: correct. */
  csum?: number;
}

/** ipv4: an IPv4 packet (header, options, payload) with a correct header checksum by default. */
export function ipv4(payload: Uint8Array, o: Ip4Fields = {}): Uint8Array {
  const opt = o.options ?? new Uint8Array(0);
  const hl = 20 + opt.length;
  const p = new Uint8Array(hl + payload.length);
  const dv = new DataView(p.buffer);
  p[0] = ((o.version ?? 4) << 4) | ((o.ihl ?? hl / 4) & 15);
  dv.setUint16(2, o.totLen ?? hl + payload.length);
  dv.setUint16(4, o.id ?? 1);
  const off = o.off ?? 0;
  dv.setUint16(6, ((off / 8) & 0x1fff) | (o.more ? 0x2000 : 0));
  p[8] = o.ttl ?? 64;
  p[9] = o.proto ?? PROTO_UDP;
  dv.setUint32(12, addr(o.src ?? "10.0.0.1"));
  dv.setUint32(16, addr(o.dst ?? "10.0.0.2"));
  p.set(opt, 20);
  dv.setUint16(10, o.csum ?? ~onesSum(p.subarray(0, hl)) & 0xffff);
  p.set(payload, hl);
  return p;
}

/** fixIpChecksum: recompute the header checksum of the IPv4 packet in frame f (in place). */
export function fixIpChecksum(f: Uint8Array): Uint8Array {
  const hl = (f[ETH_HLEN] & 15) * 4;
  if (hl < 20 || f.length < ETH_HLEN + hl) return f;
  f[ETH_HLEN + 10] = f[ETH_HLEN + 11] = 0;
  const c = ~onesSum(f.subarray(ETH_HLEN, ETH_HLEN + hl)) & 0xffff;
  f[ETH_HLEN + 10] = c >>> 8;
  f[ETH_HLEN + 11] = c & 0xff;
  return f;
}

export interface UdpFields {
  src?: Addr;
  dst?: Addr;
  sport?: number;
  dport?: number;
  /** The length field; default: header + data. */
  len?: number;
  /** The checksum field: default correct; "none" sends 0 (no checksum). */
  csum?: number | "none";
}

/** udp: a UDP datagram (header and data) with a correct checksum by default. */
export function udp(data: Uint8Array, o: UdpFields = {}): Uint8Array {
  const u = new Uint8Array(8 + data.length);
  const dv = new DataView(u.buffer);
  dv.setUint16(0, o.sport ?? 1000);
  dv.setUint16(2, o.dport ?? 2000);
  dv.setUint16(4, o.len ?? u.length);
  u.set(data, 8);
  let c: number;
  if (o.csum === "none") c = 0;
  else if (o.csum !== undefined) c = o.csum;
  else {
    const pseudo = new Uint8Array(12);
    const pv = new DataView(pseudo.buffer);
    pv.setUint32(0, addr(o.src ?? "10.0.0.1"));
    pv.setUint32(4, addr(o.dst ?? "10.0.0.2"));
    pv.setUint16(8, PROTO_UDP);
    pv.setUint16(10, o.len ?? u.length);
    c = ~onesSum(u, onesSum(pseudo)) & 0xffff;
    if (c === 0) c = 0xffff;
  }
  dv.setUint16(6, c);
  return u;
}

export interface DgramFields extends UdpFields {
  id?: number;
  ip?: Ip4Fields;
}

/** udpFrame: one frame carrying a whole UDP datagram of data (a → b by default). */
export function udpFrame(data: Uint8Array, o: DgramFields = {}): Uint8Array {
  return ether(ipv4(udp(data, o), { src: o.src, dst: o.dst, id: o.id, ...o.ip }), { src: o.src, dst: o.dst });
}

/** fragment: one frame carrying `payload` as the IP payload at offset off of datagram id. */
export function fragment(payload: Uint8Array, off: number, more: boolean, o: { id?: number; src?: Addr; dst?: Addr; ip?: Ip4Fields } = {}): Uint8Array {
  return ether(ipv4(payload, { src: o.src, dst: o.dst, id: o.id, off, more, ...o.ip }), { src: o.src, dst: o.dst });
}

/** fragments: the frames of a UDP datagram of data cut into IP payload pieces of `step` bytes
 *  (a multiple of 8; 1480 fits a 1500-byte MTU), in order. */
export function fragments(data: Uint8Array, step: number, o: DgramFields = {}): Uint8Array[] {
  const whole = udp(data, o);
  const out: Uint8Array[] = [];
  for (let off = 0; off < whole.length; off += step) {
    const end = Math.min(whole.length, off + step);
    out.push(fragment(whole.subarray(off, end), off, end < whole.length, o));
  }
  return out;
}
