// net/checksum.ts — the Internet checksum (RFC 1071) over ranges of linear memory.
//
// The checksum of a message is the one's complement of the one's-complement sum of the message
// read as big-endian 16-bit words (an odd last byte is padded with a zero byte). Sums are built
// range by range, so a datagram scattered over several frames is summed where it lies:
//
//   sum = csumRange(0,   p0, n0, 0)          range 0 starts at message offset 0
//   sum = csumRange(sum, p1, n1, n0)         range 1 starts at message offset n0
//   field = csumFinish(sum)                  what goes on the wire
//
// A partial sum is a 16-bit value (0 .. 0xffff) in host terms: the sum of the big-endian words.
// Two facts from RFC 1071 make this both fast and scatter-gather friendly:
//  - byte-order independence: adding little-endian words gives the byte-swapped sum, so the
//    bulk loop loads bytes natively, 8 at a time, and swaps once at the end;
//  - a range that starts at an odd message offset has its bytes in the other halves of the
//    words: its contribution is the byte-swapped sum of the range taken on its own.
// Received data checks out when the sum over it, checksum field included, is 0xffff.

import { Counter } from "../base/abi";
import { count } from "../base/stats";

/** csumFold: fold a wide sum of little-endian words to a 16-bit one's-complement sum. */
// @ts-ignore: decorator
@inline export function csumFold(s: u64): u32 {
  s = (s & 0xffffffff) + (s >> 32);
  s = (s & 0xffffffff) + (s >> 32);
  let t = <u32>s;
  t = (t & 0xffff) + (t >> 16);
  return (t & 0xffff) + (t >> 16);
}

/** csumBytes: one's-complement sum of [p, p+len) as if it began at an even message offset.
 *  Counts len bytes checksummed. Any alignment of p works; 32 bytes per loop in the bulk. */
export function csumBytes(p: usize, len: u32): u32 {
  count(Counter.BytesChecksummed, len);
  const lo: u64 = 0xffffffff;
  let s: u64 = 0; // sum of 32-bit little-endian words; cannot overflow below 16 GiB
  let n = len;
  while (n >= 32) {
    const a = load<u64>(p);
    const b = load<u64>(p, 8);
    const c = load<u64>(p, 16);
    const d = load<u64>(p, 24);
    s += (a & lo) + (a >> 32) + (b & lo) + (b >> 32) + (c & lo) + (c >> 32) + (d & lo) + (d >> 32);
    p += 32;
    n -= 32;
  }
  while (n >= 8) {
    const a = load<u64>(p);
    s += (a & lo) + (a >> 32);
    p += 8;
    n -= 8;
  }
  if (n >= 4) {
    s += <u64>load<u32>(p);
    p += 4;
    n -= 4;
  }
  if (n >= 2) {
    s += <u64>load<u16>(p);
    p += 2;
    n -= 2;
  }
  if (n != 0) s += <u64>load<u8>(p); // the low byte of a little-endian word: zero padding after it
  return <u32>bswap<u16>(<u16>csumFold(s));
}

/** csumAdd: one's-complement sum of partial sum `sum` and the partial sum `part` of a range
 *  that starts at message offset `at` (an odd offset swaps part's bytes). */
// @ts-ignore: decorator
@inline export function csumAdd(sum: u32, part: u32, at: u32 = 0): u32 {
  if (at & 1) part = <u32>bswap<u16>(<u16>part);
  const s = sum + part;
  return (s & 0xffff) + (s >> 16);
}

/** csumRange: sum plus the bytes [p, p+len), which sit at message offset `at`. */
// @ts-ignore: decorator
@inline export function csumRange(sum: u32, p: usize, len: u32, at: u32): u32 {
  return csumAdd(sum, csumBytes(p, len), at);
}

/** csumU32: sum plus a 32-bit value taken as two big-endian words (an IPv4 address). */
// @ts-ignore: decorator
@inline export function csumU32(sum: u32, v: u32): u32 {
  return csumAdd(csumAdd(sum, v >> 16), v & 0xffff);
}

/** csumFinish: the checksum field for partial sum `sum` (its one's complement, 16 bits). */
// @ts-ignore: decorator
@inline export function csumFinish(sum: u32): u16 {
  return <u16>~sum;
}
