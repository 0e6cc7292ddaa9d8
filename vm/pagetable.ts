// vm/pagetable.ts — two-level page tables stored in RAM frames.
//
//   virtual address (32 bits)
//   31          22 21          12 11            0
//  +--------------+--------------+---------------+
//  |  PD index    |  PT index    |  page offset  |
//  +--------------+--------------+---------------+
//         |              |
//         |   page directory frame (1024 PDEs)     page table frame (1024 PTEs)
//         +-> PDE = PT frame << 12 | P W U   --->  PTE = data frame << 12 | bits (base/abi.ts, Pte)
//
// A PDE or PTE is 4 bytes in RAM, so the tables are frames like any other and the host can
// show them. Every write the kernel makes to a PDE or PTE is counted (PteWrites).

import { Counter, FrameKind, PAGE_SHIFT, PDE_SHIFT, PTES_PER_TABLE, Pte } from "../base/abi";
import { count } from "../base/stats";
import { frameAlloc, frameUnref } from "./frame";
import { framePtr } from "./ram";

/** pteFrame: the frame number a PDE/PTE points to. */
// @ts-ignore: decorator
@inline export function pteFrame(pte: u32): u32 {
  return pte >>> PAGE_SHIFT;
}

/** pteMake: a PDE/PTE pointing at frame f with the given bits. */
// @ts-ignore: decorator
@inline export function pteMake(f: u32, bits: u32): u32 {
  return (f << PAGE_SHIFT) | (bits & Pte.FLAGS);
}

/** pteWrite: store a PDE/PTE, counting the write. */
// @ts-ignore: decorator
@inline export function pteWrite(ptr: usize, pte: u32): void {
  store<u32>(ptr, pte);
  count(Counter.PteWrites);
}

/** pdAlloc: a zeroed page-directory frame; 0 if out of frames. */
export function pdAlloc(): u32 {
  return frameAlloc(FrameKind.PAGETABLE, true);
}

/** pdePtr: pointer to the PDE that covers va in directory pd. */
// @ts-ignore: decorator
@inline export function pdePtr(pd: u32, va: u32): usize {
  return framePtr(pd) + ((<usize>(va >>> PDE_SHIFT)) << 2);
}

/**
 * ptePtr: pointer to the PTE for va under directory pd. With create, a missing page table is
 * allocated (zeroed); returns 0 if there is no table and !create, or no frame was free.
 */
export function ptePtr(pd: u32, va: u32, create: bool): usize {
  const pde = pdePtr(pd, va);
  let e = load<u32>(pde);
  if ((e & Pte.P) == 0) {
    if (!create) return 0;
    const pt = frameAlloc(FrameKind.PAGETABLE, true);
    if (pt == 0) return 0;
    e = pteMake(pt, Pte.P | Pte.W | Pte.U);
    pteWrite(pde, e);
  }
  return framePtr(pteFrame(e)) + ((<usize>((va >>> PAGE_SHIFT) & (PTES_PER_TABLE - 1))) << 2);
}

/** pteGet: the PTE for va under pd, or 0 if none. */
export function pteGet(pd: u32, va: u32): u32 {
  const p = ptePtr(pd, va, false);
  return p == 0 ? 0 : load<u32>(p);
}

/** pdFree: free every page table of directory pd, then pd itself. All PTEs must be clear. */
export function pdFree(pd: u32): void {
  const base = framePtr(pd);
  for (let i = 0; i < PTES_PER_TABLE; i++) {
    const e = load<u32>(base + (<usize>i << 2));
    if ((e & Pte.P) != 0) {
      pteWrite(base + (<usize>i << 2), 0);
      frameUnref(pteFrame(e));
    }
  }
  frameUnref(pd);
}
