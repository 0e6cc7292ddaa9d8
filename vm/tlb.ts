// vm/tlb.ts — one translation lookaside buffer per CPU.
//
// 64 entries, 4-way set associative (16 sets indexed by the low 4 bits of the virtual page
// number), tagged with an ASID so a context switch needs no flush. Replacement is round-robin
// per set (deterministic). An entry caches the PTE as the walk found it.
//
//   entry (8 bytes)                      per CPU: 16 sets x 4 ways x 8 bytes = 512 bytes
//  +--------------------+----------+
//  | tag = asid<<20|vpn |   pte    |     pte == 0 means the entry is invalid
//  +--------------------+----------+
//
// The TLB is not coherent with the page tables: whoever changes a PTE that may be cached must
// invalidate it on every CPU that may hold it (vm/pmap.ts does, counting shootdowns).

import { MAX_CPUS, PAGE_SHIFT } from "../base/abi";

export const TLB_SETS = 16;
export const TLB_WAYS = 4;
const ENTRY = 8;
const CPU_BYTES = TLB_SETS * TLB_WAYS * ENTRY;

const entries = new StaticArray<u32>((MAX_CPUS * CPU_BYTES) >> 2);
const victim = new StaticArray<u8>(MAX_CPUS * TLB_SETS);

// @ts-ignore: decorator
@inline function setPtr(cpu: i32, vpn: u32): usize {
  return changetype<usize>(entries) + <usize>cpu * CPU_BYTES + <usize>(vpn & (TLB_SETS - 1)) * TLB_WAYS * ENTRY;
}

// @ts-ignore: decorator
@inline function tag(asid: i32, vpn: u32): u32 {
  return (<u32>asid << 20) | vpn;
}

/** tlbLookup: the cached PTE for (asid, va) on cpu, or 0 on a miss. */
export function tlbLookup(cpu: i32, asid: i32, va: u32): u32 {
  const vpn = va >>> PAGE_SHIFT;
  const s = setPtr(cpu, vpn);
  const t = tag(asid, vpn);
  for (let w = 0; w < TLB_WAYS; w++) {
    const e = s + <usize>w * ENTRY;
    if (load<u32>(e) == t && load<u32>(e, 4) != 0) return load<u32>(e, 4);
  }
  return 0;
}

/** tlbFill: cache pte for (asid, va) on cpu, replacing an entry for the same page or a victim. */
export function tlbFill(cpu: i32, asid: i32, va: u32, pte: u32): void {
  const vpn = va >>> PAGE_SHIFT;
  const s = setPtr(cpu, vpn);
  const t = tag(asid, vpn);
  // The page's own way first (a refill must not leave a second, stale entry for it), then a
  // free way, then the set's round-robin victim.
  let slot = -1;
  let free = -1;
  for (let w = 0; w < TLB_WAYS; w++) {
    const e = s + <usize>w * ENTRY;
    if (load<u32>(e, 4) == 0) { if (free < 0) free = w; }
    else if (load<u32>(e) == t) { slot = w; break; }
  }
  if (slot < 0) slot = free;
  if (slot < 0) {
    const v = cpu * TLB_SETS + <i32>(vpn & (TLB_SETS - 1));
    slot = <i32>victim[v];
    victim[v] = <u8>((slot + 1) & (TLB_WAYS - 1));
  }
  const e = s + <usize>slot * ENTRY;
  store<u32>(e, t);
  store<u32>(e, pte, 4);
}

/** tlbInvalidate: drop the entry for (asid, va) on cpu; true if one was cached. */
export function tlbInvalidate(cpu: i32, asid: i32, va: u32): bool {
  const vpn = va >>> PAGE_SHIFT;
  const s = setPtr(cpu, vpn);
  const t = tag(asid, vpn);
  for (let w = 0; w < TLB_WAYS; w++) {
    const e = s + <usize>w * ENTRY;
    if (load<u32>(e) == t && load<u32>(e, 4) != 0) { store<u32>(e, 0, 4); return true; }
  }
  return false;
}

/** tlbFlushAsid: drop every entry of asid on cpu; returns how many were cached. */
export function tlbFlushAsid(cpu: i32, asid: i32): i32 {
  let n = 0;
  const base = changetype<usize>(entries) + <usize>cpu * CPU_BYTES;
  for (let i = 0; i < TLB_SETS * TLB_WAYS; i++) {
    const e = base + <usize>i * ENTRY;
    if (load<u32>(e, 4) != 0 && (load<u32>(e) >>> 20) == <u32>asid) { store<u32>(e, 0, 4); n++; }
  }
  return n;
}

/** tlbEntry: raw word k (0 = tag, 1 = pte) of entry i on cpu, for inspection. */
export function tlbEntry(cpu: i32, i: i32, k: i32): u32 {
  return load<u32>(changetype<usize>(entries) + <usize>cpu * CPU_BYTES + <usize>i * ENTRY + (<usize>k << 2));
}

/** tlbReset: invalidate every entry on every CPU and rewind replacement to way 0 (boot). */
export function tlbReset(): void {
  memory.fill(changetype<usize>(entries), 0, MAX_CPUS * CPU_BYTES);
  memory.fill(changetype<usize>(victim), 0, MAX_CPUS * TLB_SETS);
}
