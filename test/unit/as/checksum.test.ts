// Internet checksum (net/checksum.ts) against RFC 1071 and a byte-at-a-time reference.

import { Counter } from "../../../base/abi";
import { countersPtr } from "../../../base/stats";
import { csumAdd, csumBytes, csumFinish, csumRange, csumU32 } from "../../../net/checksum";

const BUF = heap.alloc(70000);
const BUF2 = heap.alloc(70000);
let seed: u32 = 0x9e3779b9;

function rnd(): u32 {
  seed ^= seed << 13;
  seed ^= seed >> 17;
  seed ^= seed << 5;
  return seed;
}

function fill(p: usize, n: u32): void {
  for (let i: u32 = 0; i < n; i++) store<u8>(p + i, <u8>rnd());
}

function bytes(p: usize, b: u8[]): void {
  for (let i = 0; i < b.length; i++) store<u8>(p + i, b[i]);
}

/** ref: the RFC 1071 sum, one big-endian word at a time. */
function ref(p: usize, len: u32): u32 {
  let s: u32 = 0;
  for (let i: u32 = 0; i + 1 < len; i += 2) s += (<u32>load<u8>(p + i) << 8) | <u32>load<u8>(p + i + 1);
  if (len & 1) s += <u32>load<u8>(p + len - 1) << 8;
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return s;
}

function checksummed(): u64 {
  return load<u64>(countersPtr() + <usize>Counter.BytesChecksummed * 8);
}

export function test_checksum_of_rfc1071_example_is_0x220d(): void {
  bytes(BUF, [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]);
  const s = csumBytes(BUF, 8);
  assert(s == 0xddf2, "sum of RFC 1071 example: 0x" + s.toString(16));
  assert(csumFinish(s) == 0x220d, "checksum: 0x" + csumFinish(s).toString(16));
}

export function test_odd_length_pads_the_last_byte_with_zero(): void {
  bytes(BUF, [0x12, 0x34, 0x56]);
  assert(csumBytes(BUF, 3) == 0x6834, "0x1234 + 0x5600: 0x" + csumBytes(BUF, 3).toString(16));
  bytes(BUF, [0xab]);
  assert(csumBytes(BUF, 1) == 0xab00, "single byte is the high half of a word");
}

export function test_zero_length_sums_to_zero(): void {
  store<u64>(BUF, 0xffffffffffffffff);
  assert(csumBytes(BUF, 0) == 0, "empty range");
}

export function test_carries_wrap_around_end_to_end(): void {
  bytes(BUF, [0xff, 0xff, 0x00, 0x01]);
  assert(csumBytes(BUF, 4) == 0x0001, "0xffff + 1 wraps to 1: 0x" + csumBytes(BUF, 4).toString(16));
  memory.fill(BUF, 0xff, 4096);
  assert(csumBytes(BUF, 4096) == 0xffff, "all ones stay 0xffff");
  bytes(BUF, [0x80, 0x00, 0x80, 0x00]);
  assert(csumBytes(BUF, 4) == 0x0001, "0x8000 + 0x8000 wraps to 1");
}

export function test_sum_equals_reference_for_every_length_up_to_300_and_every_alignment(): void {
  fill(BUF, 400);
  for (let a: u32 = 0; a < 8; a++) {
    for (let n: u32 = 0; n <= 300; n++) {
      const got = csumBytes(BUF + a, n);
      const want = ref(BUF + a, n);
      assert(got == want, "start +" + a.toString() + " len " + n.toString() + ": " + got.toString(16) + " != " + want.toString(16));
    }
  }
}

export function test_sum_equals_reference_on_a_65535_byte_range_of_ones_and_random_bytes(): void {
  memory.fill(BUF, 0xff, 65535);
  assert(csumBytes(BUF, 65535) == ref(BUF, 65535), "all-ones 65535 bytes");
  fill(BUF, 65535);
  assert(csumBytes(BUF, 65535) == ref(BUF, 65535), "random 65535 bytes");
  assert(csumBytes(BUF + 1, 65534) == ref(BUF + 1, 65534), "random 65534 bytes at odd address");
}

export function test_sum_does_not_depend_on_the_address_alignment_of_the_data(): void {
  fill(BUF, 1000);
  const want = csumBytes(BUF, 1000);
  for (let a: u32 = 1; a < 8; a++) {
    memory.copy(BUF2 + a, BUF, 1000);
    assert(csumBytes(BUF2 + a, 1000) == want, "copy at +" + a.toString());
  }
}

export function test_two_ranges_split_at_any_point_sum_to_the_whole(): void {
  fill(BUF, 301);
  for (let n: u32 = 300; n <= 301; n++) {
    const whole = csumBytes(BUF, n);
    for (let k: u32 = 0; k <= n; k++) {
      const s = csumRange(csumRange(0, BUF, k, 0), BUF + k, n - k, k);
      assert(s == whole, "split at " + k.toString() + " of " + n.toString());
    }
  }
}

export function test_scattered_ranges_at_odd_message_offsets_sum_to_the_contiguous_whole(): void {
  // A 3001-byte message gathered from three separate places, pieces of 1, 1499 and 1501 bytes.
  fill(BUF, 3001);
  memory.copy(BUF2 + 7, BUF, 1);
  memory.copy(BUF2 + 1000, BUF + 1, 1499);
  memory.copy(BUF2 + 5003, BUF + 1500, 1501);
  let s = csumRange(0, BUF2 + 7, 1, 0);
  s = csumRange(s, BUF2 + 1000, 1499, 1);
  s = csumRange(s, BUF2 + 5003, 1501, 1500);
  assert(s == csumBytes(BUF, 3001), "gathered sum 0x" + s.toString(16));
  assert(s == ref(BUF, 3001), "reference");
}

export function test_odd_offset_range_contributes_its_byte_swapped_sum(): void {
  bytes(BUF, [0x12, 0x34]);
  assert(csumAdd(0, csumBytes(BUF, 2), 1) == 0x3412, "swapped at odd offset");
  assert(csumAdd(0, csumBytes(BUF, 2), 2) == 0x1234, "unchanged at even offset");
}

export function test_message_with_its_own_checksum_sums_to_0xffff(): void {
  fill(BUF, 64);
  store<u16>(BUF + 10, 0);
  const c = csumFinish(csumBytes(BUF, 64));
  store<u16>(BUF + 10, bswap<u16>(c));
  assert(csumBytes(BUF, 64) == 0xffff, "verification sum");
  store<u8>(BUF + 33, load<u8>(BUF + 33) ^ 0x04);
  assert(csumBytes(BUF, 64) != 0xffff, "a flipped bit is detected");
}

export function test_u32_value_adds_as_two_big_endian_words(): void {
  assert(csumU32(0, 0xc0a80001) == 0xc0a9, "0xc0a8 + 0x0001");
  assert(csumU32(0, 0xffff0001) == 0x0001, "0xffff + 0x0001 wraps");
}

export function test_summing_counts_every_byte_as_checksummed(): void {
  const before = checksummed();
  csumBytes(BUF, 1500);
  csumBytes(BUF + 3, 7);
  assert(checksummed() - before == 1507, "counted " + (checksummed() - before).toString());
}
