// drivers/block.ts — the block driver: one disk, a request ring in RAM, completion by interrupt.
//
// The kernel asks for one 4 KiB block to be read into, or written from, one RAM frame. The
// driver puts a descriptor in the ring, rings the doorbell (host.diskDoorbell) and returns a
// request id at once; the disk serves requests in order and raises its interrupt after each
// (diskInterrupt in kernel/index.ts calls blockInterrupt), where the driver takes the results:
// 0, -EIO (media error) or -EINVAL (the disk refused the request). Results are kept for the last
// BLOCK_HISTORY requests (blockStatus) and handed to a completion callback (blockOnDone).
//
// While a request is pending the driver holds an I/O reference on its frame (inRef for a read,
// outRef for a write; see vm/frame.ts), so the frame is never freed or reused under DMA: if its
// owner lets go meanwhile it becomes an orphan, freed here at completion. Keeping the CPU from
// writing the frame during a write (TCOW) is the caller's business, as for the NIC.
//
//   ring frame (4 KiB; diskAttach returns its physical address to the device)
//  +---------------------------------------+ 0  DISK_RING_DONE
//  | done: u32   requests completed so far |     written by the device only
//  +---------------------------------------+ 64 DISK_RING_DESCS
//  | descriptor of request i, i mod 128    |
//  |   ...  (DISK_RING_SIZE of them)       |
//  +---------------------------------------+ 64 + 128 x 16 = 2112
//
//   descriptor (DISK_DESC_SIZE = 16 bytes), written by the driver; status written by the device
//   0        2        4              8              12             16
//  +--------+--------+--------------+--------------+--------------+
//  |   op   | status |    block     |      pa      |     tag      |
//  +--------+--------+--------------+--------------+--------------+
//   op DiskOp (READ, WRITE); status DiskStatus (PENDING until done); block on the disk;
//   pa: physical address of the 4 KiB buffer; tag: the request id (the device ignores it)
//
// Request ids count from 1; request id uses ring index id - 1. The ring is full when
// DISK_RING_SIZE requests are pending (blockSubmit returns -EAGAIN).

import {
  Counter, DISK_DESC_SIZE, DISK_RING_DESCS, DISK_RING_DONE, DISK_RING_SIZE, DiskDesc, DiskOp, DiskStatus,
  Errno, Ev, FrameFlag, FrameKind, PAGE_SHIFT,
} from "../base/abi";
import { count } from "../base/stats";
import { trace } from "../base/trace";
import { panic, spin } from "../base/panic";
import { checkRegisterHolder } from "../vm/check";
import { frame, frameAlloc, frameInput, frameIoDone, frameOutput, IoRef } from "../vm/frame";
import { framePtr, ramFrames } from "../vm/ram";
import { hostDiskDoorbell } from "../base/host";
import { hold, Tally } from "../vm/tally";

// @ts-ignore: decorator
@unmanaged class DiskReq {
  op: u16;
  status: u16;
  block: u32;
  pa: u32;
  tag: u32;
}

/** blockStatus's answer for a request not yet completed. */
export const BLOCK_PENDING: i32 = 1;
/** How many recent results blockStatus remembers. */
export const BLOCK_HISTORY: u32 = 1024;

/** A completion callback: the request id and its result (0, -EIO or -EINVAL). */
export type BlockDone = (id: i32, result: i32) => void;

const RING: u32 = <u32>DISK_RING_SIZE;
let ring: u32 = 0; // the ring frame; 0 = no disk attached
let diskBlocks: u32 = 0;
let issued: u32 = 0; // requests submitted (the tail given to the doorbell)
let completed: u32 = 0; // requests whose completion the driver has taken
// The driver's own record of each pending request (the ring is the device's, not to be trusted).
const slotFrame = new StaticArray<u32>(DISK_RING_SIZE);
const slotOp = new StaticArray<u16>(DISK_RING_SIZE);
const slotBlock = new StaticArray<u32>(DISK_RING_SIZE);
const results = new StaticArray<i32>(<i32>BLOCK_HISTORY);
let onDone: BlockDone | null = null;

// @ts-ignore: decorator
@inline function slot(i: u32): i32 {
  return <i32>(i & (RING - 1));
}

function desc(i: u32): DiskReq {
  return changetype<DiskReq>(framePtr(ring) + DISK_RING_DESCS + <usize>slot(i) * DISK_DESC_SIZE);
}

/** blockAttach: a disk of nblocks blocks is present; the ring's physical address, or -EBUSY / -EINVAL / -ENOMEM. */
export function blockAttach(nblocks: u32): i32 {
  if (offsetof<DiskReq>() != DISK_DESC_SIZE || offsetof<DiskReq>("status") != DiskDesc.STATUS ||
      offsetof<DiskReq>("block") != DiskDesc.BLOCK || offsetof<DiskReq>("pa") != DiskDesc.PA || offsetof<DiskReq>("tag") != DiskDesc.TAG)
    panic("blockAttach: DiskReq layout disagrees with base/abi.ts");
  if (ring != 0) return -Errno.EBUSY;
  if (nblocks == 0 || nblocks > 0x7fffffff) return -Errno.EINVAL;
  const f = frameAlloc(FrameKind.KERNEL, true);
  if (f == 0) return -Errno.ENOMEM;
  ring = f;
  diskBlocks = nblocks;
  issued = 0;
  completed = 0;
  return <i32>(f << PAGE_SHIFT);
}

