// net/udp.ts — the UDP header and its checksum.
//
//    0                15 16               31
//   +-------------------+-------------------+
//   |    source port    | destination port  |   sport dport
//   +-------------------+-------------------+
//   |      length       |     checksum      |   len csum
//   +-------------------+-------------------+
//   big-endian on the wire; length counts header and data (8 .. 65515 over IPv4)
//
// The checksum covers a pseudo-header, the UDP header and the data:
//
//   +-------------------+-------------------+
//   |           source address              |
//   +---------------------------------------+
//   |         destination address           |
//   +---------+---------+-------------------+
//   |  zero   | proto 17|    UDP length     |
//   +---------+---------+-------------------+
//
// A sender whose checksum comes out 0 sends 0xffff (the other one's-complement zero), because a
// 0 field means "no checksum": a receiver then skips the check. Data scattered over frames is
// summed with net/checksum.ts (csumRange) and combined with udpPseudo.

import { Drop, UDP_HLEN as WIRE_UDP_HLEN } from "../base/abi";
import { csumAdd, csumBytes, csumFinish, csumU32 } from "./checksum";
import { dropCount } from "../base/drop";
import { IPPROTO_UDP } from "./ipv4";

// @ts-ignore: decorator
@unmanaged export class UdpHdr {
  sport: u16;
  dport: u16;
  len: u16;
  csum: u16;
}

export const UDP_HLEN: u32 = <u32>WIRE_UDP_HLEN; // 8, base/abi.ts
assert(offsetof<UdpHdr>() == UDP_HLEN, "net/udp.ts: UdpHdr is not UDP_HLEN bytes");

// @ts-ignore: decorator
@inline function hdr(p: usize): UdpHdr {
  return changetype<UdpHdr>(p);
}

/** udpBuild: write an 8-byte UDP header at p with checksum field 0 (fill it with udpSetCsum).
 *  len counts header and data. */
export function udpBuild(p: usize, sport: u32, dport: u32, len: u32): void {
  const h = hdr(p);
  h.sport = bswap<u16>(<u16>sport);
  h.dport = bswap<u16>(<u16>dport);
  h.len = bswap<u16>(<u16>len);
  h.csum = 0;
}

/** udpPseudo: partial checksum of the pseudo-header (src, dst, proto 17, UDP length). */
// @ts-ignore: decorator
@inline export function udpPseudo(src: u32, dst: u32, udpLen: u32): u32 {
  return csumAdd(csumAdd(csumU32(csumU32(0, src), dst), IPPROTO_UDP), udpLen);
}

/** udpCsumField: the checksum field for full partial sum `sum` (pseudo-header, header with a 0
 *  checksum field, data): its one's complement, with 0 sent as 0xffff. */
// @ts-ignore: decorator
@inline export function udpCsumField(sum: u32): u32 {
  const c = <u32>csumFinish(sum);
  return c == 0 ? 0xffff : c;
}

/** udpChecksum: the checksum field of the contiguous UDP datagram at p (udpLen bytes, checksum
 *  field 0) sent from src to dst. */
export function udpChecksum(p: usize, udpLen: u32, src: u32, dst: u32): u32 {
  return udpCsumField(csumAdd(udpPseudo(src, dst, udpLen), csumBytes(p, udpLen)));
}

/** udpSetCsum: store checksum field value c in the header at p. */
// @ts-ignore: decorator
@inline export function udpSetCsum(p: usize, c: u32): void {
  hdr(p).csum = bswap<u16>(<u16>c);
}

/** udpCheck: is the header at p sound for an IP payload of ipLen bytes? Drop.None if so, else
 *  the (counted) reason: Truncated (no room for a header) or BadUdpLength (length below 8 or
 *  beyond the IP payload; bytes after the UDP length are ignored). */
export function udpCheck(p: usize, ipLen: u32): Drop {
  if (ipLen < UDP_HLEN) return dropCount(Drop.Truncated);
  const len = udpLen(p);
  if (len < UDP_HLEN || len > ipLen) return dropCount(Drop.BadUdpLength);
  return Drop.None;
}

/** udpVerify: does the checksum hold? sum is the partial sum of the whole datagram (udpLen bytes,
 *  header included, at message offset 0). Drop.None if it holds, else BadUdpChecksum (counted).
 *  Call it only when udpHasCsum: a 0 field means the sender sent no checksum. */
export function udpVerify(src: u32, dst: u32, udpLen: u32, sum: u32): Drop {
  if (csumAdd(udpPseudo(src, dst, udpLen), sum) != 0xffff) return dropCount(Drop.BadUdpChecksum);
  return Drop.None;
}

/** udpHasCsum: did the sender compute a checksum (field not 0)? */
// @ts-ignore: decorator
@inline export function udpHasCsum(p: usize): bool {
  return hdr(p).csum != 0;
}

/** udpSport: source port. */
// @ts-ignore: decorator
@inline export function udpSport(p: usize): u32 {
  return <u32>bswap<u16>(hdr(p).sport);
}

/** udpDport: destination port. */
// @ts-ignore: decorator
@inline export function udpDport(p: usize): u32 {
  return <u32>bswap<u16>(hdr(p).dport);
}

/** udpLen: the length field (header and data). */
// @ts-ignore: decorator
@inline export function udpLen(p: usize): u32 {
  return <u32>bswap<u16>(hdr(p).len);
}

/** udpCsum: the checksum field as sent (0: none). */
// @ts-ignore: decorator
@inline export function udpCsum(p: usize): u32 {
  return <u32>bswap<u16>(hdr(p).csum);
}
