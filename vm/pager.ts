// vm/pager.ts — how the VM reaches the pages of files (the file system registers a pager).
//
// A file's pages live in its memory object (kind FILE), filled and written back by the file
// system's page cache. The VM never reads a disk itself: on a fault on a missing file page it
// asks the pager, which answers with the frame, or says the page is being read (the access
// waits and is retried), or that it lies beyond the end of the file (SIGBUS). A page already
// in the object may still be on its way from the disk (a read-ahead, another process's fault,
// a read() that blocked): before mapping it the VM asks the pager whether it is ready.

import { VmObject } from "./object";

/** Answers of pagerPage besides a frame number (> 0). */
export const PAGER_EOF = 0; // beyond end of file: SIGBUS
export const PAGER_WAIT = -1; // a read was started: the access waits for it
export const PAGER_EIO = -2; // the read failed
export const PAGER_READY = 1; // pagerReady: the page's bytes are in its frame

/** pagerPage: the frame holding page idx of file object o (installed in o). */
export let pagerPage: (o: VmObject, idx: u32) => i32 = noPage;
/** pagerReady: page idx of file object o is in memory: PAGER_READY if its bytes are there,
 *  PAGER_WAIT while its read is in flight (the access waits for it), PAGER_EIO if the read
 *  failed (the page is dropped). */
export let pagerReady: (o: VmObject, idx: u32) => i32 = noReady;
/** pagerDirty: frame f, now page idx of file object o, holds bytes the disk does not have; false
 *  if the page cannot be written back (it has no disk block: a hole). */
export let pagerDirty: (o: VmObject, idx: u32, f: u32) => bool = noDirty;
/** pagerCanDirty: could page idx of file object o be made dirty (does it have a disk block)? */
export let pagerCanDirty: (o: VmObject, idx: u32) => bool = noCan;
/** pagerBlock: page idx of file object o is about to be replaced whole: look its disk block up
 *  (reading indirect blocks, never the page) so that it can be made dirty. 0 (known, or a hole),
 *  -EFAULT beyond the end of the file, SYS_RESTART while a block-map block is read, -EIO. */
export let pagerBlock: (o: VmObject, idx: u32) => i32 = noBlock;
/** pagerHold: a region starts (+1) or stops (-1) mapping file object o: keep its file open. */
export let pagerHold: (o: VmObject, delta: i32) => void = noHold;

function noPage(o: VmObject, idx: u32): i32 {
  return PAGER_EOF;
}
function noReady(o: VmObject, idx: u32): i32 {
  return PAGER_READY;
}
function noDirty(o: VmObject, idx: u32, f: u32): bool {
  return false;
}
function noHold(o: VmObject, delta: i32): void {}
function noBlock(o: VmObject, idx: u32): i32 {
  return 0;
}
function noCan(o: VmObject, idx: u32): bool {
  return false;
}

/** pagerRegister: the file system's pager. */
export function pagerRegister(
  page: (o: VmObject, idx: u32) => i32,
  dirty: (o: VmObject, idx: u32, f: u32) => bool,
  hold: (o: VmObject, delta: i32) => void,
  canDirty: (o: VmObject, idx: u32) => bool,
  block: (o: VmObject, idx: u32) => i32,
  ready: (o: VmObject, idx: u32) => i32,
): void {
  pagerPage = page;
  pagerReady = ready;
  pagerDirty = dirty;
  pagerHold = hold;
  pagerCanDirty = canDirty;
  pagerBlock = block;
}

/** pagerRef: o (a file's object) gains or loses a mapping region. */
export function pagerRef(o: VmObject, delta: i32): void {
  pagerHold(o, delta);
}
