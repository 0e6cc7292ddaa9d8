// vm/ram.ts — physical RAM: frames x 4 KiB inside the kernel's linear memory.
//
//   linear memory                               physical address (pa)
//  +---------------------------+ 0
//  | AssemblyScript data, heap |
//  +---------------------------+ ramBase  <---  pa 0      frame 0 (reserved: null guard)
//  |  frame 1                  |                pa 4096
//  |  ...                      |
//  |  frame ramFrames-1        |
//  +---------------------------+ ramBase + ramFrames*4096
//
// A physical address is an offset into RAM, never a raw pointer. RAM is allocated once, at
// boot, from the heap (the collector never frees a heap.alloc block).

import { PAGE_SHIFT, PAGE_SIZE } from "../kernel/abi";

export let ramBase: usize = 0;
export let ramFrames: u32 = 0;

/** ramInit: reserve frames x 4 KiB of page-aligned, zeroed RAM. */
export function ramInit(frames: u32): void {
  const raw = heap.alloc((<usize>frames << PAGE_SHIFT) + PAGE_SIZE);
  ramBase = (raw + PAGE_SIZE - 1) & ~(<usize>PAGE_SIZE - 1);
  ramFrames = frames;
  memory.fill(ramBase, 0, <usize>frames << PAGE_SHIFT); // the heap hands out blocks unzeroed
}

/** paPtr: linear-memory pointer of physical address pa. */
// @ts-ignore: decorator
@inline export function paPtr(pa: u32): usize {
  return ramBase + <usize>pa;
}

/** framePtr: linear-memory pointer of the first byte of frame f. */
// @ts-ignore: decorator
@inline export function framePtr(f: u32): usize {
  return ramBase + (<usize>f << PAGE_SHIFT);
}
