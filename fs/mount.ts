// fs/mount.ts — mounting (with crash recovery) and unmounting.
//
// The host mounts after attaching the disk (Machine.mount, through the fsMount export). There is
// no process to block, so fsMount returns SYS_RESTART while it waits for the disk; the host runs
// the world until the disk is idle and calls it again, as often as it takes. Stages:
//
//   SUPER    read block 0; check magic, version and geometry. A foreign or damaged image is
//            refused before anything is written (fsMessage says why)
//   LOGHEAD  read the log header and check it
//   REPLAY   n > 0 there: a committed transaction a crash kept from being installed. Read the n
//            log blocks, write each to its home block, then write the header with n = 0
//   ROOT     read the root inode: it must be a directory
//   BITMAP   read and pin the bitmap blocks; open the log
//   MARK     read-write: superblock clean = 0 (unmount sets it back to 1)
//
// fsUnmount (every file closed): free inodes unlinked while open, commit, write every dirty page
// back, superblock clean = 1, then forget every cached page and inode.

import { DiskOp, Errno, FS_LOG_MAX, FsInfo, FsSuper, FsType, MountFlag, SYS_RESTART } from "../base/abi";
import { panic, spin } from "../base/panic";
import { checkRegisterHolder } from "../vm/check";
import { framePtr, ramFrames } from "../vm/ram";
import { objectDrop, objectNew, ObjKind } from "../vm/object";
import { blockCount } from "../drivers/block";
import { bitmapHolds, bitmapLoad, bitmapRelease } from "./balloc";
import { Dirent } from "./dir";
import { bioAttach, fsSubmit, Req, ringRoom } from "./bio";
import { iforgetAll, iget, inodeLayoutOk, ireap, itable, opLog } from "./inode";
import { commitBusy, commitStart, fsFailed, logClose, logHolds, logOpen, readOnly, txnBlocks } from "./log";
import { bforget, bread, evictions, pcDirtyCount, pcDrop, pcInit, wbAll, writebacks } from "./pagecache";
import {
  dev, logBlocks, logStart, rootIno, sbBlocks, setDev, superCheck, superClear, superLayoutOk, superLoad,
} from "./super";
import { callBegin, commitsDone, fsErr } from "./wait";
import { Tally } from "../vm/tally";

enum Stage {
  IDLE = 0,
  SUPER = 1,
  LOGHEAD = 2,
  REPLAY_READ = 3,
  REPLAY_WRITE = 4,
  CLEAR = 5,
  ROOT = 6,
  BITMAP = 7,
  MARK = 8,
  WAIT_MARK = 9,
}

/** Is a file system mounted? */
export let mounted = false;
let stage = Stage.IDLE;
let ro = false;
let inflight: i32 = 0;
let ioErr = false;
let cursor: u32 = 0;
let replayN: u32 = 0;
let unmountWrote = false;
let message = "";

/** fsMessage: why the last mount or unmount was refused ("" if it was not). */
export function fsMessage(): string {
  return message;
}

/** mountIoDone: a write of mount or unmount completed with result. */
export function mountIoDone(result: i32): void {
  inflight--;
  if (result < 0) ioErr = true;
}

function teardown(): void {
  iforgetAll();
  bitmapRelease();
  logClose();
  const o = dev;
  if (o != null) {
    pcDrop(o, 0, o.npages);
    objectDrop(o);
    setDev(null);
  }
  superClear();
  stage = Stage.IDLE;
  mounted = false;
}

function refuse(e: i32, why: string): i32 {
  message = "mount: " + why;
  teardown();
  return e;
}

/** writeBlock0: write the cached superblock with clean = c; SYS_RESTART (wait), or -errno. */
function writeBlock0(c: u32): i32 {
  const f = bread(0);
  if (f < 0) return f;
  if (!ringRoom()) return SYS_RESTART;
  store<u32>(framePtr(<u32>f) + FsSuper.CLEAN, c);
  const id = fsSubmit(DiskOp.WRITE, 0, <u32>f, Req.MOUNT, 0, 0);
  if (id < 0) return -Errno.EIO;
  inflight++;
  return SYS_RESTART;
}

/** fsMount: mount the disk's file system (MountFlag bits); 0 when mounted, SYS_RESTART while
 *  waiting for the disk (call again when it is idle), or -errno with fsMessage() saying why. */
