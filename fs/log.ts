// fs/log.ts — the write-ahead log: a crash leaves all of a transaction on disk, or none of it.
//
// Every change to a metadata block (superblock aside) or a directory page is made in its cached
// frame and recorded here (logWrite); the log holds a reference on the frame, so it stays in
// memory, unchanged by eviction, until it is installed. A call that changes the file system
// brackets its changes with beginOp / endOp; calls join the open transaction (group commit) until
// a commit is needed: fsync, a log about to fill, unmount. A commit is a chain of disk writes,
// each phase started when the previous one has completed (interrupt driven, nobody waits inside):
//
//   DATA     write back every dirty file page (ordered mode: a committed inode never points at
//            a block whose data has not been written)
//   LOG      write each logged frame to its log block, logStart + 1 + i (DMA from the frame itself)
//   HEAD     write the header: n and the home block of each      <-- the commit point
//   INSTALL  write each logged frame to its home block
//   CLEAR    write the header with n = 0; release the frames; the blocks freed become reusable
//
// No call changes the file system while a commit runs (beginOp waits for it), so the frames
// do not change under the writes. Recovery at mount (fs/mount.ts) replays a header with n > 0.
// A failed write ends the commit and leaves the file system FAILED: changes are refused with EIO
// (what was committed is safe on disk; a later mount replays it).

import { DiskOp, Errno, Ev, FS_LOG_MAX, PAGE_SIZE } from "../base/abi";
import { trace } from "../base/trace";
import { panic, spin } from "../base/panic";
import { frameRef, frameUnref } from "../vm/frame";
import { framePtr } from "../vm/ram";
import { bitmapCommitted } from "./balloc";
import { fsSubmit, Req, ringRoom } from "./bio";
import { bread, wbAll } from "./pagecache";
import { logBlocks, logStart } from "./super";
import { missGen, noteCommitted } from "./wait";
import { hold, Tally } from "../vm/tally";

enum Phase {
  IDLE = 0,
  DATA = 1,
  LOG = 2,
  HEAD = 3,
  INSTALL = 4,
  CLEAR = 5,
}

const txnBlock = new Array<u32>();
const txnFrame = new Array<u32>();
let cap: u32 = 0;
let header: u32 = 0;
let phase = Phase.IDLE;
let cursor: i32 = 0;
let inflight: i32 = 0;
let writeFailed = false;

/** Commits started (a commit's generation is this count at its start). */
export let commitsStarted: u32 = 0;
/** Mounted read-only: every change is refused with EROFS. */
export let readOnly = false;
/** A write of the log failed: every change is refused with EIO. */
export let fsFailed = false;

/** logOpen: the log is usable (mount, after recovery: the header block is cached). */
export function logOpen(ro: bool): void {
  cap = min<u32>(logBlocks - 1, FS_LOG_MAX);
  readOnly = ro;
  fsFailed = false;
  phase = Phase.IDLE;
  const f = bread(logStart);
  if (f <= 0) panic("logOpen: the log header is not cached");
  header = <u32>f;
  frameRef(header);
}

/** logClose: release the log's frames (unmount, failed mount). */
export function logClose(): void {
  for (let i = 0; i < txnFrame.length; i++) frameUnref(txnFrame[i]);
  txnBlock.length = 0;
  txnFrame.length = 0;
  if (header != 0) frameUnref(header);
  header = 0;
  phase = Phase.IDLE;
}

/** logHolds: count the log's references (invariant check). */
export function logHolds(expected: Tally): void {
  for (let i = 0; i < txnFrame.length; i++) hold(expected, txnFrame[i]);
  if (header != 0) hold(expected, header);
}

/** logWrite: block b, cached in frame f, was changed in the open transaction. */
export function logWrite(b: u32, f: u32): void {
  if (phase != Phase.IDLE) panic("logWrite: a change during a commit");
  for (let i = 0; i < txnBlock.length; i++) {
    if (unchecked(txnBlock[i]) != b) continue;
    if (unchecked(txnFrame[i]) != f) {
      frameRef(f);
      frameUnref(txnFrame[i]);
      txnFrame[i] = f;
    }
    return;
  }
  if (<u32>txnBlock.length >= cap) panic("logWrite: transaction too big for the log");
  frameRef(f);
  txnBlock.push(b);
  txnFrame.push(f);
}

