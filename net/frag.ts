// net/frag.ts — planning IPv4 fragmentation of one datagram.
//
// A datagram whose IP payload (UDP header + data) is len bytes leaves as one packet when
// IP4_HLEN + len fits the MTU; otherwise as fragments that each carry `step` payload bytes
// (the most that fits, rounded down to a multiple of 8, because fragment offsets count 8-byte
// units), and a last one with the rest:
//
//   payload  |<----- step ----->|<----- step ----->|<-- rest -->|
//   packet i   [IP hdr | 0 .. ] [IP hdr | step ..]  [IP hdr | 2*step .. len)   MF = 1, 1, 0
//
// The plan is arithmetic only (fragment i starts at i*step), so a driver builds fragment i as a
// gather list [its own IP header, the payload slice [off, off+fragLen)] over the sender's frames:
// nothing is copied and nothing is allocated.

import { Errno } from "../base/abi";
import { IP4_HLEN, IP_MAXLEN } from "./ipv4";

/** The largest IP payload of one datagram: 65535 - 20 = 65515 (UDP data up to 65507). */
export const IP_MAXPAYLOAD: u32 = IP_MAXLEN - IP4_HLEN;
/** The smallest MTU every IPv4 link must carry (RFC 791). */
export const IP_MINMTU: u32 = 68;

// @ts-ignore: decorator
@inline function clampMtu(mtu: u32): u32 {
  return mtu > IP_MAXLEN ? IP_MAXLEN : mtu;
}

/** fragStep: payload bytes in each non-final fragment for this MTU (a multiple of 8). */
// @ts-ignore: decorator
@inline export function fragStep(mtu: u32): u32 {
  return (clampMtu(mtu) - IP4_HLEN) & ~7;
}

/** fragCount: how many packets carry an IP payload of len bytes over this MTU;
 *  -EMSGSIZE if len > IP_MAXPAYLOAD, -EINVAL if mtu < IP_MINMTU. */
export function fragCount(len: u32, mtu: u32): i32 {
  if (mtu < IP_MINMTU) return -Errno.EINVAL;
  if (len > IP_MAXPAYLOAD) return -Errno.EMSGSIZE;
  if (len + IP4_HLEN <= clampMtu(mtu)) return 1;
  const step = fragStep(mtu);
  return <i32>((len + step - 1) / step);
}

/** fragOff: payload offset (bytes) of packet i of the plan for (len, mtu). */
// @ts-ignore: decorator
@inline export function fragOff(len: u32, mtu: u32, i: u32): u32 {
  return len + IP4_HLEN <= clampMtu(mtu) ? 0 : i * fragStep(mtu);
}

/** fragLen: payload bytes of packet i of the plan for (len, mtu). */
export function fragLen(len: u32, mtu: u32, i: u32): u32 {
  if (len + IP4_HLEN <= clampMtu(mtu)) return len;
  const step = fragStep(mtu);
  const rest = len - i * step;
  return rest < step ? rest : step;
}

/** fragMore: does packet i of the plan for (len, mtu) carry the MF flag (not the last)? */
// @ts-ignore: decorator
@inline export function fragMore(len: u32, mtu: u32, i: u32): bool {
  return fragOff(len, mtu, i) + fragLen(len, mtu, i) < len;
}
