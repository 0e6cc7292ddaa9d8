// IPv4 reassembly (net/reasm.ts): pieces, order, drops, limits, timeout, buffer ownership.

import { Drop } from "../../../base/abi";
import { dropsOf } from "../../../base/drop";
import { fragCount, fragLen, fragMore, fragOff } from "../../../net/frag";
import {
  REASM_PIECES, REASM_SLOTS, pieceHandle, pieceHoff, pieceLen, pieceOff, reasmAdd, reasmBuffersHeld, reasmExpire, reasmFirst,
  reasmHeldBytes, reasmLen, reasmLimits, reasmNext, reasmPending, reasmReclaim, reasmRelease,
} from "../../../net/reasm";

const SRC: u32 = 0x0a000001;
const DST: u32 = 0x0a000002;
const UDP: u32 = 17;
const SEC: u64 = 1_000_000_000;

let freed: u64 = 0; // sum of handles freed by reasmRelease
let freedN: i32 = 0;
function free(h: u32): void {
  freed += h;
  freedN++;
}

/** add: fragment [off, off+len) of datagram `id` in buffer `h` (payload at offset 42). */
function add(id: u32, off: u32, len: u32, more: bool, h: u32, now: u64 = 0): i32 {
  return reasmAdd(now, SRC, DST, UDP, id, off, len, more, h, 42);
}

/** reclaimAll: drain the handles reassembly gave back; returns their sum, sets reclaimed. */
let reclaimed: i32 = 0;
function reclaimAll(): u64 {
  let sum: u64 = 0;
  reclaimed = 0;
  for (let h = reasmReclaim(); h >= 0; h = reasmReclaim()) {
    sum += <u64>h;
    reclaimed++;
  }
  return sum;
}

/** pieces: assert complete slot holds pieces tiling [0, len) in order; returns their count. */
function tiled(slot: i32, len: u32): i32 {
  assert(slot > 0, "complete slot id, got " + slot.toString());
  assert(reasmLen(slot) == len, "datagram length " + reasmLen(slot).toString());
  let at: u32 = 0;
  let n = 0;
  for (let pc = reasmFirst(slot); pc >= 0; pc = reasmNext(pc)) {
    assert(pieceOff(pc) == at, "piece " + n.toString() + " at " + pieceOff(pc).toString() + ", want " + at.toString());
    assert(pieceHoff(pc) == 42, "payload offset in buffer");
    at += pieceLen(pc);
    n++;
  }
  assert(at == len, "pieces cover " + at.toString());
  return n;
}

/** noLeak: nothing is held and every buffer went back. */
function noLeak(): void {
  assert(reasmHeldBytes() == 0, "bytes held: " + reasmHeldBytes().toString());
  assert(reasmBuffersHeld() == 0, "buffers held: " + reasmBuffersHeld().toString());
  assert(reasmPending() == 0, "pending: " + reasmPending().toString());
}

// A 3008-byte payload over MTU 1500: [0,1480) h=1, [1480,2960) h=2, [2960,3008) h=3.

export function test_in_order_fragments_complete_on_the_last_with_pieces_in_order(): void {
  assert(add(1, 0, 1480, true, 1) == 0, "first pending");
  assert(add(1, 1480, 1480, true, 2) == 0, "second pending");
  const slot = add(1, 2960, 48, false, 3);
  assert(tiled(slot, 3008) == 3, "three pieces");
  const pc = reasmFirst(slot);
  assert(pieceHandle(pc) == 1 && pieceHandle(reasmNext(pc)) == 2, "handles in offset order");
  assert(reasmHeldBytes() == 3008, "bytes held until release");
  assert(reasmRelease(slot, free) == 3 && freedN == 3 && freed == 6, "release frees each handle once");
  noLeak();
}

export function test_reverse_order_fragments_complete_on_the_first(): void {
  assert(add(1, 2960, 48, false, 3) == 0, "last first");
  assert(add(1, 1480, 1480, true, 2) == 0, "middle");
  const slot = add(1, 0, 1480, true, 1);
  assert(tiled(slot, 3008) == 3, "three pieces");
  assert(pieceHandle(reasmFirst(slot)) == 1, "piece at 0 comes first");
  reasmRelease(slot, free);
  noLeak();
}

