// Ethernet II framing (net/ether.ts).

import { Drop } from "../../../base/abi";
import { dropsOf } from "../../../base/drop";
import {
  ETH_HLEN, ETHERTYPE_IPV4, etherBuild, etherCheck, etherDst, etherSrc, etherType, macLoad, macStore,
} from "../../../net/ether";

const F = heap.alloc(64);

export function test_header_is_14_bytes_dst_then_src_then_type_in_wire_order(): void {
  etherBuild(F, 0x0a0b0c0d0e0f, 0x020000000001, ETHERTYPE_IPV4);
  const want: u8[] = [0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00];
  assert(ETH_HLEN == 14, "ETH_HLEN");
  for (let i = 0; i < want.length; i++)
    assert(load<u8>(F + i) == want[i], "byte " + i.toString() + " is " + load<u8>(F + i).toString(16));
}

export function test_build_then_parse_gives_back_macs_and_type(): void {
  etherBuild(F, 0xffffffffffff, 0x3c22fb7a9e01, 0x86dd);
  assert(etherDst(F) == 0xffffffffffff, "dst");
  assert(etherSrc(F) == 0x3c22fb7a9e01, "src");
  assert(etherType(F) == 0x86dd, "type");
}

export function test_mac_store_writes_only_six_bytes(): void {
  memory.fill(F, 0xaa, 16);
  macStore(F + 1, 0x112233445566);
  assert(load<u8>(F) == 0xaa && load<u8>(F + 7) == 0xaa, "neighbours untouched");
  assert(macLoad(F + 1) == 0x112233445566, "round trip");
}

export function test_ipv4_frame_passes_check(): void {
  etherBuild(F, 1, 2, ETHERTYPE_IPV4);
  assert(etherCheck(F, 60) == Drop.None, "good frame");
  assert(etherCheck(F, 14) == Drop.None, "header-only frame is not truncated at this layer");
}

export function test_frame_shorter_than_header_is_dropped_as_truncated(): void {
  etherBuild(F, 1, 2, ETHERTYPE_IPV4);
  assert(etherCheck(F, 13) == Drop.Truncated, "13 bytes");
  assert(dropsOf(Drop.Truncated) == 1, "counted once");
}

export function test_non_ipv4_ethertype_is_dropped_as_bad_proto(): void {
  etherBuild(F, 1, 2, 0x0806);
  assert(etherCheck(F, 60) == Drop.BadProto, "ARP");
  assert(dropsOf(Drop.BadProto) == 1, "counted once");
  assert(dropsOf(Drop.Truncated) == 0, "no other reason counted");
}
