// The per-CPU TLB (vm/tlb.ts): 64 entries, 4-way set associative (16 sets by the low 4 bits of
// the virtual page number), ASID-tagged, round-robin replacement per set.

import { Pte } from "../../../base/abi";
import { TLB_SETS, TLB_WAYS, tlbEntry, tlbFill, tlbFlushAsid, tlbInvalidate, tlbLookup, tlbReset } from "../../../vm/tlb";

const VA: u32 = 0x40000000; // vpn 0x40000, set 0
const SET_STRIDE: u32 = <u32>TLB_SETS << 12; // pages this far apart fall in the same set

/** pte: a recognisable PTE for frame f. */
function pte(f: u32): u32 {
  return (f << 12) | Pte.P | Pte.U | Pte.W;
}

/** valid: number of valid entries on cpu. */
function valid(cpu: i32): i32 {
  let n = 0;
  for (let i = 0; i < TLB_SETS * TLB_WAYS; i++) if (tlbEntry(cpu, i, 1) != 0) n++;
  return n;
}

export function test_geometry_is_64_entries_in_16_sets_of_4_ways(): void {
  assert(TLB_SETS == 16 && TLB_WAYS == 4, "16 x 4");
  tlbReset();
  for (let i: u32 = 0; i < 64; i++) tlbFill(0, 1, VA + (i << 12), pte(100 + i));
  assert(valid(0) == 64, "64 consecutive pages fill the TLB exactly");
  for (let i: u32 = 0; i < 64; i++) assert(tlbLookup(0, 1, VA + (i << 12)) == pte(100 + i), "and all hit");
}

export function test_an_empty_tlb_misses(): void {
  tlbReset();
  assert(tlbLookup(0, 1, VA) == 0, "miss is 0");
  assert(valid(0) == 0, "no valid entry");
}

export function test_a_filled_translation_hits_with_the_cached_pte_at_any_offset_in_the_page(): void {
  tlbReset();
  tlbFill(0, 3, VA, pte(42));
  assert(tlbLookup(0, 3, VA) == pte(42), "hit");
  assert(tlbLookup(0, 3, VA + 4095) == pte(42), "same page, other offset: hit");
  assert(tlbLookup(0, 3, VA + 4096) == 0, "next page: miss");
  const e = <i32>((VA >>> 12) & (TLB_SETS - 1)) * TLB_WAYS; // set 0, way 0
  assert(tlbEntry(0, e, 0) == ((3 << 20) | (VA >>> 12)), "tag = asid << 20 | vpn");
  assert(tlbEntry(0, e, 1) == pte(42), "second word is the PTE");
}

export function test_asids_isolate_address_spaces_without_a_flush(): void {
  tlbReset();
  tlbFill(0, 1, VA, pte(10));
  assert(tlbLookup(0, 2, VA) == 0, "same va, other ASID: miss");
  tlbFill(0, 2, VA, pte(20));
  assert(tlbLookup(0, 1, VA) == pte(10), "both cached side by side");
  assert(tlbLookup(0, 2, VA) == pte(20), "each its own frame");
}

export function test_each_cpu_has_its_own_tlb(): void {
  tlbReset();
  tlbFill(0, 1, VA, pte(10));
  assert(tlbLookup(1, 1, VA) == 0, "CPU 1 did not cache it");
  tlbFill(1, 1, VA, pte(11));
  assert(tlbLookup(0, 1, VA) == pte(10), "CPU 0 unaffected by CPU 1's fill");
}

export function test_refilling_a_cached_page_replaces_it_in_place(): void {
  tlbReset();
  tlbFill(0, 1, VA, pte(10));
  tlbFill(0, 1, VA, pte(11) | Pte.D);
  assert(tlbLookup(0, 1, VA) == (pte(11) | Pte.D), "the new PTE");
  assert(valid(0) == 1, "one entry, not two");
}

export function test_invalidate_drops_exactly_one_translation(): void {
  tlbReset();
  tlbFill(0, 1, VA, pte(10));
  tlbFill(0, 1, VA + SET_STRIDE, pte(11)); // same set
  tlbFill(0, 2, VA, pte(12)); // same page, other ASID
  tlbFill(1, 1, VA, pte(13)); // same translation, other CPU
  assert(tlbInvalidate(0, 1, VA), "true: it was cached");
  assert(tlbLookup(0, 1, VA) == 0, "gone");
  assert(tlbLookup(0, 1, VA + SET_STRIDE) == pte(11), "set neighbour kept");
  assert(tlbLookup(0, 2, VA) == pte(12), "other ASID kept");
  assert(tlbLookup(1, 1, VA) == pte(13), "other CPU kept: invalidation is per CPU");
  assert(!tlbInvalidate(0, 1, VA), "false: nothing left to drop");
}

export function test_flush_by_asid_drops_every_entry_of_that_asid_on_that_cpu_only(): void {
  tlbReset();
  for (let i: u32 = 0; i < 5; i++) tlbFill(0, 7, VA + (i << 12), pte(i + 1));
  tlbFill(0, 8, VA, pte(50));
  tlbFill(0, 8, VA + 0x2000, pte(51));
  tlbFill(1, 7, VA, pte(60));
  assert(tlbFlushAsid(0, 7) == 5, "five entries of ASID 7 dropped on CPU 0");
  for (let i: u32 = 0; i < 5; i++) assert(tlbLookup(0, 7, VA + (i << 12)) == 0, "all miss");
  assert(tlbLookup(0, 8, VA) == pte(50) && tlbLookup(0, 8, VA + 0x2000) == pte(51), "ASID 8 untouched");
  assert(tlbLookup(1, 7, VA) == pte(60), "CPU 1 untouched");
  assert(tlbFlushAsid(0, 7) == 0, "a second flush finds nothing");
}