export function test_shuffled_fragments_of_the_largest_datagram_reassemble_in_order(): void {
  const len: u32 = 65515;
  const n = fragCount(len, 1500);
  const order = new Array<u32>(n);
  for (let i = 0; i < n; i++) order[i] = <u32>i;
  let seed: u32 = 12345;
  for (let i = n - 1; i > 0; i--) {
    seed = seed * 1103515245 + 12345;
    const j = <i32>((seed >> 8) % <u32>(i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  let slot = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k];
    slot = add(9, fragOff(len, 1500, i), fragLen(len, 1500, i), fragMore(len, 1500, i), 100 + i);
    assert(k == n - 1 ? slot > 0 : slot == 0, "complete only after the last of " + n.toString());
  }
  assert(tiled(slot, len) == n, "45 pieces");
  let i: u32 = 0;
  for (let pc = reasmFirst(slot); pc >= 0; pc = reasmNext(pc)) assert(pieceHandle(pc) == 100 + i++, "handle order");
  reasmRelease(slot);
  assert(freedN == 0, "default release frees nothing (caller kept the buffers)");
  noLeak();
}

export function test_exact_duplicate_fragment_is_dropped_alone_and_the_datagram_completes(): void {
  add(1, 0, 1480, true, 1);
  assert(add(1, 0, 1480, true, 7) == -Drop.FragDuplicate, "duplicate refused");
  assert(dropsOf(Drop.FragDuplicate) == 1, "counted");
  assert(reasmBuffersHeld() == 1, "duplicate's buffer not taken");
  add(1, 2960, 48, false, 3);
  assert(add(1, 2960, 48, false, 8) == -Drop.FragDuplicate, "duplicate last fragment refused");
  const slot = add(1, 1480, 1480, true, 2);
  assert(tiled(slot, 3008) == 3, "three pieces, no duplicate");
  reasmRelease(slot, free);
  assert(freed == 6, "only the original handles are freed");
  noLeak();
}

export function test_overlap_at_a_different_offset_drops_the_whole_datagram(): void {
  add(1, 0, 1480, true, 1);
  add(1, 2960, 48, false, 3);
  assert(add(1, 1472, 1480, true, 2) == -Drop.FragOverlap, "overlaps the first by 8 bytes");
  assert(dropsOf(Drop.FragOverlap) == 1, "counted");
  assert(reasmPending() == 0, "datagram dropped");
  assert(reclaimAll() == 4 && reclaimed == 2, "held buffers 1 and 3 come back; 2 stays the caller's");
  noLeak();
  assert(add(1, 1480, 1480, true, 2) == 0, "a later fragment starts afresh");
}

export function test_overlap_into_the_next_fragment_drops_the_datagram(): void {
  add(1, 1480, 1480, true, 2);
  assert(add(1, 0, 1488, true, 1) == -Drop.FragOverlap, "reaches 8 bytes into the next");
  assert(reclaimAll() == 2, "buffer 2 comes back");
  noLeak();
}

export function test_same_offset_with_a_different_length_is_an_overlap(): void {
  add(1, 0, 1480, true, 1);
  assert(add(1, 0, 1400, true, 2) == -Drop.FragOverlap, "same offset, shorter");
  assert(reclaimAll() == 1, "buffer 1 comes back");
  noLeak();
}

export function test_fragment_past_65535_is_oversize_and_drops_its_datagram(): void {
  add(1, 0, 1480, true, 1);
  assert(add(1, 65528, 16, false, 2) == -Drop.FragOversize, "offset 8191 units + 16 bytes");
  assert(dropsOf(Drop.FragOversize) == 1, "counted");
  assert(reclaimAll() == 1, "buffer 1 comes back");
  assert(add(2, 65512, 8, false, 3) == -Drop.FragOversize, "ends at 65520 > 65515");
  assert(add(2, 65504, 8, true, 3) == 0, "ends at 65512: fine");
  assert(reasmExpire(31 * SEC) == 1, "cleanup");
  reclaimAll();
  noLeak();
}

export function test_final_fragment_conflicting_with_the_known_length_drops_the_datagram(): void {
  add(1, 2960, 48, false, 3);
  assert(add(1, 1480, 1488, false, 2) == -Drop.FragLength, "second final fragment ends at 2968, not 3008");
  assert(dropsOf(Drop.FragLength) == 1, "counted");
  assert(reclaimAll() == 3, "buffer 3 comes back");
  add(1, 1480, 48, false, 4); // total 1528
  assert(add(1, 2960, 48, false, 5) == -Drop.FragLength, "second final fragment ends at 3008, not 1528");
  assert(dropsOf(Drop.FragLength) == 2, "counted again");
  assert(reclaimAll() == 4, "buffer 4 comes back");
  noLeak();
}

export function test_fragment_beyond_the_known_end_drops_the_datagram(): void {
  add(1, 1480, 48, false, 3); // total 1528
  assert(add(1, 1528, 8, true, 4) == -Drop.FragLength, "starts at the end");
  assert(reclaimAll() == 3, "buffer 3 comes back");
  add(1, 2000, 8, true, 5);
  assert(add(1, 0, 1480, false, 6) == -Drop.FragLength, "final fragment ends before held data");
  assert(reclaimAll() == 5, "buffer 5 comes back");
  noLeak();
}

export function test_empty_or_misaligned_fragments_are_refused(): void {
  assert(add(1, 0, 0, true, 1) == -Drop.FragLength, "empty");
  assert(add(1, 0, 1479, true, 1) == -Drop.FragLength, "non-final length not a multiple of 8");
  assert(add(1, 4, 8, true, 1) == -Drop.FragLength, "offset not a multiple of 8");
  assert(dropsOf(Drop.FragLength) == 3, "counted each");
  noLeak();
}

export function test_unfragmented_datagram_completes_at_once(): void {
  const slot = add(1, 0, 1001, false, 5);
  assert(tiled(slot, 1001) == 1, "one piece");
  reasmRelease(slot, free);
  assert(freed == 5, "freed");
  noLeak();
}

export function test_datagrams_with_different_keys_do_not_mix(): void {
  assert(reasmAdd(0, SRC, DST, UDP, 1, 0, 8, true, 1, 0) == 0, "a");
  assert(reasmAdd(0, SRC + 1, DST, UDP, 1, 8, 8, false, 2, 0) == 0, "other source");
  assert(reasmAdd(0, SRC, DST + 1, UDP, 1, 8, 8, false, 3, 0) == 0, "other destination");
  assert(reasmAdd(0, SRC, DST, 6, 1, 8, 8, false, 4, 0) == 0, "other protocol");
  assert(reasmAdd(0, SRC, DST, UDP, 2, 8, 8, false, 5, 0) == 0, "other id");
  assert(reasmPending() == 5, "five datagrams");
  const slot = reasmAdd(0, SRC, DST, UDP, 1, 8, 8, false, 6, 0);
  assert(slot > 0 && pieceHandle(reasmNext(reasmFirst(slot))) == 6, "only the matching fragment completes it");
  reasmRelease(slot);
}

export function test_pending_datagram_expires_after_30_seconds_and_gives_its_buffers_back(): void {
  add(1, 0, 1480, true, 10, 5 * SEC);
  add(1, 1480, 1480, true, 20, 6 * SEC);
  assert(reasmExpire(35 * SEC - 1) == 0, "not yet: 30 s after the first fragment");
  assert(reclaimAll() == 0, "nothing given back yet");
  assert(reasmExpire(35 * SEC) == 1, "expired at 35 s");
  assert(dropsOf(Drop.ReasmTimeout) == 1, "counted once per datagram");
  assert(reclaimAll() == 30 && reclaimed == 2, "both buffers come back");
  noLeak();
}

export function test_late_fragment_of_an_expired_datagram_starts_a_new_one(): void {
  add(1, 0, 1480, true, 1, 0);
  add(1, 1480, 1480, true, 2, 0);
  assert(add(1, 2960, 48, false, 3, 30 * SEC) == 0, "old datagram expired first: not complete");
  assert(dropsOf(Drop.ReasmTimeout) == 1, "expiry counted");
  assert(reclaimAll() == 3, "buffers 1 and 2 come back");
  assert(reasmHeldBytes() == 48, "only the late fragment is held");
}

export function test_complete_datagram_never_expires(): void {
  add(1, 0, 1480, true, 1, 0);
  const slot = add(1, 1480, 8, false, 2, 0);
  assert(reasmExpire(3600 * SEC) == 0, "complete datagrams are the caller's");
  assert(tiled(slot, 1488) == 2, "still intact");
  reasmRelease(slot, free);
  noLeak();
}

export function test_configured_timeout_applies(): void {
  reasmLimits(REASM_SLOTS, 1 << 20, 1 * SEC);
  add(1, 0, 8, true, 1, 0);
  assert(reasmExpire(SEC) == 1, "expired after 1 s");
  reclaimAll();
  noLeak();
}

export function test_new_datagram_is_refused_when_the_table_is_full(): void {
  for (let i = 0; i < REASM_SLOTS; i++) assert(add(100 + i, 0, 8, true, i) == 0, "datagram " + i.toString());
  assert(add(999, 0, 8, true, 99) == -Drop.ReasmTableFull, "one too many");
  assert(dropsOf(Drop.ReasmTableFull) == 1, "counted");
  assert(add(100, 8, 8, false, 50) > 0, "fragments of held datagrams still accepted");
  assert(reasmPending() == REASM_SLOTS - 1, "others still pending");
}

export function test_configured_datagram_limit_applies_and_frees_up_on_release(): void {
  reasmLimits(2, 1 << 20, 30 * SEC);
  add(1, 0, 8, true, 1);
  add(2, 0, 8, true, 2);
  assert(add(3, 0, 8, true, 3) == -Drop.ReasmTableFull, "third refused");
  const slot = add(1, 8, 8, false, 4);
  assert(add(3, 0, 8, true, 3) == -Drop.ReasmTableFull, "complete datagram still holds its slot");
  reasmRelease(slot);
  assert(add(3, 0, 8, true, 3) == 0, "room after release");
}

export function test_fragment_past_the_memory_limit_is_refused_and_its_datagram_dropped(): void {
  reasmLimits(REASM_SLOTS, 3000, 30 * SEC);
  add(1, 0, 1480, true, 1);
  add(1, 1480, 1480, true, 2);
  assert(add(2, 0, 48, true, 5) == -Drop.ReasmMemory, "3008 bytes > 3000: new datagram refused");
  assert(reasmPending() == 1, "datagram 1 untouched by a refused newcomer");
  assert(add(1, 2960, 48, false, 3) == -Drop.ReasmMemory, "datagram 1 cannot complete");
  assert(dropsOf(Drop.ReasmMemory) == 2, "counted each time");
  assert(reclaimAll() == 3 && reclaimed == 2, "buffers 1 and 2 come back");
  noLeak();
  assert(add(1, 0, 1480, true, 1) == 0, "room again");
}

export function test_running_out_of_piece_records_is_a_memory_drop(): void {
  // Over MTU 68 (48-byte steps) the largest datagram has 1365 pieces; the table has 2048.
  const len: u32 = 65515;
  const n = <u32>fragCount(len, 68);
  assert(n == 1365 && REASM_PIECES == 2048, "plan " + n.toString());
  let first = 0;
  for (let i: u32 = 0; i < n; i++) first = add(1, fragOff(len, 68, i), fragLen(len, 68, i), fragMore(len, 68, i), 1);
  assert(tiled(first, len) == 1365, "first datagram complete in 1365 pieces");
  let i: u32 = 0;
  for (; i < n; i++) {
    const r = add(2, fragOff(len, 68, i), fragLen(len, 68, i), fragMore(len, 68, i), 2);
    if (r != 0) {
      assert(r == -Drop.ReasmMemory, "refusal reason " + r.toString());
      break;
    }
  }
  assert(i == 2048 - 1365, "refused at piece " + i.toString());
  assert(dropsOf(Drop.ReasmMemory) == 1, "counted");
  assert(reasmPending() == 0, "second datagram dropped");
  assert(reclaimAll() == 2 * 683 && reclaimed == 683, "its 683 buffers come back");
  assert(add(3, 0, 8, true, 3) == 0, "records free again after reclaim");
  reasmRelease(first);
  reasmExpire(31 * SEC);
  reclaimAll();
  noLeak();
}

export function test_every_buffer_comes_back_after_a_mix_of_drops_and_completions(): void {
  // Datagram id at id seconds: id%3 == 0 completes, 1 stays incomplete (expires), 2 overlaps
  // (dropped); with only 6 slots some are refused outright. Every buffer reassembly took must
  // come back exactly once, through reasmRelease or reasmReclaim.
  reasmLimits(6, 1 << 20, 30 * SEC);
  let taken: u64 = 0;
  for (let id: u32 = 1; id <= 60; id++) {
    const now = <u64>id * SEC;
    const h: u64 = <u64>id * 10;
    if (add(id, 0, 1480, true, <u32>h, now) >= 0) taken += h;
    const second = id % 3 == 0 ? add(id, 1480, 8, false, <u32>h + 1, now)
      : id % 3 == 1 ? add(id, 1480, 8, true, <u32>h + 1, now)
      : add(id, 8, 8, true, <u32>h + 1, now);
    if (second >= 0) taken += h + 1;
    if (second > 0) reasmRelease(second, free);
  }
  assert(dropsOf(Drop.FragOverlap) > 0 && dropsOf(Drop.ReasmTimeout) > 0, "overlaps and timeouts happened");
  assert(dropsOf(Drop.ReasmTableFull) > 0 && freedN > 0, "refusals and completions happened");
  reasmExpire(1000 * SEC);
  const back = reclaimAll();
  assert(back + freed == taken, "returned " + (back + freed).toString() + ", taken " + taken.toString());
  noLeak();
}
