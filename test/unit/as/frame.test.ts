// The frame table and the frame allocator (vm/frame.ts).
//
// Each test runs on a fresh kernel instance: framesInit(N) gives frames 1..N-1 free and zero.

import { Counter, FrameFlag, FrameKind, PAGE_SIZE } from "../../../base/abi";
import { countersPtr } from "../../../base/stats";
import {
  frame, frameAlloc, frameCopy, frameFree, frameIsFree, frameRef, frameUnref, framesInit, freeFrames,
} from "../../../vm/frame";
import { framePtr } from "../../../vm/ram";

const N: u32 = 16;

function counter(c: Counter): u64 {
  return load<u64>(countersPtr() + (<usize>c << 3));
}

function fillFrame(f: u32, b: u8): void {
  memory.fill(framePtr(f), b, PAGE_SIZE);
}

/** allBytes: true if every byte of frame f is b. */
function allBytes(f: u32, b: u8): bool {
  const p = framePtr(f);
  for (let i = 0; i < PAGE_SIZE; i++) if (load<u8>(p + <usize>i) != b) return false;
  return true;
}

export function test_boot_reserves_frame_0_and_frees_every_other_frame(): void {
  framesInit(N);
  assert(freeFrames == N - 1, "15 of 16 frames free");
  assert(frame(0).kind == FrameKind.KERNEL && frame(0).refs == 1, "frame 0 is the kernel's null guard");
  assert(!frameIsFree(0), "frame 0 is never free");
  for (let f: u32 = 1; f < N; f++) {
    assert(frameIsFree(f), "every other frame is free");
    assert(allBytes(f, 0), "and zero");
    assert(frame(f).flags == 0, "and clean (not UNSCRUBBED)");
  }
}

export function test_allocation_pops_the_free_list_head_and_never_returns_frame_0(): void {
  framesInit(N);
  for (let f: u32 = 1; f < N; f++) assert(frameAlloc(FrameKind.ANON, true) == f, "boot list is in frame order 1, 2, ...");
  assert(freeFrames == 0, "all allocated");
}

export function test_free_is_lifo_the_last_frame_freed_is_the_next_allocated(): void {
  framesInit(N);
  const a = frameAlloc(FrameKind.ANON, true);
  const b = frameAlloc(FrameKind.ANON, true);
  const c = frameAlloc(FrameKind.ANON, true);
  frameFree(a);
  frameFree(c);
  frameFree(b);
  assert(frameAlloc(FrameKind.ANON, false) == b, "b was freed last");
  assert(frameAlloc(FrameKind.ANON, false) == c, "then c");
  assert(frameAlloc(FrameKind.ANON, false) == a, "then a");
  assert(frameAlloc(FrameKind.ANON, false) == 4, "then the untouched boot list");
}

export function test_allocation_sets_kind_refs_and_bumps_the_generation(): void {
  framesInit(N);
  const f = frameAlloc(FrameKind.PAGETABLE, true);
  const m = frame(f);
  assert(m.kind == FrameKind.PAGETABLE, "kind as asked");
  assert(m.refs == 1, "one reference: the caller's");
  assert(m.maps == 0 && m.outRef == 0 && m.inRef == 0 && m.wired == 0 && m.owner == 0, "no other holder");
  const gen = m.gen;
  frameFree(f);
  assert(frameIsFree(f) && m.refs == 0, "freed");
  assert(frameAlloc(FrameKind.ANON, true) == f, "same frame again");
  assert(m.gen == gen + 1, "generation bumped at each reuse");
  assert(counter(Counter.FramesAllocated) == 2 && counter(Counter.FramesFreed) == 1, "counted");
}

export function test_unref_frees_the_frame_only_when_the_last_reference_goes(): void {
  framesInit(N);
  const f = frameAlloc(FrameKind.ANON, true);
  frameRef(f);
  frameRef(f);
  assert(frame(f).refs == 3, "three holders");
  frameUnref(f);
  frameUnref(f);
  assert(!frameIsFree(f) && frame(f).refs == 1 && freeFrames == N - 2, "still held once");
  frameUnref(f);
  assert(frameIsFree(f) && freeFrames == N - 1, "last reference gone: free");
}

export function test_unref_with_pending_output_orphans_the_frame_instead_of_freeing_it(): void {
  framesInit(N);
  const f = frameAlloc(FrameKind.ANON, true);
  const m = frame(f);
  m.owner = 7;
  m.index = 3;
  m.outRef = 1; // a send is still reading this frame
  fillFrame(f, 0x5a);
  frameUnref(f);
  assert(!frameIsFree(f), "not freed while output is pending");
  assert(freeFrames == N - 2, "not on the free list");
  assert((m.flags & FrameFlag.ORPHAN) != 0, "flagged ORPHAN");
  assert(m.refs == 0 && m.owner == 0 && m.index == 0, "owned by nothing but the pending output");
  assert(allBytes(f, 0x5a), "the bytes under output are untouched");
  assert(frameAlloc(FrameKind.ANON, true) != f, "an orphan is never handed out again");
}

