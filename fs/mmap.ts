// fs/mmap.ts — the file system's pager (vm/pager.ts): file pages for mappings.
//
// A mapping of a file maps the inode's memory object, the same frames read/write and the
// emulated-copy paths use (the unified page cache). A fault on a page not in memory starts
// its read and the access waits; a page beyond the end of the file is SIGBUS; a hole (no
// block yet) is a fresh zeroed page, which a mapping may read but not write (SIGBUS: write()
// the file first — a fault cannot allocate blocks, which takes a logged transaction). A write
// fault makes the page dirty (writeback persists it). Each region mapping the file holds it
// open, like a descriptor.

import { Errno, PAGE_SHIFT, PAGE_SIZE, SYS_RESTART } from "../base/abi";
import { freeFrames } from "../vm/frame";
import { VmObject } from "../vm/object";
import { pagerRegister, PAGER_EIO, PAGER_EOF, PAGER_READY, PAGER_WAIT } from "../vm/pager";
import { bmap, Inode, inodeOfObj, irelease } from "./inode";
import { cacheReady, lowWater, pcAdopt, pcGrow, pcNew, pcPage } from "./pagecache";
import { missAny } from "./wait";

function page(o: VmObject, idx: u32): i32 {
  const ip = inodeOfObj(o.id);
  if (ip == null) return PAGER_EOF;
  if ((<u64>idx << PAGE_SHIFT) >= ip.size) return PAGER_EOF;
  const f = pcPage(ip, idx);
  if (f > 0) return f;
  if (f == SYS_RESTART) {
    readAhead(ip, idx + 1);
    pcPage(ip, idx); // the access waits for its own page, not the last one read ahead
    return PAGER_WAIT;
  }
  if (f < 0) return PAGER_EIO;
  // A hole: a zeroed page (it gets a block when written back, through write's path or fsync).
  if (freeFrames <= lowWater()) {
    missAny();
    return PAGER_WAIT;
  }
  return <i32>pcNew(ip, idx, true);
}

function ready(o: VmObject, idx: u32): i32 {
  const r = cacheReady(o, idx);
  return r == 0 ? PAGER_READY : r == SYS_RESTART ? PAGER_WAIT : PAGER_EIO;
}

function canDirty(o: VmObject, idx: u32): bool {
  const ip = inodeOfObj(o.id);
  return ip != null && idx < <u32>ip.blk.length && unchecked(ip.blk[idx]) != 0;
}

function block(o: VmObject, idx: u32): i32 {
  const ip = inodeOfObj(o.id);
  if (ip == null || (<u64>idx << PAGE_SHIFT) >= ip.size) return -Errno.EFAULT;
  if (idx < <u32>ip.blk.length && unchecked(ip.blk[idx]) != 0) return 0;
  const b = bmap(ip, idx, false);
  if (b <= 0) return b; // a hole, a restart, or an error
  pcGrow(ip, idx);
  unchecked((ip.blk[idx] = <u32>b));
  return 0;
}

/** The pages after a missing one whose reads a fault starts too (a mapping is read in order,
 *  usually): the faults that follow find them read, or on their way. */
export const FAULT_READ_AHEAD: u32 = 15;

/** readAhead: start reading the missing pages [from, from + FAULT_READ_AHEAD) of ip (within the
 *  file, while frames are plentiful). */
function readAhead(ip: Inode, from: u32): void {
  const end = <u32>min<u64>(<u64>from + FAULT_READ_AHEAD, (ip.size + PAGE_SIZE - 1) >> PAGE_SHIFT);
  for (let pg = from; pg < end; pg++) {
    if (freeFrames <= lowWater()) return;
    const x = pcPage(ip, pg);
    if (x < 0 && x != SYS_RESTART) return; // a failed read: stop
  }
}

function dirty(o: VmObject, idx: u32, f: u32): bool {
  if (!canDirty(o, idx)) return false;
  pcAdopt(o, idx, f);
  return true;
}

function hold(o: VmObject, delta: i32): void {
  const ip = inodeOfObj(o.id);
  if (ip == null) return;
  if (delta > 0) ip.refs += delta;
  else irelease(ip);
}

pagerRegister(page, dirty, hold, canDirty, block, ready);
