// The block driver (drivers/block.ts) on its own: this file plays the disk, writing statuses and
// the done index into the ring the way tools/host/disk.ts does, then raising the interrupt.

import { Counter, DISK_DESC_SIZE, DISK_RING_DESCS, DISK_RING_DONE, DISK_RING_SIZE, DiskDesc, DiskOp, DiskStatus, Errno, FrameKind, PAGE_SIZE } from "../../../base/abi";
import { countersPtr } from "../../../base/stats";
import { frame, frameAlloc, framesInit } from "../../../vm/frame";
import { paPtr } from "../../../vm/ram";
import {
  BLOCK_HISTORY, BLOCK_PENDING, blockAttach, blockInterrupt, blockOnDone, blockPending, blockRead, blockStatus, blockSubmit, blockWrite,
} from "../../../drivers/block";

let ringPa: u32 = 0;
let devDone: u32 = 0; // requests the pretend disk has completed

function counter(c: Counter): u64 {
  return load<u64>(countersPtr() + (<usize>c << 3));
}

function setup(): u32 {
  framesInit(64);
  const r = blockAttach(100);
  assert(r > 0, "blockAttach gives the ring's physical address");
  ringPa = <u32>r;
  devDone = 0;
  const f = frameAlloc(FrameKind.IOBUF, true);
  assert(f != 0, "a buffer frame");
  return f;
}

/** complete: the disk finishes its next request with status st (does not interrupt). */
function complete(st: DiskStatus): void {
  const d = paPtr(ringPa) + DISK_RING_DESCS + <usize>(devDone % <u32>DISK_RING_SIZE) * DISK_DESC_SIZE;
  store<u16>(d + DiskDesc.STATUS, <u16>st);
  devDone++;
  store<u32>(paPtr(ringPa) + DISK_RING_DONE, devDone);
}

const seenIds = new Array<i32>();
const seenResults = new Array<i32>();
function record(id: i32, result: i32): void {
  seenIds.push(id);
  seenResults.push(result);
}

export function test_the_callback_gets_each_id_and_result_in_order_and_io_references_are_dropped(): void {
  const f = setup();
  blockOnDone(record);
  assert(blockRead(5, f) == 1 && blockRead(6, f) == 2 && blockWrite(7, f) == 3, "ids count from 1");
  assert(frame(f).inRef == 2 && frame(f).outRef == 1, "reads hold inRef, writes outRef");
  const d0 = paPtr(ringPa) + DISK_RING_DESCS;
  assert(load<u16>(d0 + DiskDesc.OP) == DiskOp.READ && load<u32>(d0 + DiskDesc.BLOCK) == 5, "descriptor 0: read block 5");
  assert(load<u32>(d0 + DiskDesc.PA) == f * PAGE_SIZE && load<u32>(d0 + DiskDesc.TAG) == 1, "into frame f, tag 1");
  complete(DiskStatus.OK);
  complete(DiskStatus.EIO);
  complete(DiskStatus.BADREQ);
  const irq0 = counter(Counter.Interrupts);
  assert(blockInterrupt() == 3, "three completions taken");
  assert(counter(Counter.Interrupts) == irq0 + 1, "one interrupt");
  assert(seenIds.length == 3 && seenIds[0] == 1 && seenIds[1] == 2 && seenIds[2] == 3, "callback per request, in order");
  assert(seenResults[0] == 0 && seenResults[1] == -Errno.EIO && seenResults[2] == -Errno.EINVAL, "OK, EIO, BADREQ -> EINVAL");
  assert(blockStatus(1) == 0 && blockStatus(2) == -Errno.EIO && blockStatus(3) == -Errno.EINVAL, "blockStatus agrees");
  assert(frame(f).inRef == 0 && frame(f).outRef == 0, "I/O references dropped");
  assert(counter(Counter.DmaBytesIn) == PAGE_SIZE && counter(Counter.DmaBytesOut) == 0, "only the successful read moved bytes");
  assert(counter(Counter.BytesCopied) == 0, "and the CPU copied none");
}

export function test_an_interrupt_takes_only_what_the_disk_has_completed(): void {
  const f = setup();
  blockRead(1, f);
  blockRead(2, f);
  complete(DiskStatus.OK);
  assert(blockInterrupt() == 1, "one of two done");
  assert(blockStatus(1) == 0 && blockStatus(2) == BLOCK_PENDING, "the second is still pending");
  assert(blockPending() == 1 && frame(f).inRef == 1, "and still holds its frame");
  assert(blockInterrupt() == 0, "a spurious interrupt takes nothing");
  complete(DiskStatus.OK);
  assert(blockInterrupt() == 1 && blockPending() == 0, "then the other");
}

export function test_results_are_remembered_for_the_last_BLOCK_HISTORY_requests(): void {
  const f = setup();
  const total: i32 = 1100;
  for (let id = 1; id <= total; id++) {
    assert(blockSubmit(DiskOp.READ, <u32>id % 100, f) == id, "ids go on counting across ring wraps");
    complete(id % 7 == 0 ? DiskStatus.EIO : DiskStatus.OK);
    assert(blockInterrupt() == 1, "one completion per interrupt");
  }
  assert(blockStatus(total) == 0 && blockStatus(total - 6) == (((total - 6) % 7 == 0) ? -Errno.EIO : 0), "recent results kept");
  assert(blockStatus(total - <i32>BLOCK_HISTORY + 1) != -Errno.ERANGE, "the oldest remembered");
  assert(blockStatus(total - <i32>BLOCK_HISTORY) == -Errno.ERANGE, "older ones forgotten");
  assert(blockStatus(total + 1) == -Errno.ERANGE, "future ones unknown");
}

let resubmitFrame: u32 = 0;
function resubmit(id: i32, result: i32): void {
  if (id == 1) assert(blockRead(9, resubmitFrame) == 2, "a callback may submit the next request");
}

export function test_a_completion_callback_may_submit_more_requests(): void {
  resubmitFrame = setup();
  blockOnDone(resubmit);
  blockRead(8, resubmitFrame);
  complete(DiskStatus.OK);
  assert(blockInterrupt() == 1, "first request done");
  assert(blockPending() == 1 && blockStatus(2) == BLOCK_PENDING, "the resubmitted one is queued");
  blockOnDone(null);
}

export function test_the_ring_refuses_a_request_when_full_and_attach_only_once(): void {
  const f = setup();
  assert(blockAttach(100) == -Errno.EBUSY, "one disk");
  for (let i = 0; i < DISK_RING_SIZE; i++) assert(blockRead(0, f) == i + 1, "fills the ring");
  assert(blockRead(0, f) == -Errno.EAGAIN, "full");
  complete(DiskStatus.OK);
  blockInterrupt();
  assert(blockRead(0, f) == DISK_RING_SIZE + 1, "a slot freed");
}