export function fsMount(flags: i32): i32 {
  if (mounted) { message = "mount: already mounted"; return -Errno.EBUSY; }
  if ((flags & ~MountFlag.READONLY) != 0) { message = "mount: unknown flags 0x" + flags.toString(16); return -Errno.EINVAL; }
  const nb = blockCount();
  if (nb == 0) { message = "mount: no disk attached"; return -Errno.ENODEV; }
  callBegin();
  if (stage == Stage.IDLE) {
    if (!superLayoutOk() || !inodeLayoutOk() || offsetof<Dirent>("name") != 4) panic("fsMount: on-disk structures disagree with base/abi.ts");
    if (!holderRegistered) {
      checkRegisterHolder(holds);
      holderRegistered = true;
    }
    message = "";
    ro = (flags & MountFlag.READONLY) != 0;
    inflight = 0;
    ioErr = false;
    pcInit(ramFrames);
    bioAttach();
    const o = objectNew(0, true); // grows to the highest block cached
    o.kind = ObjKind.FILE;
    setDev(o);
    stage = Stage.SUPER;
  }
  for (;;) {
    spin("fs/mount.ts fsMount");
    switch (stage) {
      case Stage.SUPER: {
        const f = bread(0);
        if (f == SYS_RESTART) return f;
        if (f < 0) return refuse(-Errno.EIO, "cannot read the superblock (block 0)");
        const why = superCheck(framePtr(<u32>f), nb);
        if (why.length > 0) return refuse(-Errno.EINVAL, why);
        superLoad(framePtr(<u32>f));
        if (logBlocks - 1 < opLog())
          return refuse(-Errno.EINVAL, "a log of " + logBlocks.toString() + " blocks is too small (this disk needs " + (opLog() + 1).toString() + ")");
        stage = Stage.LOGHEAD;
        break;
      }
      case Stage.LOGHEAD: {
        const f = bread(logStart);
        if (f == SYS_RESTART) return f;
        if (f < 0) return refuse(-Errno.EIO, "cannot read the log header (block " + logStart.toString() + ")");
        const p = framePtr(<u32>f);
        const n = load<u32>(p);
        if (n > logBlocks - 1 || n > <u32>FS_LOG_MAX)
          return refuse(-Errno.EINVAL, "the log header names " + n.toString() + " blocks; the log holds " + (logBlocks - 1).toString());
        for (let i: u32 = 0; i < n; i++) {
          const b = load<u32>(p + 4 + (<usize>i << 2));
          if (b == 0 || b >= sbBlocks || (b >= logStart && b < logStart + logBlocks))
            return refuse(-Errno.EINVAL, "log entry " + i.toString() + " names block " + b.toString() + ", which the log may not write");
        }
        if (n > 0 && ro)
          return refuse(-Errno.EROFS, "the log holds a committed transaction not yet installed; mount read-write once to recover it");
        replayN = n;
        cursor = 0;
        stage = n > 0 ? Stage.REPLAY_READ : Stage.ROOT;
        break;
      }
      case Stage.REPLAY_READ: {
        let r: i32 = 0;
        for (let i: u32 = 0; i < replayN; i++) {
          const f = bread(logStart + 1 + i);
          if (f < 0 && r != -Errno.EIO) r = f;
        }
        if (r == SYS_RESTART) return r;
        if (r < 0) return refuse(-Errno.EIO, "cannot read the log");
        stage = Stage.REPLAY_WRITE;
        break;
      }
      case Stage.REPLAY_WRITE: {
        const hp = framePtr(<u32>bread(logStart));
        while (cursor < replayN && ringRoom()) {
          spin("fs/mount.ts fsMount");
          const home = load<u32>(hp + 4 + (<usize>cursor << 2));
          bforget(home);
          const id = fsSubmit(DiskOp.WRITE, home, <u32>bread(logStart + 1 + cursor), Req.MOUNT, 0, 0);
          if (id < 0) return refuse(-Errno.EIO, "replaying the log: cannot write block " + home.toString());
          inflight++;
          cursor++;
        }
        if (cursor < replayN || inflight > 0) return SYS_RESTART;
        if (ioErr) return refuse(-Errno.EIO, "replaying the log: a write failed");
        store<u32>(hp, 0);
        if (!ringRoom()) return SYS_RESTART;
        const id = fsSubmit(DiskOp.WRITE, logStart, <u32>bread(logStart), Req.MOUNT, 0, 0);
        if (id < 0) return refuse(-Errno.EIO, "replaying the log: cannot clear the header");
        inflight++;
        stage = Stage.CLEAR;
        return SYS_RESTART;
      }
      case Stage.CLEAR:
        if (inflight > 0) return SYS_RESTART;
        if (ioErr) return refuse(-Errno.EIO, "replaying the log: clearing the header failed");
        stage = Stage.ROOT;
        break;
      case Stage.ROOT: {
        const ip = iget(rootIno);
        if (ip == null) {
          if (fsErr == SYS_RESTART) return fsErr;
          return refuse(-Errno.EINVAL, "root inode " + rootIno.toString() + " is free or unreadable");
        }
        if (ip.type != FsType.DIR) return refuse(-Errno.EINVAL, "root inode " + rootIno.toString() + " is not a directory");
        stage = Stage.BITMAP;
        break;
      }
      case Stage.BITMAP: {
        const r = bitmapLoad();
        if (r == SYS_RESTART) return r;
        if (r < 0) return refuse(-Errno.EIO, "cannot read the block bitmap");
        logOpen(ro);
        if (ro) {
          stage = Stage.IDLE;
          mounted = true;
          return 0;
        }
        stage = Stage.MARK;
        break;
      }
      case Stage.MARK: {
        const r = writeBlock0(0);
        if (r != SYS_RESTART) return refuse(r < 0 ? r : -Errno.EIO, "cannot write the superblock");
        if (inflight == 0) return r; // a read of block 0 first
        stage = Stage.WAIT_MARK;
        return r;
      }
      case Stage.WAIT_MARK:
        if (inflight > 0) return SYS_RESTART;
        if (ioErr) return refuse(-Errno.EIO, "writing the superblock failed");
        stage = Stage.IDLE;
        mounted = true;
        return 0;
      default:
        panic("fsMount: bad stage");
    }
  }
  return -Errno.EINVAL; // not reached
}

