// fs/balloc.ts — the block bitmap: allocating and freeing data blocks.
//
// Bit b of the bitmap (byte b >> 3 of the area, bit b & 7 of it) is 1 when block b is in use;
// blocks before the data area are always in use. The bitmap blocks stay in memory while mounted
// (pinned: one extra reference each, counted by the invariant check) and reach the disk through
// the log like any other metadata.
//
// A block freed in the open transaction is *quarantined* until that transaction has committed:
// if it were handed out again at once, its new contents might reach the disk (writeback happens
// at any time) while a crash could still bring back the old file that owns it.

import { Errno, FS_BITS_PER_BLOCK, SYS_RESTART } from "../base/abi";
import { panic } from "../base/panic";
import { frameRef, frameUnref } from "../vm/frame";
import { framePtr } from "../vm/ram";
import { logWrite } from "./log";
import { bread } from "./pagecache";
import { bitmapBlocks, bitmapStart, dataStart, sbBlocks } from "./super";
import { hold, Tally } from "../vm/tally";

const pinned = new Array<u32>();
const quarantine = new Set<u32>();
let rotor: u32 = 0;
let nfree: u32 = 0;

/** bavail: blocks balloc can hand out now (free, not quarantined). */
export function bavail(): u32 {
  return nfree;
}

/** bitmapLoad: read and pin every bitmap block (mount); 0, SYS_RESTART or -EIO. */
export function bitmapLoad(): i32 {
  let r: i32 = 0;
  for (let k: u32 = 0; k < bitmapBlocks; k++) {
    const f = bread(bitmapStart + k);
    if (f < 0 && (r == 0 || r == SYS_RESTART)) r = f;
  }
  if (r < 0) return r;
  for (let k: u32 = 0; k < bitmapBlocks; k++) {
    const f = <u32>bread(bitmapStart + k);
    frameRef(f);
    pinned.push(f);
  }
  rotor = dataStart;
  nfree = 0;
  for (let b = dataStart; b < sbBlocks; b++) if ((load<u8>(wordPtr(b)) & (1 << (b & 7))) == 0) nfree++;
  return 0;
}

/** bitmapRelease: unpin the bitmap blocks (unmount, failed mount). */
export function bitmapRelease(): void {
  for (let i = 0; i < pinned.length; i++) frameUnref(pinned[i]);
  pinned.length = 0;
  quarantine.clear();
}

/** bitmapHolds: count the pins on the bitmap frames (invariant check). */
export function bitmapHolds(expected: Tally): void {
  for (let i = 0; i < pinned.length; i++) hold(expected, pinned[i]);
}

function wordPtr(b: u32): usize {
  const k = b / FS_BITS_PER_BLOCK;
  return framePtr(unchecked(pinned[<i32>k])) + (<usize>(b % FS_BITS_PER_BLOCK) >> 3);
}

/** balloc: a free block of the data area, marked in use (the bitmap block is logged); -ENOSPC. */
export function balloc(): i32 {
  const n = sbBlocks;
  const span = n - dataStart;
  for (let i: u32 = 0; i < span; i++) {
    let b = rotor + i;
    if (b >= n) b -= span;
    const p = wordPtr(b);
    const bit = <u8>(1 << <u8>(b & 7));
    const byte = load<u8>(p);
    if (byte == 0xff && (b & 7) == 0 && b + 8 <= n) {
      i += 7; // a whole byte in use
      continue;
    }
    if ((byte & bit) != 0 || quarantine.has(b)) continue;
    store<u8>(p, byte | bit);
    logWrite(bitmapStart + b / FS_BITS_PER_BLOCK, unchecked(pinned[<i32>(b / FS_BITS_PER_BLOCK)]));
    rotor = b + 1 >= n ? dataStart : b + 1;
    nfree--;
    return <i32>b;
  }
  return -Errno.ENOSPC;
}

/** bfree: block b is free again (usable once the transaction has committed). A block the bitmap
 *  already calls free (a damaged file system: two owners) is left alone; fsck reports it. */
export function bfree(b: u32): void {
  if (b < dataStart || b >= sbBlocks) panic("bfree: not a data block");
  const p = wordPtr(b);
  const bit = <u8>(1 << <u8>(b & 7));
  const byte = load<u8>(p);
  if ((byte & bit) == 0) return;
  store<u8>(p, byte & ~bit);
  logWrite(bitmapStart + b / FS_BITS_PER_BLOCK, unchecked(pinned[<i32>(b / FS_BITS_PER_BLOCK)]));
  quarantine.add(b);
}

/** bitmapCommitted: the transaction that freed the quarantined blocks is on disk. */
export function bitmapCommitted(): void {
  nfree += <u32>quarantine.size;
  quarantine.clear();
}