export function test_pages_16_apart_share_a_set_and_fill_its_ways_in_order(): void {
  tlbReset();
  for (let w: u32 = 0; w < 4; w++) tlbFill(0, 1, VA + w * SET_STRIDE, pte(w + 1));
  for (let w = 0; w < 4; w++) assert(tlbEntry(0, w, 1) == pte(w + 1), "set 0, way w holds the w-th fill");
  assert(valid(0) == 4, "only set 0 used");
}

export function test_a_full_set_replaces_round_robin(): void {
  tlbReset();
  for (let w: u32 = 0; w < 4; w++) tlbFill(0, 1, VA + w * SET_STRIDE, pte(w + 1));
  tlbFill(0, 1, VA + 4 * SET_STRIDE, pte(5));
  assert(tlbLookup(0, 1, VA) == 0, "fifth fill evicts way 0 (the first)");
  assert(tlbEntry(0, 0, 1) == pte(5), "and takes its slot");
  tlbFill(0, 1, VA + 5 * SET_STRIDE, pte(6));
  assert(tlbLookup(0, 1, VA + SET_STRIDE) == 0, "sixth evicts way 1");
  tlbFill(0, 1, VA + 6 * SET_STRIDE, pte(7));
  tlbFill(0, 1, VA + 7 * SET_STRIDE, pte(8));
  tlbFill(0, 1, VA + 8 * SET_STRIDE, pte(9));
  assert(tlbEntry(0, 0, 1) == pte(9), "the pointer wraps to way 0");
  assert(tlbLookup(0, 1, VA + 4 * SET_STRIDE) == 0, "evicting the fifth fill");
  for (let p: u32 = 5; p <= 8; p++) assert(tlbLookup(0, 1, VA + p * SET_STRIDE) == pte(p + 1), "the last four fills hit");
}

export function test_replacement_is_per_set_and_per_cpu(): void {
  tlbReset();
  for (let w: u32 = 0; w < 5; w++) tlbFill(0, 1, VA + w * SET_STRIDE, pte(w + 1)); // set 0 pointer -> way 1
  const set1 = VA + 0x1000;
  for (let w: u32 = 0; w < 5; w++) tlbFill(0, 1, set1 + w * SET_STRIDE, pte(w + 11));
  assert(tlbEntry(0, TLB_WAYS + 0, 1) == pte(15), "set 1 starts its own round robin at way 0");
  for (let w: u32 = 0; w < 5; w++) tlbFill(1, 1, VA + w * SET_STRIDE, pte(w + 21));
  assert(tlbEntry(1, 0, 1) == pte(25), "CPU 1's set 0 too");
}

export function test_an_invalid_way_is_reused_before_any_valid_entry_is_evicted(): void {
  tlbReset();
  for (let w: u32 = 0; w < 4; w++) tlbFill(0, 1, VA + w * SET_STRIDE, pte(w + 1));
  tlbInvalidate(0, 1, VA + 2 * SET_STRIDE);
  tlbFill(0, 1, VA + 9 * SET_STRIDE, pte(99));
  assert(tlbEntry(0, 2, 1) == pte(99), "the hole at way 2 is filled");
  for (let w: u32 = 0; w < 4; w++) if (w != 2) assert(tlbLookup(0, 1, VA + w * SET_STRIDE) == pte(w + 1), "no valid entry evicted");
}

/** fingerprint: a hash of every TLB word on cpu 0. */
function fingerprint(): u32 {
  let h: u32 = 2166136261;
  for (let i = 0; i < TLB_SETS * TLB_WAYS; i++)
    for (let k = 0; k < 2; k++) h = (h ^ tlbEntry(0, i, k)) * 16777619;
  return h;
}

function workload(): void {
  let x: u32 = 12345;
  for (let i = 0; i < 500; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    const va = VA + ((x % 200) << 12);
    const asid = <i32>(x >>> 28) & 3;
    if ((x & 7) == 0) tlbInvalidate(0, asid, va);
    else if (tlbLookup(0, asid, va) == 0) tlbFill(0, asid, va, pte(x & 0xfff));
  }
}

export function test_reset_returns_to_the_boot_state_so_the_same_fills_give_the_same_tlb(): void {
  tlbReset();
  workload();
  const first = fingerprint();
  tlbReset();
  workload();
  assert(fingerprint() == first, "replacement depends only on the sequence of operations since reset");
  tlbReset();
  tlbFill(0, 1, VA, pte(1));
  assert(fingerprint() != first, "(the fingerprint does tell TLB states apart)");
}

export function test_refilling_a_cached_page_reuses_its_way_even_when_an_earlier_way_is_free(): void {
  tlbReset();
  tlbFill(0, 1, VA, pte(1)); // way 0
  tlbFill(0, 1, VA + SET_STRIDE, pte(2)); // way 1
  tlbInvalidate(0, 1, VA); // way 0 free again
  tlbFill(0, 1, VA + SET_STRIDE, pte(2) | Pte.D); // same page as way 1: a refill
  assert(valid(0) == 1, "one entry for the page, not two");
  assert(tlbInvalidate(0, 1, VA + SET_STRIDE), "invalidated");
  assert(tlbLookup(0, 1, VA + SET_STRIDE) == 0, "no stale copy survives the invalidation");
}
