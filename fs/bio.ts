// fs/bio.ts — the file system's disk requests: submit one, and dispatch its completion.
//
// Every request is one 4 KiB block to or from one frame (drivers/block.ts). The file system notes
// what each request is for, by ring slot, and when the disk interrupt reports it done, hands the
// result to its owner, then lets every waiting mechanism make progress and wakes the processes
// whose wait is over:
//
//   completion(id, result) ---> READ: the page is valid (or bad)      fs/pagecache.ts
//                               DATA: a writeback ended                fs/pagecache.ts
//                               LOG:  a commit write ended            fs/log.ts
//                               MOUNT: a mount / unmount write ended  fs/mount.ts
//                          ---> commit and writeback move on, sleepers wake (fs/wait.ts)

import { DISK_RING_SIZE, DiskOp } from "../base/abi";
import { blockOnDone, blockPending, blockSubmit } from "../drivers/block";
import { frame } from "../vm/frame";
import { noteDone, wakeup } from "./wait";
import { readDone, wbDone, wbKick } from "./pagecache";
import { commitStep, logIoDone } from "./log";
import { mountIoDone } from "./mount";

/** What a file-system request is for. */
export enum Req {
  NONE = 0,
  READ = 1, // fill a page-cache frame
  DATA = 2, // write back a file page
  LOG = 3, // a commit's write (log block, header, install)
  MOUNT = 4, // recovery and superblock writes of mount / unmount
}

const RING: u32 = <u32>DISK_RING_SIZE;
const reqId = new StaticArray<u32>(DISK_RING_SIZE);
const reqKind = new StaticArray<u8>(DISK_RING_SIZE);
const reqFrame = new StaticArray<u32>(DISK_RING_SIZE);
const reqGen = new StaticArray<u32>(DISK_RING_SIZE);
const reqObj = new StaticArray<u32>(DISK_RING_SIZE);
const reqIdx = new StaticArray<u32>(DISK_RING_SIZE);

/** ringRoom: can another request be queued now? */
export function ringRoom(): bool {
  return <u32>blockPending() < RING;
}

/** fsSubmit: queue op of block to/from frame f for purpose kind (object obj, page idx); the
 *  request id, or -EAGAIN (ring full) / -errno from the driver. */
export function fsSubmit(op: DiskOp, block: u32, f: u32, kind: Req, obj: u32, idx: u32): i32 {
  const id = blockSubmit(op, block, f);
  if (id < 0) return id;
  const s = <i32>((<u32>id - 1) & (RING - 1));
  unchecked((reqId[s] = <u32>id));
  unchecked((reqKind[s] = <u8>kind));
  unchecked((reqFrame[s] = f));
  unchecked((reqGen[s] = frame(f).gen));
  unchecked((reqObj[s] = obj));
  unchecked((reqIdx[s] = idx));
  return id;
}

/** bioAttach: take the disk's completions (mount). */
export function bioAttach(): void {
  blockOnDone(completion);
}

function completion(id: i32, result: i32): void {
  noteDone(<u32>id);
  const s = <i32>((<u32>id - 1) & (RING - 1));
  if (unchecked(reqId[s]) == <u32>id) {
    unchecked((reqId[s] = 0));
    const f = unchecked(reqFrame[s]);
    const gen = unchecked(reqGen[s]);
    switch (<i32>unchecked(reqKind[s])) {
      case Req.READ: readDone(f, gen, result); break;
      case Req.DATA: wbDone(unchecked(reqObj[s]), result); break;
      case Req.LOG: logIoDone(result); break;
      case Req.MOUNT: mountIoDone(result); break;
    }
  }
  commitStep();
  wbKick(0);
  wakeup();
}
