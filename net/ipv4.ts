// net/ipv4.ts — the IPv4 header: build on output, check and read on input.
//
//    0       4       8              16    19                       31
//   +-------+-------+---------------+-----+-------------------------+
//   |version|  IHL  |      TOS      |        total length           |   verIhl tos totLen
//   +-------+-------+---------------+--+--+--+----------------------+
//   |        identification         |0 |DF|MF|  fragment offset     |   id frag
//   +---------------+---------------+--+--+--+----------------------+
//   |      TTL      |   protocol    |       header checksum         |   ttl proto csum
//   +---------------+---------------+-------------------------------+
//   |                        source address                         |   src
//   +---------------------------------------------------------------+
//   |                      destination address                      |   dst
//   +---------------------------------------------------------------+
//   |           options (IHL > 5 words): skipped on input           |
//   +---------------------------------------------------------------+
//   every field big-endian on the wire; IHL in 32-bit words; fragment offset in 8-byte units
//
// Functions take and return host-order values (addresses as u32, 10.0.0.1 is 0x0a000001).
// Output never sets options: the header is IP4_HLEN = 20 bytes.

// The wire format's numbers come from base/abi.ts (the adapter model reads them too).
import { Drop, IP4_HLEN as WIRE_IP4_HLEN, IP_MF as WIRE_IP_MF, IP_OFFMASK as WIRE_IP_OFFMASK, IPPROTO_UDP as WIRE_IPPROTO_UDP } from "../base/abi";
import { csumBytes, csumFinish } from "./checksum";
import { dropCount } from "../base/drop";

// @ts-ignore: decorator
@unmanaged export class Ip4Hdr {
  verIhl: u8;
  tos: u8;
  totLen: u16;
  id: u16;
  frag: u16;
  ttl: u8;
  proto: u8;
  csum: u16;
  src: u32;
  dst: u32;
}

export const IP4_HLEN: u32 = <u32>WIRE_IP4_HLEN; // 20
assert(offsetof<Ip4Hdr>() == IP4_HLEN, "net/ipv4.ts: Ip4Hdr is not IP4_HLEN bytes");
export const IP_MAXLEN: u32 = 65535; // largest total length, header included
export const IP_TTL: u32 = 64;
export const IPPROTO_UDP: u32 = <u32>WIRE_IPPROTO_UDP;
export const IP_DF: u32 = 0x4000; // don't fragment
export const IP_MF: u32 = <u32>WIRE_IP_MF; // more fragments follow
export const IP_OFFMASK: u32 = <u32>WIRE_IP_OFFMASK; // fragment offset, 8-byte units

// @ts-ignore: decorator
@inline function hdr(p: usize): Ip4Hdr {
  return changetype<Ip4Hdr>(p);
}

/** ip4Build: write a 20-byte IPv4 header with its checksum at p. fragOff is in bytes (a
 *  multiple of 8); more sets MF, df sets DF. totLen counts header and payload. */
export function ip4Build(
  p: usize, src: u32, dst: u32, proto: u32, id: u32, totLen: u32, fragOff: u32, more: bool, df: bool,
): void {
  const h = hdr(p);
  h.verIhl = <u8>((4 << 4) | (IP4_HLEN >> 2));
  h.tos = 0;
  h.totLen = bswap<u16>(<u16>totLen);
  h.id = bswap<u16>(<u16>id);
  h.frag = bswap<u16>(<u16>((fragOff >> 3) | (more ? IP_MF : 0) | (df ? IP_DF : 0)));
  h.ttl = <u8>IP_TTL;
  h.proto = <u8>proto;
  h.csum = 0;
  h.src = bswap<u32>(src);
  h.dst = bswap<u32>(dst);
  h.csum = bswap<u16>(csumFinish(csumBytes(p, IP4_HLEN)));
}

/** ip4Check: is the len-byte packet at p a sound IPv4 packet? Drop.None if so, else the (counted)
 *  reason: Truncated, BadIpHeader (version, IHL), BadIpLength (total length vs header and frame;
 *  a frame longer than the total is padding and allowed), BadIpChecksum. */
export function ip4Check(p: usize, len: u32): Drop {
  if (len < IP4_HLEN) return dropCount(Drop.Truncated);
  const vi = <u32>hdr(p).verIhl;
  const hl = (vi & 15) << 2;
  if (vi >> 4 != 4 || hl < IP4_HLEN) return dropCount(Drop.BadIpHeader);
  if (hl > len) return dropCount(Drop.Truncated);
  const tot = ip4TotLen(p);
  if (tot < hl || tot > len) return dropCount(Drop.BadIpLength);
  if (csumBytes(p, hl) != 0xffff) return dropCount(Drop.BadIpChecksum);
  return Drop.None;
}

/** ip4Version: the version field (4 for IPv4). */
// @ts-ignore: decorator
@inline export function ip4Version(p: usize): u32 {
  return <u32>hdr(p).verIhl >> 4;
}

/** ip4HdrLen: header length in bytes, options included (IHL x 4). */
// @ts-ignore: decorator
@inline export function ip4HdrLen(p: usize): u32 {
  return (<u32>hdr(p).verIhl & 15) << 2;
}

/** ip4TotLen: total length in bytes, header included. */
// @ts-ignore: decorator
@inline export function ip4TotLen(p: usize): u32 {
  return <u32>bswap<u16>(hdr(p).totLen);
}

/** ip4Id: identification (groups the fragments of one datagram). */
// @ts-ignore: decorator
@inline export function ip4Id(p: usize): u32 {
  return <u32>bswap<u16>(hdr(p).id);
}

/** ip4FragOff: offset of this fragment's payload in the datagram's payload, in bytes. */
// @ts-ignore: decorator
@inline export function ip4FragOff(p: usize): u32 {
  return (<u32>bswap<u16>(hdr(p).frag) & IP_OFFMASK) << 3;
}

/** ip4More: is the MF (more fragments) flag set? */
// @ts-ignore: decorator
@inline export function ip4More(p: usize): bool {
  return (<u32>bswap<u16>(hdr(p).frag) & IP_MF) != 0;
}

/** ip4DontFrag: is the DF (don't fragment) flag set? */
// @ts-ignore: decorator
@inline export function ip4DontFrag(p: usize): bool {
  return (<u32>bswap<u16>(hdr(p).frag) & IP_DF) != 0;
}

/** ip4IsFragment: is this packet a piece of a larger datagram (MF set or offset nonzero)? */
// @ts-ignore: decorator
@inline export function ip4IsFragment(p: usize): bool {
  return (<u32>bswap<u16>(hdr(p).frag) & (IP_MF | IP_OFFMASK)) != 0;
}

/** ip4Ttl: time to live. */
// @ts-ignore: decorator
@inline export function ip4Ttl(p: usize): u32 {
  return <u32>hdr(p).ttl;
}

/** ip4Proto: the protocol of the payload (IPPROTO_UDP = 17). */
// @ts-ignore: decorator
@inline export function ip4Proto(p: usize): u32 {
  return <u32>hdr(p).proto;
}

/** ip4Src: source address (host order). */
// @ts-ignore: decorator
@inline export function ip4Src(p: usize): u32 {
  return bswap<u32>(hdr(p).src);
}

/** ip4Dst: destination address (host order). */
// @ts-ignore: decorator
@inline export function ip4Dst(p: usize): u32 {
  return bswap<u32>(hdr(p).dst);
}