/** fsUnmount: write everything back and unmount; 0, SYS_RESTART while writing (call again when
 *  the disk is idle), -EBUSY while files are open, -EINVAL if nothing is mounted. */
export function fsUnmount(): i32 {
  if (!mounted) { message = "unmount: nothing is mounted"; return -Errno.EINVAL; }
  const all = itable.values();
  for (let i = 0; i < all.length; i++) {
    if (all[i].refs > 0) { message = "unmount: inode " + all[i].ino.toString() + " is open"; return -Errno.EBUSY; }
  }
  callBegin();
  if (!readOnly && !fsFailed) {
    if (!unmountWrote) {
      const r = ireap();
      if (r == SYS_RESTART) return r;
      commitStart();
      if (commitBusy()) return SYS_RESTART;
      if (!wbAll()) return SYS_RESTART;
      if (txnBlocks() > 0) return SYS_RESTART;
      const w = writeBlock0(1);
      if (w != SYS_RESTART) { message = "unmount: cannot write the superblock"; teardown(); return w; }
      if (inflight == 0) return w;
      unmountWrote = true;
      return w;
    }
    if (inflight > 0) return SYS_RESTART;
    unmountWrote = false;
  }
  message = "";
  teardown();
  return 0;
}

/** fsInfo: field f (FsInfo) of the file system's state; -EINVAL for an unknown field. */
export function fsInfo(f: i32): i32 {
  switch (f) {
    case FsInfo.MOUNTED: return mounted ? 1 : 0;
    case FsInfo.READONLY: return mounted && readOnly ? 1 : 0;
    case FsInfo.FAILED: return mounted && fsFailed ? 1 : 0;
    case FsInfo.DIRTY_PAGES: return pcDirtyCount();
    case FsInfo.TXN_BLOCKS: return txnBlocks();
    case FsInfo.COMMITS: return <i32>commitsDone;
    case FsInfo.EVICTIONS: return <i32>evictions;
    case FsInfo.WRITEBACKS: return <i32>writebacks;
    case FsInfo.CACHED_INODES: return itable.size;
  }
  return -Errno.EINVAL;
}

// Frames the file system holds besides object slots: the log's, and the pinned bitmap blocks.
function holds(expected: Tally): void {
  logHolds(expected);
  bitmapHolds(expected);
}
let holderRegistered = false;
