// vm/frame.ts — the frame table and the frame allocator.
//
// Every physical frame has a 32-byte record (layout drawn in base/abi.ts, FrameField).
// Free frames form a LIFO list threaded through `next`, followed by the frames never yet
// allocated (freshNext upward): allocation and freeing are O(1), and boot touches no record.
// A frame freed from user use keeps its old bytes and is flagged UNSCRUBBED; it is zeroed
// before anyone who asked for a zeroed frame sees it, and a caller that asks for an unzeroed
// frame promises to overwrite all 4096 bytes before mapping it. No frame with another domain's
// bytes is ever mapped.

import { Counter, Ev, FRAME_META_SIZE, FrameField, FrameFlag, FrameKind, PAGE_SIZE } from "../base/abi";
import { count } from "../base/stats";
import { trace } from "../base/trace";
import { panic } from "../base/panic";
import { bootAlloc, framePtr, ramFrames, ramInit } from "./ram";

// @ts-ignore: decorator
@unmanaged export class Frame {
  refs: u16;
  kind: u8;
  flags: u8;
  outRef: u16;
  inRef: u16;
  wired: u16;
  maps: u16;
  owner: u32;
  index: u32;
  next: u32;
  pv: u32;
  gen: u32;
}

let table: usize = 0;
let freeHead: u32 = 0;
let freshNext: u32 = 1; // frames freshNext .. ramFrames - 1 have never been allocated
export let freeFrames: u32 = 0;

/** frame: the metadata record of frame f. */
// @ts-ignore: decorator
@inline export function frame(f: u32): Frame {
  return changetype<Frame>(table + <usize>f * FRAME_META_SIZE);
}

/** frameTablePtr: address of the frame table (host inspection). */
export function frameTablePtr(): usize {
  return table;
}

/** frameFresh: the first frame never allocated: the records of frames frameFresh() ..
 *  ramFrames - 1 have never been written (all zero). */
export function frameFresh(): u32 {
  return freshNext;
}

/** framesInit: reserve RAM and the frame table; every frame but frame 0 starts free and zero. */
export function framesInit(n: u32): void {
  if (offsetof<Frame>() != FRAME_META_SIZE || offsetof<Frame>("owner") != FrameField.OWNER ||
      offsetof<Frame>("gen") != FrameField.GEN || offsetof<Frame>("maps") != FrameField.MAPS)
    panic("framesInit: Frame layout disagrees with base/abi.ts");
  ramInit(n);
  table = bootAlloc(<usize>n * FRAME_META_SIZE); // zero: every record FREE, clean, unlinked
  frame(0).kind = <u8>FrameKind.KERNEL; // null guard: physical address 0 is never handed out
  frame(0).refs = 1;
  freeHead = 0;
  freshNext = 1;
  freeFrames = n - 1;
}

/** frameAlloc: a frame of the given kind with refs = 1, zero-filled if zero; 0 if none is free. */
export function frameAlloc(kind: FrameKind, zero: bool): u32 {
  // The free frames are the list freeHead, then the never-used freshNext .. ramFrames - 1: the
  // same order as one list 1, 2, ... threaded at boot, without touching every record to thread it.
  let f = freeHead;
  if (f != 0) freeHead = frame(f).next;
  else if (freshNext < ramFrames) f = freshNext++;
  else return 0;
  const m = frame(f);
  freeFrames--;
  if (zero && (m.flags & FrameFlag.UNSCRUBBED) != 0) {
    memory.fill(framePtr(f), 0, PAGE_SIZE);
    count(Counter.BytesZeroed, PAGE_SIZE);
  }
  // An unzeroed frame is the caller's to overwrite; either way it no longer holds stale bytes.
  m.flags = 0;
  m.kind = <u8>kind;
  m.refs = 1;
  m.next = 0;
  m.owner = 0;
  m.index = 0;
  m.gen++;
  count(Counter.FramesAllocated);
  trace(Ev.FrameAlloc, f, kind);
  return f;
}

/** frameFree: return f to the free list. It must have no refs, mappings or pending I/O. */
export function frameFree(f: u32): void {
  const m = frame(f);
  if (f == 0 || f >= ramFrames || m.kind == FrameKind.FREE) panic("frameFree: bad frame");
  if (m.maps != 0 || m.outRef != 0 || m.inRef != 0 || m.wired != 0) panic("frameFree: frame in use");
  m.kind = <u8>FrameKind.FREE;
  m.flags = <u8>FrameFlag.UNSCRUBBED;
  m.refs = 0;
  m.owner = 0;
  m.index = 0;
  m.next = freeHead;
  freeHead = f;
  freeFrames++;
  count(Counter.FramesFreed);
  trace(Ev.FrameFree, f);
}