export function test_unref_with_pending_input_also_orphans_the_frame(): void {
  framesInit(N);
  const f = frameAlloc(FrameKind.ANON, true);
  frame(f).inRef = 1;
  frameUnref(f);
  assert(!frameIsFree(f) && (frame(f).flags & FrameFlag.ORPHAN) != 0, "orphaned, not freed");
}

export function test_a_freed_frame_keeps_its_bytes_and_is_flagged_unscrubbed(): void {
  framesInit(N);
  const f = frameAlloc(FrameKind.ANON, true);
  fillFrame(f, 0xab);
  frameFree(f);
  assert((frame(f).flags & FrameFlag.UNSCRUBBED) != 0, "flagged UNSCRUBBED");
  assert(allBytes(f, 0xab), "freeing costs nothing: the bytes stay until reuse");
  assert(counter(Counter.BytesZeroed) == 0, "nothing zeroed yet");
}

export function test_zeroed_allocation_of_an_unscrubbed_frame_zeroes_it_and_counts_4096_bytes(): void {
  framesInit(N);
  const f = frameAlloc(FrameKind.ANON, true);
  fillFrame(f, 0xab);
  frameFree(f);
  assert(frameAlloc(FrameKind.ANON, true) == f, "LIFO: the dirty frame comes back first");
  assert(allBytes(f, 0), "another domain's bytes are gone");
  assert(frame(f).flags == 0, "no longer UNSCRUBBED");
  assert(counter(Counter.BytesZeroed) == <u64>PAGE_SIZE, "one frame zeroed");
}

export function test_zeroed_allocation_of_a_clean_frame_costs_no_zeroing(): void {
  framesInit(N);
  const f = frameAlloc(FrameKind.ANON, true);
  assert(allBytes(f, 0), "boot frames are zero");
  assert(counter(Counter.BytesZeroed) == 0, "so they are not zeroed again");
}

export function test_unzeroed_allocation_leaves_the_bytes_for_the_caller_to_overwrite(): void {
  framesInit(N);
  const f = frameAlloc(FrameKind.ANON, true);
  fillFrame(f, 0xcd);
  frameFree(f);
  assert(frameAlloc(FrameKind.IOBUF, false) == f, "same frame");
  assert(allBytes(f, 0xcd), "not zeroed: the caller promised to overwrite all of it");
  assert(frame(f).flags == 0, "UNSCRUBBED cleared: the new owner's bytes are its own");
  assert(counter(Counter.BytesZeroed) == 0, "no zeroing charged");
}

export function test_exhaustion_returns_0_and_leaves_the_free_list_intact(): void {
  framesInit(N);
  const got = new Array<u32>();
  for (let i: u32 = 1; i < N; i++) got.push(frameAlloc(FrameKind.ANON, true));
  const allocs = counter(Counter.FramesAllocated);
  assert(frameAlloc(FrameKind.ANON, true) == 0, "none left: 0");
  assert(frameAlloc(FrameKind.ANON, false) == 0, "still 0");
  assert(freeFrames == 0, "the count stays 0");
  assert(counter(Counter.FramesAllocated) == allocs, "a failed allocation is not counted");
  assert(frame(0).kind == FrameKind.KERNEL && frame(0).refs == 1, "frame 0 untouched");
  frameFree(got[4]);
  frameFree(got[9]);
  assert(freeFrames == 2, "two free again");
  assert(frameAlloc(FrameKind.ANON, true) == got[9], "the list still works: last freed first");
  assert(frameAlloc(FrameKind.ANON, true) == got[4], "then the other");
  assert(frameAlloc(FrameKind.ANON, true) == 0, "then empty again");
}

export function test_frame_copy_copies_all_4096_bytes_and_counts_them(): void {
  framesInit(N);
  const a = frameAlloc(FrameKind.ANON, true);
  const b = frameAlloc(FrameKind.ANON, true);
  for (let i = 0; i < PAGE_SIZE; i++) store<u8>(framePtr(a) + <usize>i, <u8>(i * 31 + 7));
  frameCopy(b, a);
  for (let i = 0; i < PAGE_SIZE; i++) assert(load<u8>(framePtr(b) + <usize>i) == <u8>(i * 31 + 7), "byte copied");
  assert(counter(Counter.BytesCopied) == <u64>PAGE_SIZE, "4096 bytes counted as CPU copy");
}