/** blockSubmit: queue op (DiskOp) of block to/from frame f; the request id, or -ENODEV / -EINVAL / -EAGAIN (ring full). */
export function blockSubmit(op: i32, block: u32, f: u32): i32 {
  if (ring == 0) return -Errno.ENODEV;
  if (op != DiskOp.READ && op != DiskOp.WRITE) return -Errno.EINVAL;
  if (block >= diskBlocks) return -Errno.EINVAL;
  if (f == 0 || f >= ramFrames || f == ring) return -Errno.EINVAL;
  const m = frame(f);
  if (m.kind == FrameKind.FREE || m.kind == FrameKind.PAGETABLE) return -Errno.EINVAL;
  if (issued - completed >= RING) return -Errno.EAGAIN;
  if (issued == 0x7fffffff) panic("blockSubmit: request ids exhausted");
  if (op == DiskOp.READ) {
    if (m.inRef == 0xffff) return -Errno.EAGAIN;
    frameInput(f);
  } else {
    if (m.outRef == 0xffff) return -Errno.EAGAIN;
    frameOutput(f);
  }
  const i = issued;
  const d = desc(i);
  d.op = <u16>op;
  d.status = <u16>DiskStatus.PENDING;
  d.block = block;
  d.pa = f << PAGE_SHIFT;
  d.tag = i + 1;
  unchecked((slotFrame[slot(i)] = f));
  unchecked((slotOp[slot(i)] = <u16>op));
  unchecked((slotBlock[slot(i)] = block));
  issued = i + 1;
  trace(Ev.DiskSubmit, <i32>issued, op, <i32>block);
  hostDiskDoorbell(issued);
  return <i32>issued;
}

/** blockRead: read block into frame f; request id or -errno (see blockSubmit). */
export function blockRead(block: u32, f: u32): i32 {
  return blockSubmit(DiskOp.READ, block, f);
}

/** blockWrite: write frame f to block; request id or -errno (see blockSubmit). */
export function blockWrite(block: u32, f: u32): i32 {
  return blockSubmit(DiskOp.WRITE, block, f);
}

/** blockOnDone: call fn(id, result) for every request as it completes (null: no callback). */
export function blockOnDone(fn: BlockDone | null): void {
  onDone = fn;
}

/** blockStatus: BLOCK_PENDING, then 0 / -EIO / -EINVAL; -ERANGE for an id never issued or forgotten. */
export function blockStatus(id: i32): i32 {
  if (id <= 0 || <u32>id > issued || issued - <u32>id >= BLOCK_HISTORY) return -Errno.ERANGE;
  if (<u32>id > completed) return BLOCK_PENDING;
  return unchecked(results[<i32>(<u32>id % BLOCK_HISTORY)]);
}

/** blockCount: blocks of the attached disk (0: no disk). */
export function blockCount(): u32 {
  return ring == 0 ? 0 : diskBlocks;
}

/** blockPending: requests submitted and not yet completed. */
export function blockPending(): i32 {
  return <i32>(issued - completed);
}

/** blockInterrupt: take every completion the disk has posted; how many. */
export function blockInterrupt(): i32 {
  count(Counter.Interrupts);
  if (ring == 0) return 0;
  const done = load<u32>(framePtr(ring) + DISK_RING_DONE);
  if (done - completed > issued - completed) panic("blockInterrupt: disk completed requests never submitted");
  let n = 0;
  while (completed != done) {
    spin("drivers/block.ts blockInterrupt");
    const i = completed;
    const st = desc(i).status;
    const result = st == DiskStatus.OK ? 0 : st == DiskStatus.BADREQ ? -Errno.EINVAL : -Errno.EIO;
    const f = unchecked(slotFrame[slot(i)]);
    const op = unchecked(slotOp[slot(i)]);
    frameIoDone(f, op == DiskOp.WRITE ? IoRef.OUT : IoRef.IN);
    if (result == 0) count(op == DiskOp.READ ? Counter.DmaBytesIn : Counter.DmaBytesOut, 1 << PAGE_SHIFT);
    unchecked((slotFrame[slot(i)] = 0));
    unchecked((results[<i32>((i + 1) % BLOCK_HISTORY)] = result));
    completed = i + 1;
    n++;
    trace(Ev.DiskDone, <i32>(i + 1), <i32>unchecked(slotBlock[slot(i)]), result);
    const cb = onDone;
    if (cb != null) cb(<i32>(i + 1), result);
  }
  return n;
}

// The ring frame is held by the driver (frame conservation, vm/check.ts).
function holds(expected: Tally): void {
  if (ring != 0) hold(expected, ring);
}
checkRegisterHolder(holds);
