// Two-level page tables stored in RAM frames (vm/pagetable.ts) and the PTE layout (base/abi.ts).

import { Counter, FrameKind, PAGE_SIZE, Pte } from "../../../base/abi";
import { countersPtr } from "../../../base/stats";
import { frame, frameAlloc, framesInit, freeFrames } from "../../../vm/frame";
import { pdAlloc, pdFree, pdePtr, pteFrame, pteGet, pteMake, ptePtr, pteWrite } from "../../../vm/pagetable";
import { framePtr } from "../../../vm/ram";

const N: u32 = 64;
const VA: u32 = 0x40001000; // PD index 256, PT index 1

function counter(c: Counter): u64 {
  return load<u64>(countersPtr() + (<usize>c << 3));
}

export function test_pte_bits_are_distinct_and_below_the_frame_number(): void {
  const bits: u32[] = [Pte.P, Pte.W, Pte.U, Pte.A, Pte.D, Pte.WIRE, Pte.COW, Pte.TCOW, Pte.HID];
  let seen: u32 = 0;
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i];
    assert(popcnt<u32>(b) == 1, "each bit is one bit");
    assert((seen & b) == 0, "no two bits share a position");
    assert((b & ~(<u32>Pte.FLAGS)) == 0, "every bit lies in the low 12 bits");
    seen |= b;
  }
  assert(Pte.P == 1 && Pte.W == 2 && Pte.U == 4 && Pte.A == 0x20 && Pte.D == 0x40, "hardware bits where x86 has them");
}

export function test_pte_make_keeps_the_frame_and_the_bits_apart(): void {
  const all: u32 = Pte.P | Pte.W | Pte.U | Pte.A | Pte.D | Pte.WIRE | Pte.COW | Pte.TCOW | Pte.HID;
  const top: u32 = 0xfffff; // largest frame number a 32-bit PTE can hold
  const e = pteMake(top, all);
  assert(pteFrame(e) == top, "frame number intact with every bit set");
  assert((e & Pte.FLAGS) == all, "every bit intact with the largest frame");
  assert(pteMake(5, Pte.P | Pte.W) == ((5 << 12) | 3), "frame << 12 | bits");
  assert(pteMake(5, 0x7000 | Pte.P) == ((5 << 12) | 1), "bits above FLAGS cannot corrupt the frame number");
}

export function test_pte_ptr_without_create_finds_no_table_and_allocates_nothing(): void {
  framesInit(N);
  const pd = pdAlloc();
  const free0 = freeFrames;
  assert(ptePtr(pd, VA, false) == 0, "no page table covers VA");
  assert(pteGet(pd, VA) == 0, "so there is no PTE");
  assert(freeFrames == free0, "nothing allocated");
  assert(load<u32>(pdePtr(pd, VA)) == 0, "PDE untouched");
}

export function test_pte_ptr_with_create_allocates_one_zeroed_table_in_a_ram_frame(): void {
  framesInit(N);
  const pd = pdAlloc();
  assert(frame(pd).kind == FrameKind.PAGETABLE, "the directory is a page-table frame");
  const free0 = freeFrames;
  const writes0 = counter(Counter.PteWrites);
  const p = ptePtr(pd, VA, true);
  assert(p != 0, "a PTE pointer");
  assert(freeFrames == free0 - 1, "one frame for the table");
  const pde = load<u32>(framePtr(pd) + (<usize>(VA >>> 22) << 2));
  assert((pde & (Pte.P | Pte.W | Pte.U)) == (Pte.P | Pte.W | Pte.U), "PDE present, writable, user");
  const pt = pteFrame(pde);
  assert(frame(pt).kind == FrameKind.PAGETABLE && frame(pt).refs == 1, "the table frame is a held page table");
  assert(p == framePtr(pt) + (<usize>((VA >>> 12) & 1023) << 2), "PTE at table + PT index * 4");
  for (let i = 0; i < PAGE_SIZE; i += 4) assert(load<u32>(framePtr(pt) + <usize>i) == 0, "new table is empty");
  assert(counter(Counter.PteWrites) == writes0 + 1, "the PDE write is counted");
}

export function test_pte_ptr_reuses_the_table_for_the_same_4_mib(): void {
  framesInit(N);
  const pd = pdAlloc();
  const p = ptePtr(pd, VA, true);
  const free0 = freeFrames;
  assert(ptePtr(pd, VA, true) == p, "same page, same PTE");
  assert(ptePtr(pd, VA + 123, true) == p, "the page offset does not matter");
  assert(ptePtr(pd, VA + PAGE_SIZE, true) == p + 4, "next page, next PTE");
  assert(ptePtr(pd, (VA & 0xffc00000) + 0x3ff000, false) == p - 4 + 1023 * 4, "last PTE of the table");
  assert(freeFrames == free0, "no second table");
  ptePtr(pd, VA + 0x400000, true);
  assert(freeFrames == free0 - 1, "the next 4 MiB needs its own table");
}

export function test_a_pte_written_through_the_pointer_is_read_back_from_ram(): void {
  framesInit(N);
  const pd = pdAlloc();
  const f = frameAlloc(FrameKind.ANON, true);
  const writes0 = counter(Counter.PteWrites);
  pteWrite(ptePtr(pd, VA, true), pteMake(f, Pte.P | Pte.U));
  assert(counter(Counter.PteWrites) == writes0 + 2, "PDE and PTE writes counted");
  assert(pteGet(pd, VA) == ((f << 12) | Pte.P | Pte.U), "read back");
  assert(pteGet(pd, VA + PAGE_SIZE) == 0, "neighbour still empty");
}

export function test_pte_ptr_with_create_returns_0_when_no_frame_is_free(): void {
  framesInit(N);
  const pd = pdAlloc();
  while (frameAlloc(FrameKind.ANON, true) != 0) {}
  assert(freeFrames == 0, "exhausted");
  assert(ptePtr(pd, VA, true) == 0, "no table can be had: 0");
  assert(load<u32>(pdePtr(pd, VA)) == 0, "PDE left absent");
}

export function test_pd_free_releases_every_table_and_the_directory(): void {
  framesInit(N);
  const free0 = freeFrames;
  const pd = pdAlloc();
  ptePtr(pd, 0x00010000, true);
  ptePtr(pd, 0x40000000, true);
  ptePtr(pd, 0x7ffef000, true);
  assert(freeFrames == free0 - 4, "directory + three tables");
  pdFree(pd);
  assert(freeFrames == free0, "all four returned");
  assert(load<u32>(framePtr(pd) + (<usize>(0x40000000 >>> 22) << 2)) == 0, "PDEs cleared before the directory went");
}
