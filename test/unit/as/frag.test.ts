// Fragmentation plans (net/frag.ts). Lengths are IP payloads: UDP data + 8.

import { Errno } from "../../../base/abi";
import { IP_MAXPAYLOAD, fragCount, fragLen, fragMore, fragOff, fragStep } from "../../../net/frag";

/** plan: assert the plan for (len, mtu) has n packets, the last of `last` bytes. */
function plan(len: u32, mtu: u32, n: i32, last: u32): void {
  const what = "len " + len.toString() + " mtu " + mtu.toString();
  const c = fragCount(len, mtu);
  assert(c == n, what + ": " + c.toString() + " packets, want " + n.toString());
  assert(fragLen(len, mtu, n - 1) == last, what + ": last " + fragLen(len, mtu, n - 1).toString());
  tiles(len, mtu);
}

/** tiles: the plan covers [0, len) in order, without gaps, within the MTU, with legal offsets. */
function tiles(len: u32, mtu: u32): void {
  const n = fragCount(len, mtu);
  let at: u32 = 0;
  for (let i: u32 = 0; i < <u32>n; i++) {
    const off = fragOff(len, mtu, i);
    const l = fragLen(len, mtu, i);
    const last = i == <u32>n - 1;
    assert(off == at, "packet " + i.toString() + " starts at " + off.toString() + ", want " + at.toString());
    assert((off & 7) == 0, "offset multiple of 8");
    assert(last || (l & 7) == 0, "non-final length multiple of 8");
    assert(l + 20 <= mtu, "packet " + i.toString() + " of " + (l + 20).toString() + " bytes exceeds MTU");
    assert(l > 0 || len == 0, "no empty packet");
    assert(fragMore(len, mtu, i) == !last, "MF only on non-final packets");
    at += l;
  }
  assert(at == len, "covers " + at.toString() + " of " + len.toString());
}

export function test_mtu_1500_carries_1472_data_bytes_unfragmented(): void {
  plan(1 + 8, 1500, 1, 9);
  plan(1472 + 8, 1500, 1, 1480);
}

export function test_mtu_1500_splits_1473_data_bytes_into_1480_and_1(): void {
  plan(1473 + 8, 1500, 2, 1);
  assert(fragLen(1481, 1500, 0) == 1480 && fragOff(1481, 1500, 1) == 1480, "first 1480, second at 1480");
}

export function test_mtu_1500_splits_8972_data_bytes_into_7_packets(): void {
  plan(8972 + 8, 1500, 7, 8980 - 6 * 1480);
}

export function test_mtu_1500_splits_the_largest_datagram_into_45_packets(): void {
  plan(65507 + 8, 1500, 45, 65515 - 44 * 1480);
}

export function test_mtu_9000_carries_8972_data_bytes_unfragmented(): void {
  plan(1 + 8, 9000, 1, 9);
  plan(1473 + 8, 9000, 1, 1481);
  plan(8972 + 8, 9000, 1, 8980);
}

export function test_mtu_9000_steps_by_8976_and_splits_the_largest_datagram_into_8(): void {
  assert(fragStep(9000) == 8976, "8980 rounded down to a multiple of 8: " + fragStep(9000).toString());
  plan(65507 + 8, 9000, 8, 65515 - 7 * 8976);
}

export function test_mtu_65535_carries_every_legal_datagram_in_one_packet(): void {
  plan(1 + 8, 65535, 1, 9);
  plan(8972 + 8, 65535, 1, 8980);
  plan(65507 + 8, 65535, 1, 65515);
}

export function test_65508_data_bytes_is_emsgsize_at_every_mtu(): void {
  assert(IP_MAXPAYLOAD == 65515, "largest IP payload");
  assert(fragCount(65508 + 8, 1500) == -Errno.EMSGSIZE, "mtu 1500");
  assert(fragCount(65508 + 8, 9000) == -Errno.EMSGSIZE, "mtu 9000");
  assert(fragCount(65508 + 8, 65535) == -Errno.EMSGSIZE, "mtu 65535");
  assert(fragCount(0xffffffff, 1500) == -Errno.EMSGSIZE, "huge");
}

export function test_mtu_below_68_is_einval(): void {
  assert(fragCount(100, 67) == -Errno.EINVAL, "mtu 67");
  plan(100, 68, 3, 100 - 2 * 48);
}

export function test_mtu_whose_payload_is_not_a_multiple_of_8_still_sends_a_fitting_datagram_whole(): void {
  plan(1481, 1501, 1, 1481); // 1481 + 20 = 1501 fits, although the step is 1480
  plan(1482, 1501, 2, 2);
}

export function test_every_plan_tiles_its_datagram_for_many_mtus_and_lengths(): void {
  const mtus: u32[] = [68, 69, 75, 296, 576, 1006, 1500, 4352, 9000, 16384, 65535, 100000];
  for (let m = 0; m < mtus.length; m++) {
    for (let len: u32 = 0; len <= IP_MAXPAYLOAD; len += 997) tiles(len, mtus[m]);
    tiles(IP_MAXPAYLOAD, mtus[m]);
  }
}
