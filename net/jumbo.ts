// net/jumbo.ts — datagrams larger than IPv4 carries: up to 1 MiB, in the style of IPv6
// jumbograms (RFC 2675). Our own extension, not a standard: IPv4 caps a datagram at 65535
// bytes, but the Genie experiments (and students') want to move a megabyte in one message.
//
// Every packet of a jumbogram is an IPv4 fragment whose header carries one 12-byte option
// (experimental option type 0x9E, "copied" flag set, RFC 4727):
//
//   0      1      2             4                          8                          12
//  +------+------+-------------+--------------------------+--------------------------+
//  | 0x9E |  12  |   0   0     |  jumbo length (32 bits)  | fragment offset (32 bits)|
//  +------+------+-------------+--------------------------+--------------------------+
//   jumbo length: the UDP datagram's length (header + data); fragment offset: where this
//   packet's IP payload sits in it, in bytes. The 13-bit offset field stays 0; MF as usual.
//
// The UDP header's length field is 0, and the UDP checksum's pseudo-header carries the 32-bit
// length, as RFC 2675 does for IPv6. Everything else (gather lists, reassembly, delivery) is the
// path every datagram takes.

import { Drop, JUMBO_OPT as WIRE_JUMBO_OPT, JUMBO_OPTLEN as WIRE_JUMBO_OPTLEN } from "../base/abi";
import { csumBytes, csumFinish, csumU32 } from "./checksum";
import { IP4_HLEN, ip4Build } from "./ipv4";

export const JUMBO_OPT: u32 = <u32>WIRE_JUMBO_OPT; // base/abi.ts
export const JUMBO_OPTLEN: u32 = <u32>WIRE_JUMBO_OPTLEN;
export const JUMBO_HLEN: u32 = IP4_HLEN + JUMBO_OPTLEN; // 32
/** Largest UDP data of one jumbogram. */
export const JUMBO_MAX_DATA: u32 = 1 << 20;
/** Largest jumbogram payload (UDP header + data), the reassembly limit for jumbograms. */
export const JUMBO_MAX_PAYLOAD: u32 = JUMBO_MAX_DATA + 8;

/** jumboStep: IP payload bytes per packet of a jumbogram at this MTU (a multiple of 8). */
export function jumboStep(mtu: u32): u32 {
  return (min(mtu, 65535) - JUMBO_HLEN) & ~7;
}

/** jumboCount: packets for a jumbogram whose payload is len bytes at this MTU. */
export function jumboCount(len: u32, mtu: u32): i32 {
  const step = jumboStep(mtu);
  return <i32>((len + step - 1) / step);
}

/** jumboBuild: the 32-byte IPv4 header of one jumbogram packet at p: payload bytes `len` at
 *  offset `off` of a jumbogram of total payload `total`; more = not the last. */
export function jumboBuild(p: usize, src: u32, dst: u32, proto: u32, id: u32, len: u32, off: u32, total: u32, more: bool): void {
  ip4Build(p, src, dst, proto, id, JUMBO_HLEN + len, 0, more, false);
  store<u8>(p, <u8>((4 << 4) | (JUMBO_HLEN >> 2)));
  const o = p + IP4_HLEN;
  store<u8>(o, <u8>JUMBO_OPT);
  store<u8>(o, <u8>JUMBO_OPTLEN, 1);
  store<u16>(o, 0, 2);
  store<u32>(o, bswap<u32>(total), 4);
  store<u32>(o, bswap<u32>(off), 8);
  store<u16>(p, 0, 10);
  store<u16>(p, bswap<u16>(csumFinish(csumBytes(p, JUMBO_HLEN))), 10);
}

/** The fields of the last jumbo option found by jumboParse. */
export let jumboTotal: u32 = 0;
export let jumboOff: u32 = 0;

/** Why the last jumboParse failed: Drop.BadIpHeader if the options were malformed. */
export let jumboBad: Drop = Drop.None;

/** jumboParse: look for the jumbo option among the options of the IPv4 header at p (hl bytes);
 *  true (fields in jumboTotal / jumboOff) if found, false if absent; Drop.BadIpHeader through
 *  jumboBad if the options are malformed. */
export function jumboParse(p: usize, hl: u32): bool {
  jumboBad = Drop.None;
  let i: u32 = IP4_HLEN;
  while (i < hl) {
    const type = <u32>load<u8>(p + i);
    if (type == 0) break; // end of options
    if (type == 1) { i++; continue; } // no-op
    if (i + 1 >= hl) { jumboBad = Drop.BadIpHeader; return false; }
    const len = <u32>load<u8>(p + i + 1);
    if (len < 2 || i + len > hl) { jumboBad = Drop.BadIpHeader; return false; }
    if (type == JUMBO_OPT) {
      if (len != JUMBO_OPTLEN) { jumboBad = Drop.BadIpHeader; return false; }
      jumboTotal = bswap<u32>(load<u32>(p + i + 4));
      jumboOff = bswap<u32>(load<u32>(p + i + 8));
      return true;
    }
    i += len;
  }
  return false;
}

/** jumboPseudo: partial checksum of a jumbogram's UDP pseudo-header (32-bit length). */
export function jumboPseudo(src: u32, dst: u32, len: u32): u32 {
  return csumU32(csumU32(csumU32(csumU32(0, src), dst), 17), len);
}