/** frameRef: one more holder of frame f. */
export function frameRef(f: u32): void {
  const m = frame(f);
  if (m.refs == 0xffff) panic("frameRef: too many references");
  m.refs++;
}

/** frameBusy: is I/O pending on f, or is it wired? (Such a frame is never freed or reused.) */
// @ts-ignore: decorator
@inline export function frameBusy(m: Frame): bool {
  return m.outRef != 0 || m.inRef != 0 || m.wired != 0;
}

/**
 * frameUnref: one holder fewer. At zero the frame is freed, unless I/O is still pending on it
 * or it is wired: then it becomes an ORPHAN, freed when the last of those ends (frameIoDone).
 * A wired frame that keeps other holders is STRANDED (see frameStranded).
 */
export function frameUnref(f: u32): void {
  dropRef(f, true);
}

/**
 * frameRelease: a kernel or device holder lets go of f (an output request that completes, a
 * pipe's buffer spliced on, a posted receive buffer, a packet): as frameUnref, but f is not
 * STRANDED. A pin must tell apart the processes and objects that hold its frame; these holders
 * are none of them, and their letting go leaves the same ones (share input wires the receiver's
 * own frame, which the ring and then the packet hold as well: the receiver may go on storing
 * into it in place).
 */
export function frameRelease(f: u32): void {
  dropRef(f, false);
}

function dropRef(f: u32, strand: bool): void {
  const m = frame(f);
  if (m.refs == 0) panic("frameUnref: no references");
  m.refs--;
  if (m.refs != 0) {
    if (strand && m.wired != 0) m.flags |= <u8>FrameFlag.STRANDED;
    return;
  }
  if (frameBusy(m)) {
    m.flags |= <u8>FrameFlag.ORPHAN;
    m.owner = 0;
    m.index = 0;
    return;
  }
  frameFree(f);
}

/**
 * frameStranded: may f not be written in place, though nothing else forbids it? Share semantics
 * wires the sender's frames and lets the sender's own stores reach its output; the frame table
 * does not say who wired a frame. A frame wired while it was its holder's alone (refs == 1) is
 * the pinner's as long as it stays so; once a holder lets go of a wired frame (a copy-on-write
 * copy for one of several sharers, an unmap, an exit), the holder left may be another process,
 * whose stores must never reach the pinner's output. Until its pins are gone, a store into a
 * stranded frame gets a copy, as under TCOW (vm/fault.ts).
 */
// @ts-ignore: decorator
@inline export function frameStranded(m: Frame): bool {
  return (m.flags & FrameFlag.STRANDED) != 0;
}

/** frameOutput: output starts from f (TCOW and the emulated semantics): outRef++. */
export function frameOutput(f: u32): void {
  const m = frame(f);
  if (m.outRef == 0xffff) panic("frameOutput: too many outputs");
  m.outRef++;
}

/** frameWire: pin f for share semantics: wired++ (never evicted, moved or freed while wired). */
export function frameWire(f: u32): void {
  const m = frame(f);
  if (m.wired == 0xffff) panic("frameWire: too many pins");
  m.wired++;
}

/** frameInput: input (DMA) into f starts: inRef++ (f is never evicted while it is pending). */
export function frameInput(f: u32): void {
  const m = frame(f);
  if (m.inRef == 0xffff) panic("frameInput: too many inputs");
  m.inRef++;
}

/** The I/O references of a frame (frameIoDone's `what`). */
export enum IoRef {
  OUT = 0,
  IN = 1,
  WIRE = 2,
}

/** frameIoDone: one output, input or pin on f ends; an orphan nobody needs any more is freed. */
export function frameIoDone(f: u32, what: IoRef): void {
  const m = frame(f);
  if (what == IoRef.OUT) {
    if (m.outRef == 0) panic("frameIoDone: no output pending");
    m.outRef--;
  } else if (what == IoRef.IN) {
    if (m.inRef == 0) panic("frameIoDone: no input pending");
    m.inRef--;
  } else {
    if (m.wired == 0) panic("frameIoDone: not wired");
    m.wired--;
    if (m.wired == 0) m.flags &= ~(<u8>FrameFlag.STRANDED);
  }
  if ((m.flags & FrameFlag.ORPHAN) != 0 && !frameBusy(m)) {
    m.flags &= ~(<u8>FrameFlag.ORPHAN);
    frameFree(f);
  }
}

/** frameIsFree: true if f is on the free list. */
export function frameIsFree(f: u32): bool {
  return frame(f).kind == FrameKind.FREE;
}

/** frameCopy: copy all of frame src into frame dst, counting the CPU bytes copied. */
export function frameCopy(dst: u32, src: u32): void {
  memory.copy(framePtr(dst), framePtr(src), PAGE_SIZE);
  count(Counter.BytesCopied, PAGE_SIZE);
}