/** logRoom: can the open transaction take need more blocks? */
export function logRoom(need: u32): bool {
  return <u32>txnBlock.length + need <= cap;
}

/** txnBlocks: blocks in the open transaction. */
export function txnBlocks(): i32 {
  return txnBlock.length;
}

/** beginOp: a call is about to change the file system, logging at most need blocks; 0, or
 *  SYS_RESTART (a commit must end first), -EROFS, -EIO. */
export function beginOp(need: u32): i32 {
  if (readOnly) return -Errno.EROFS;
  if (fsFailed) return -Errno.EIO;
  if (phase != Phase.IDLE) return missGen(commitsStarted);
  if (!logRoom(need)) {
    commitStart();
    return missGen(commitsStarted);
  }
  return 0;
}

/** endOp: the call's changes are done; a log three quarters full starts committing. */
export function endOp(): void {
  if (<u32>txnBlock.length * 4 >= cap * 3) commitStart();
}

/** commitBusy: is a commit running? */
export function commitBusy(): bool {
  return phase != Phase.IDLE;
}

/** commitStart: commit the open transaction, if it holds anything and none is running. */
export function commitStart(): void {
  if (phase != Phase.IDLE || txnBlock.length == 0 || fsFailed) return;
  commitsStarted++;
  trace(Ev.FsCommit, <i32>commitsStarted, txnBlock.length, 0);
  to(Phase.DATA);
  commitStep();
}

function to(p: Phase): void {
  phase = p;
  cursor = 0;
}

/** submit: one write of the commit; false if the ring is full (tried again at a completion). */
function submit(block: u32, f: u32): bool {
  const id = fsSubmit(DiskOp.WRITE, block, f, Req.LOG, 0, 0);
  if (id == -Errno.EAGAIN) return false;
  if (id < 0) writeFailed = true;
  else inflight++;
  return true;
}

function writeHeader(n: i32): void {
  const p = framePtr(header);
  store<u32>(p, <u32>n);
  for (let i = 0; i < n; i++) store<u32>(p + 4 + (<usize>i << 2), unchecked(txnBlock[i]));
  memory.fill(p + 4 + (<usize>n << 2), 0, <usize>PAGE_SIZE - 4 - (<usize>n << 2));
}

/** commitStep: go as far as completions allow (called after every disk completion). */
export function commitStep(): void {
  for (;;) {
    spin("fs/log.ts commitStep");
    if (phase == Phase.IDLE) return;
    if (phase == Phase.DATA) {
      if (!wbAll()) return;
      to(Phase.LOG);
      continue;
    }
    if (phase == Phase.LOG || phase == Phase.INSTALL) {
      const n = txnBlock.length;
      while (cursor < n && ringRoom()) {
        spin("fs/log.ts commitStep");
        const dst = phase == Phase.LOG ? logStart + 1 + <u32>cursor : unchecked(txnBlock[cursor]);
        if (!submit(dst, unchecked(txnFrame[cursor]))) return;
        cursor++;
      }
      if (cursor < n || inflight > 0) return;
      if (writeFailed) { finish(true); return; }
      if (phase == Phase.LOG) {
        writeHeader(n);
        to(Phase.HEAD);
      } else {
        writeHeader(0);
        to(Phase.CLEAR);
      }
      continue;
    }
    // HEAD and CLEAR: one write of the header block.
    if (cursor == 0) {
      if (!ringRoom() || !submit(logStart, header)) return;
      cursor = 1;
    }
    if (inflight > 0) return;
    if (writeFailed) { finish(true); return; }
    if (phase == Phase.HEAD) {
      to(Phase.INSTALL);
      continue;
    }
    finish(false);
    return;
  }
}

function finish(failed: bool): void {
  const n = txnBlock.length;
  if (failed) fsFailed = true;
  for (let i = 0; i < n; i++) frameUnref(txnFrame[i]);
  txnBlock.length = 0;
  txnFrame.length = 0;
  writeFailed = false;
  to(Phase.IDLE);
  bitmapCommitted();
  trace(Ev.FsCommit, <i32>commitsStarted, n, failed ? -Errno.EIO : 0);
  noteCommitted();
}

/** logIoDone: a write of the commit completed with result. */
export function logIoDone(result: i32): void {
  inflight--;
  if (result < 0) writeFailed = true;
}
