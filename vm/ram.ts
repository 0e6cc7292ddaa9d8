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
//  | frame table, pv pool,     |  (bootAlloc: fresh zero pages, one grow each)
//  | the check's tallies       |
//  +---------------------------+
//  | heap grown after boot     |
//  +---------------------------+ memory.size()
//
// A physical address is an offset into RAM, never a raw pointer. RAM is claimed once, at boot,
// by growing linear memory: fresh wasm pages are zero and 64 KiB aligned, and the allocator
// (TLSF, the incremental runtime's) only ever uses memory it grew itself, so it grows past RAM
// and never into it. A heap block could not hold RAM: the largest is just under 1 GiB.

import { PAGE_SHIFT } from "../base/abi";
import { panic } from "../base/panic";

export let ramBase: usize = 0;
export let ramFrames: u32 = 0;

/** ramInit: claim frames x 4 KiB of page-aligned, zeroed RAM at the top of linear memory. */
export function ramInit(frames: u32): void {
  const pages = <i32>(((<usize>frames << PAGE_SHIFT) + 0xffff) >>> 16);
  const before = memory.grow(pages);
  if (before < 0) panic("ramInit: linear memory cannot grow by " + pages.toString() + " wasm pages");
  ramBase = <usize>before << 16;
  ramFrames = frames;
}

/** bootAlloc: bytes of zeroed kernel memory for a table that lives as long as the machine
 *  (frame table, pv pool, the invariant check's tallies), claimed at boot from fresh wasm pages
 *  above RAM: fresh pages are zero, so nothing needs filling, and no page is touched until the
 *  table is used. */
export function bootAlloc(bytes: usize): usize {
  const before = memory.grow(<i32>((bytes + 0xffff) >>> 16));
  if (before < 0) panic("bootAlloc: linear memory cannot grow by " + bytes.toString() + " bytes");
  return <usize>before << 16;
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
