// UDP header and checksum (net/udp.ts).

import { Drop } from "../../../base/abi";
import { csumAdd, csumBytes, csumRange } from "../../../net/checksum";
import { dropsOf } from "../../../base/drop";
import {
  UDP_HLEN, UdpHdr, udpBuild, udpCheck, udpChecksum, udpCsum, udpCsumField, udpDport, udpHasCsum, udpLen,
  udpPseudo, udpSetCsum, udpSport, udpVerify,
} from "../../../net/udp";

const SRC: u32 = 0xc0a80001;
const DST: u32 = 0xc0a800c7;
const D = heap.alloc(70000);
const PH = heap.alloc(16);
const G = heap.alloc(70000);

/** ref: RFC 1071 sum, one big-endian word at a time. */
function ref(p: usize, len: u32, s: u32): u32 {
  for (let i: u32 = 0; i + 1 < len; i += 2) s += (<u32>load<u8>(p + i) << 8) | <u32>load<u8>(p + i + 1);
  if (len & 1) s += <u32>load<u8>(p + len - 1) << 8;
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return s;
}

/** refChecksum: the UDP checksum from an explicit pseudo-header in memory, word by word. */
function refChecksum(p: usize, len: u32): u32 {
  store<u32>(PH, bswap<u32>(SRC));
  store<u32>(PH + 4, bswap<u32>(DST));
  store<u16>(PH + 8, bswap<u16>(17));
  store<u16>(PH + 10, bswap<u16>(<u16>len));
  const c = ~ref(p, len, ref(PH, 12, 0)) & 0xffff;
  return c == 0 ? 0xffff : c;
}

function datagram(len: u32): void {
  udpBuild(D, 5353, 9, len);
  for (let i: u32 = UDP_HLEN; i < len; i++) store<u8>(D + i, <u8>(i * 7 + 3));
}

export function test_header_is_8_bytes_ports_length_checksum(): void {
  assert(UDP_HLEN == 8, "UDP_HLEN");
  assert(offsetof<UdpHdr>("len") == 4 && offsetof<UdpHdr>("csum") == 6, "field offsets");
  udpBuild(D, 0x1234, 0x5678, 0x9abc);
  const want: u8[] = [0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0, 0];
  for (let i = 0; i < 8; i++) assert(load<u8>(D + i) == want[i], "byte " + i.toString());
}

export function test_build_then_parse_gives_back_every_field(): void {
  udpBuild(D, 40000, 53, 1480);
  udpSetCsum(D, 0xabcd);
  assert(udpSport(D) == 40000 && udpDport(D) == 53, "ports");
  assert(udpLen(D) == 1480 && udpCsum(D) == 0xabcd && udpHasCsum(D), "length, checksum");
}

export function test_checksum_matches_the_reference_with_an_explicit_pseudo_header(): void {
  for (let len: u32 = 8; len < 80; len++) {
    datagram(len);
    const c = udpChecksum(D, len, SRC, DST);
    assert(c == refChecksum(D, len), "length " + len.toString() + ": 0x" + c.toString(16));
  }
}

export function test_sent_checksum_verifies_and_a_flipped_bit_does_not(): void {
  datagram(1000);
  udpSetCsum(D, udpChecksum(D, 1000, SRC, DST));
  assert(udpVerify(SRC, DST, 1000, csumBytes(D, 1000)) == Drop.None, "verifies");
  store<u8>(D + 555, load<u8>(D + 555) ^ 0x10);
  assert(udpVerify(SRC, DST, 1000, csumBytes(D, 1000)) == Drop.BadUdpChecksum, "corruption detected");
  assert(dropsOf(Drop.BadUdpChecksum) == 1, "counted");
}

export function test_wrong_address_fails_the_checksum_through_the_pseudo_header(): void {
  datagram(100);
  udpSetCsum(D, udpChecksum(D, 100, SRC, DST));
  assert(udpVerify(SRC, DST + 1, 100, csumBytes(D, 100)) == Drop.BadUdpChecksum, "misdelivered");
}

export function test_checksum_computing_to_zero_is_sent_as_0xffff_and_verifies(): void {
  datagram(20);
  store<u16>(D + 18, 0);
  // Choose the last data word so the sum over pseudo-header, header and data is 0xffff.
  const s = csumAdd(udpPseudo(SRC, DST, 20), csumBytes(D, 20));
  store<u16>(D + 18, bswap<u16>(<u16>(0xffff - s)));
  const c = udpChecksum(D, 20, SRC, DST);
  assert(c == 0xffff, "field 0x" + c.toString(16));
  assert(udpCsumField(0xffff) == 0xffff, "udpCsumField maps 0 to 0xffff");
  udpSetCsum(D, c);
  assert(udpVerify(SRC, DST, 20, csumBytes(D, 20)) == Drop.None, "verifies");
}

export function test_zero_checksum_field_means_no_checksum(): void {
  datagram(30);
  assert(!udpHasCsum(D), "field 0: receiver skips verification");
}

export function test_checksum_over_scattered_fragments_equals_the_contiguous_one(): void {
  // A 65515-byte datagram verified from pieces of 1481, 1480 and the rest, kept apart.
  const len: u32 = 65515;
  datagram(len);
  udpSetCsum(D, udpChecksum(D, len, SRC, DST));
  memory.copy(G, D, 1481);
  memory.copy(G + 2000, D + 1481, 1480);
  memory.copy(G + 4001, D + 2961, len - 2961);
  let s = csumRange(0, G, 1481, 0);
  s = csumRange(s, G + 2000, 1480, 1481);
  s = csumRange(s, G + 4001, len - 2961, 2961);
  assert(udpVerify(SRC, DST, len, s) == Drop.None, "gathered verification");
}

export function test_sound_lengths_pass_and_trailing_ip_bytes_are_allowed(): void {
  udpBuild(D, 1, 2, 8);
  assert(udpCheck(D, 8) == Drop.None, "empty datagram");
  udpBuild(D, 1, 2, 100);
  assert(udpCheck(D, 120) == Drop.None, "UDP length below IP payload");
}

export function test_ip_payload_below_8_bytes_is_truncated(): void {
  udpBuild(D, 1, 2, 8);
  assert(udpCheck(D, 7) == Drop.Truncated, "7 bytes");
  assert(dropsOf(Drop.Truncated) == 1, "counted");
}

export function test_length_below_8_or_beyond_ip_payload_is_a_bad_udp_length(): void {
  udpBuild(D, 1, 2, 7);
  assert(udpCheck(D, 100) == Drop.BadUdpLength, "length 7");
  udpBuild(D, 1, 2, 101);
  assert(udpCheck(D, 100) == Drop.BadUdpLength, "length 101 in 100");
  assert(dropsOf(Drop.BadUdpLength) == 2, "counted twice");
}
