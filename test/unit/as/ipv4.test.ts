// IPv4 header build, parse and validation (net/ipv4.ts).

import { Drop } from "../../../base/abi";
import { csumBytes, csumFinish } from "../../../net/checksum";
import { dropsOf } from "../../../base/drop";
import {
  IP4_HLEN, IPPROTO_UDP, Ip4Hdr, ip4Build, ip4Check, ip4DontFrag, ip4Dst, ip4FragOff, ip4HdrLen, ip4Id,
  ip4IsFragment, ip4More, ip4Proto, ip4Src, ip4TotLen, ip4Ttl, ip4Version,
} from "../../../net/ipv4";

const P = heap.alloc(256);

function good(): void {
  memory.fill(P, 0, 256);
  ip4Build(P, 0x0a000001, 0x0a000002, IPPROTO_UDP, 7, 100, 0, false, false);
}

/** resum: recompute the header checksum after a test edits a field. */
function resum(hl: u32): void {
  store<u16>(P + 10, 0);
  store<u16>(P + 10, bswap<u16>(csumFinish(csumBytes(P, hl))));
}

export function test_header_layout_is_the_20_byte_rfc791_layout(): void {
  assert(IP4_HLEN == 20, "IP4_HLEN " + IP4_HLEN.toString());
  assert(offsetof<Ip4Hdr>("totLen") == 2 && offsetof<Ip4Hdr>("frag") == 6, "totLen, frag");
  assert(offsetof<Ip4Hdr>("proto") == 9 && offsetof<Ip4Hdr>("csum") == 10, "proto, csum");
  assert(offsetof<Ip4Hdr>("src") == 12 && offsetof<Ip4Hdr>("dst") == 16, "src, dst");
}

export function test_build_matches_a_known_header_with_checksum_0xb861(): void {
  // 4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7: a classic worked example.
  ip4Build(P, 0xc0a80001, 0xc0a800c7, IPPROTO_UDP, 0, 0x73, 0, false, true);
  const want: u8[] = [0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
    0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7];
  for (let i = 0; i < want.length; i++)
    assert(load<u8>(P + i) == want[i], "byte " + i.toString() + " is 0x" + load<u8>(P + i).toString(16));
}

export function test_build_then_parse_gives_back_every_field(): void {
  ip4Build(P, 0xc0a80a01, 0x08080808, IPPROTO_UDP, 0xbeef, 1500, 2960, true, false);
  assert(ip4Version(P) == 4 && ip4HdrLen(P) == 20, "version, header length");
  assert(ip4TotLen(P) == 1500, "total length");
  assert(ip4Id(P) == 0xbeef, "id");
  assert(ip4FragOff(P) == 2960, "fragment offset in bytes");
  assert(ip4More(P) && !ip4DontFrag(P) && ip4IsFragment(P), "MF set, DF clear");
  assert(ip4Ttl(P) == 64 && ip4Proto(P) == 17, "ttl, proto");
  assert(ip4Src(P) == 0xc0a80a01 && ip4Dst(P) == 0x08080808, "addresses");
  assert(ip4Check(P, 1500) == Drop.None, "it checks out");
}

export function test_fragment_fields_round_trip_at_the_largest_offset(): void {
  ip4Build(P, 1, 2, IPPROTO_UDP, 1, 28, 65528, false, false);
  assert(ip4FragOff(P) == 65528 && !ip4More(P), "offset 8191 units, last fragment");
  assert(ip4IsFragment(P), "a last fragment is still a fragment");
  ip4Build(P, 1, 2, IPPROTO_UDP, 1, 28, 0, false, true);
  assert(!ip4IsFragment(P) && ip4DontFrag(P), "whole datagram with DF");
}

export function test_frame_padding_beyond_total_length_is_accepted(): void {
  good();
  assert(ip4Check(P, 200) == Drop.None, "100-byte packet in a 200-byte frame");
}

export function test_options_are_skipped_when_ihl_is_above_5(): void {
  good();
  store<u8>(P, 0x46); // IHL 6: one word of options
  store<u32>(P + 20, 0x01010101); // four NOP options
  resum(24);
  assert(ip4HdrLen(P) == 24, "header length 24");
  assert(ip4Check(P, 100) == Drop.None, "accepted with options");
}

export function test_packet_shorter_than_20_bytes_is_truncated(): void {
  good();
  assert(ip4Check(P, 19) == Drop.Truncated, "19 bytes");
  assert(dropsOf(Drop.Truncated) == 1, "counted");
}

export function test_options_cut_off_by_the_frame_are_truncated(): void {
  good();
  store<u8>(P, 0x4f); // IHL 15: 60-byte header
  resum(60);
  assert(ip4Check(P, 40) == Drop.Truncated, "60-byte header in a 40-byte frame");
}

export function test_version_other_than_4_is_a_bad_header(): void {
  good();
  store<u8>(P, 0x65);
  resum(20);
  assert(ip4Check(P, 100) == Drop.BadIpHeader, "version 6");
  assert(dropsOf(Drop.BadIpHeader) == 1, "counted");
}

export function test_ihl_below_5_is_a_bad_header(): void {
  good();
  store<u8>(P, 0x44);
  assert(ip4Check(P, 100) == Drop.BadIpHeader, "IHL 4");
}

export function test_total_length_beyond_the_frame_is_a_bad_length(): void {
  good();
  assert(ip4Check(P, 99) == Drop.BadIpLength, "total 100 in 99 bytes");
  assert(dropsOf(Drop.BadIpLength) == 1, "counted");
}

export function test_total_length_below_the_header_is_a_bad_length(): void {
  good();
  store<u16>(P + 2, bswap<u16>(19));
  resum(20);
  assert(ip4Check(P, 100) == Drop.BadIpLength, "total 19");
}

export function test_corrupted_header_fails_the_checksum(): void {
  good();
  store<u8>(P + 8, 63); // TTL changed, checksum not updated
  assert(ip4Check(P, 100) == Drop.BadIpChecksum, "checksum");
  assert(dropsOf(Drop.BadIpChecksum) == 1, "counted");
  assert(dropsOf(Drop.BadIpLength) + dropsOf(Drop.BadIpHeader) + dropsOf(Drop.Truncated) == 0, "one reason only");
}
