// net/ether.ts — Ethernet II framing.
//
//   0                      6                      12       14
//  +----------------------+----------------------+--------+---------------------
//  |   destination MAC    |      source MAC      |  type  |  payload (IPv4 ...)
//  +----------------------+----------------------+--------+---------------------
//   big-endian on the wire; no preamble and no FCS (the NIC model adds and strips them)
//
// A MAC address is a u64 holding the 48-bit address with the first wire byte most significant
// (02:00:00:00:00:01 is 0x020000000001).

// The wire format's numbers come from base/abi.ts (the adapter model reads them too).
import { Drop, ETH_HLEN as WIRE_ETH_HLEN, ETH_TYPE_OFF as WIRE_ETH_TYPE_OFF, ETHERTYPE_IPV4 as WIRE_ETHERTYPE_IPV4 } from "../base/abi";
import { dropCount } from "../base/drop";

export const ETH_DST = 0;
export const ETH_SRC = 6;
export const ETH_TYPE = WIRE_ETH_TYPE_OFF;
export const ETH_HLEN = WIRE_ETH_HLEN;
export const ETHERTYPE_IPV4: u32 = <u32>WIRE_ETHERTYPE_IPV4;
export const MAC_BROADCAST: u64 = 0xffffffffffff;

/** macLoad: the MAC address stored (6 bytes, wire order) at p. */
// @ts-ignore: decorator
@inline export function macLoad(p: usize): u64 {
  return (<u64>bswap<u32>(load<u32>(p)) << 16) | <u64>bswap<u16>(load<u16>(p, 4));
}

/** macStore: write MAC address mac (low 48 bits) at p as 6 bytes in wire order. */
// @ts-ignore: decorator
@inline export function macStore(p: usize, mac: u64): void {
  store<u32>(p, bswap<u32>(<u32>(mac >> 16)));
  store<u16>(p, bswap<u16>(<u16>mac), 4);
}

/** etherBuild: write a 14-byte Ethernet II header at p. */
export function etherBuild(p: usize, dst: u64, src: u64, type: u32): void {
  macStore(p + ETH_DST, dst);
  macStore(p + ETH_SRC, src);
  store<u16>(p + ETH_TYPE, bswap<u16>(<u16>type));
}

/** etherDst: destination MAC of the frame at p. */
// @ts-ignore: decorator
@inline export function etherDst(p: usize): u64 {
  return macLoad(p + ETH_DST);
}

/** etherSrc: source MAC of the frame at p. */
// @ts-ignore: decorator
@inline export function etherSrc(p: usize): u64 {
  return macLoad(p + ETH_SRC);
}

/** etherType: ethertype of the frame at p (host order). */
// @ts-ignore: decorator
@inline export function etherType(p: usize): u32 {
  return <u32>bswap<u16>(load<u16>(p + ETH_TYPE));
}

/** etherCheck: may the len-byte frame at p go up to IPv4? Drop.None if so, else the (counted)
 *  reason: Truncated (shorter than the header) or BadProto (ethertype not IPv4). */
export function etherCheck(p: usize, len: u32): Drop {
  if (len < <u32>ETH_HLEN) return dropCount(Drop.Truncated);
  if (etherType(p) != ETHERTYPE_IPV4) return dropCount(Drop.BadProto);
  return Drop.None;
}
