// kernel/sysfs.ts — the file-system calls: argument checks, then fs/.
//
//   open(path, flags) -> fd      read / write(fd, va, len, flags) -> bytes     lseek, ftruncate
//   unlink(path)  mkdir(path)  readdir(fd, va, len)  stat(path, st)  fstat(fd, st)  fsync(fd)
//
// Every call is restartable (fs/wait.ts): whatever it needs from the disk it looks up first, and
// if something is missing the call returns SYS_RESTART with the process BLOCKED, having changed
// nothing; the process issues it again when the disk has answered. Arguments are checked before
// anything else, so a bad call gets its error at once. read and write move bytes with copy
// semantics (copyout / copyin straight between the user buffer and the page-cache frames); the
// other semantics are refused with EOPNOTSUPP for now. A read or write may return a short count
// when the rest is not in memory yet or memory is short (the next call goes on from there).

import { Access, Counter, Errno, FS_DIRENT_SIZE, FS_MAX_PAGES, FS_PATH_MAX, FS_STAT_SIZE, FsStat, FsType, OpenFlag, PAGE_MASK, PAGE_SHIFT, PAGE_SIZE, Pte, Seek, Sem, SEM_MASK, SYS_RESTART } from "../base/abi";
import { count } from "../base/stats";
import { Proc } from "./proc";
import { File, FileKind, MAX_FDS } from "./file";
import { copyin, copyout, userPa, userRange } from "./uio";
import { semResolve } from "./io/index";
import { freeFrames } from "../vm/frame";
import { framePtr } from "../vm/ram";
import { bavail } from "../fs/balloc";
import { dirEmpty, dirLookup, dirOff, dirSet, dirSlot, lastLen, lastName, lastSlash, namei, nameiParent } from "../fs/dir";
import { bmap, iblock, ifind, ifree, iget, iinit, Inode, ireap, itrunc, itruncPrepare, iupdate, opLog } from "../fs/inode";
import { beginOp, commitBusy, commitsStarted, commitStart, endOp, fsFailed, logRoom, readOnly, txnBlocks } from "../fs/log";
import { mounted } from "../fs/mount";
import {
  bread, cacheLookup, lowWater, pagePtr, pcAdopt, pcBalance, pcDirty, pcGrow, pcNew, pcPage, pcReserve, pcWritable, wbInode,
} from "../fs/pagecache";
import { frame, frameRef } from "../vm/frame";
import { pmapPageProtect } from "../vm/pmap";
import { objectReplacePage } from "../vm/swap";
import { callBegin, callBlock, changeBegin, changeEnd, doneId, fail, fsErr, missAny, missGen, missReq } from "../fs/wait";
import { spin } from "../base/panic";

/** The largest file, in bytes. */
const MAX_FILE: u64 = <u64>FS_MAX_PAGES << PAGE_SHIFT;
/** Pages a read starts reading at once when it finds pages missing. */
const READ_AHEAD = 64;
/** Frames one page of a write may need: the page, a TCOW copy, two new indirect blocks. */
const UNIT_FRAMES: u32 = 8;

const pathBuf = memory.data(FS_PATH_MAX);
const statBuf = memory.data(FS_STAT_SIZE);
const DOT = memory.data<u8>([0x2e, 0x2e]);

/** enter: the start of every file-system call: nothing missing yet, inodes unlinked while open
 *  reaped, free frames kept for the rest of the kernel. 0 or -ENODEV (nothing mounted). */
export function enter(): i32 {
  if (!mounted) return -Errno.ENODEV;
  callBegin();
  if (!readOnly && !fsFailed) {
    ireap(); // best effort: reads it starts finish while the call goes on
    callBegin();
  }
  pcBalance();
  return 0;
}

/** finish: the result of a call: a restart blocks the process until what it missed is ready. */
export function finish(p: Proc, r: i32): i32 {
  return r == SYS_RESTART ? callBlock(p.pid) : r;
}

/** copyPath: the path (va, len) of p into pathBuf; 0 or -ENOENT / -ENAMETOOLONG / -EFAULT / -EINVAL. */
function copyPath(p: Proc, va: u32, len: u32): i32 {
  if (len == 0) return -Errno.ENOENT;
  if (len > <u32>FS_PATH_MAX) return -Errno.ENAMETOOLONG;
  if (!userRange(va, len)) return -Errno.EFAULT;
  const e = copyin(p, va, pathBuf, len);
  if (e < 0) return e;
  for (let i: u32 = 0; i < len; i++) if (load<u8>(pathBuf + i) == 0) return -Errno.EINVAL;
  return 0;
}

/** enterPath: begin a call on the path at [va, va+len) (enter, then copyPath); 0 or -errno. */
function enterPath(p: Proc, va: u32, len: u32): i32 {
  const r = enter();
  return r < 0 ? r : copyPath(p, va, len);
}

/** fileOf: the open file of the file system behind descriptor fd of p, or null (not open, or a socket or channel). */
export function fileOf(p: Proc, fd: i32): File | null {
  const f = p.fds.get(fd);
  return f != null && f.kind == FileKind.FILE ? f : null;
}

/** badFd: the error for a descriptor that is not an open file: EBADF if not open, else other. */
function badFd(p: Proc, fd: i32, other: Errno): i32 {
  return p.fds.get(fd) == null ? -Errno.EBADF : -other;
}

function isDots(name: usize, len: u32): bool {
  return (len == 1 && load<u8>(name) == 0x2e) || (len == 2 && load<u16>(name) == 0x2e2e);
}

/**
 * create: a new inode of type named (lastName, lastLen) in directory dp (the name is absent: a
 * dirLookup found nothing). A directory gets "." and ".."; the parent one more link. The inode,
 * or null with fsErr.
 */
function create(dp: Inode, type: FsType): Inode | null {
  let r = dirSlot(dp);
  if (r >= 0) r = ifind();
  const ino = r;
  if (r >= 0) r = bread(iblock(dp.ino));
  if (r >= 0) r = pcReserve(UNIT_FRAMES);
  if (r >= 0 && bavail() < 4) r = -Errno.ENOSPC;
  if (r >= 0) r = beginOp(opLog());
  if (r < 0) return fail<Inode>(r);
  changeBegin();
  const ip = iinit(<u32>ino, type);
  if (type == FsType.DIR) {
    ip.links = 2; // its entry in dp and its own "."
    dirSet(ip, 0, ip.ino, DOT, 1);
    dirSet(ip, FS_DIRENT_SIZE, dp.ino, DOT, 2);
    dp.links++;
  } else ip.links = 1;
  dirSet(dp, dirOff, ip.ino, lastName, lastLen);
  iupdate(ip);
  iupdate(dp);
  changeEnd();
  endOp();
  return ip;
}

/** sysOpen: open(path, flags): a descriptor for the file at path (created with CREAT), or -errno / SYS_RESTART. */
export function sysOpen(p: Proc, va: u32, len: u32, flags: i32): i32 {
  const known = OpenFlag.ACCMODE | OpenFlag.CREAT | OpenFlag.EXCL | OpenFlag.TRUNC;
  if ((flags & ~known) != 0 || (flags & OpenFlag.ACCMODE) == OpenFlag.ACCMODE) return -Errno.EINVAL;
  let r = enterPath(p, va, len);
  if (r < 0) return r;
  let free = false;
  for (let i = 0; i < MAX_FDS; i++) if (p.fds.files[i] == null) free = true;
  if (!free) return -Errno.EMFILE;
  const acc = flags & OpenFlag.ACCMODE;
  const wr = acc != OpenFlag.RDONLY;
  const trunc = (flags & OpenFlag.TRUNC) != 0;
  let ip: Inode | null = null;
  if ((flags & OpenFlag.CREAT) != 0) {
    const dp = nameiParent(pathBuf, len);
    if (dp == null) return finish(p, fsErr);
    if (lastLen == 0) return -Errno.EISDIR; // the root
    const ino = dirLookup(dp, lastName, lastLen);
    if (ino < 0) return finish(p, ino);
    if (ino > 0) {
      if ((flags & OpenFlag.EXCL) != 0) return -Errno.EEXIST;
      ip = iget(<u32>ino);
      if (ip == null) return finish(p, fsErr);
      if (lastSlash && ip.type != FsType.DIR) return -Errno.ENOTDIR;
    } else {
      if (lastSlash) return -Errno.EISDIR;
      ip = create(dp, FsType.FILE);
      if (ip == null) return finish(p, fsErr);
    }
  } else {
    ip = namei(pathBuf, len, false);
    if (ip == null) return finish(p, fsErr);
  }
  if (ip.type == FsType.DIR && (wr || trunc)) return -Errno.EISDIR;
  if (readOnly && (wr || trunc)) return -Errno.EROFS;
  if (trunc && ip.size > 0) {
    r = truncate(ip, 0);
    if (r < 0) return finish(p, r);
  }
  const f = new File(FileKind.FILE, null);
  f.node = ip;
  f.readable = acc != OpenFlag.WRONLY;
  f.writable = wr;
  ip.refs++;
  return p.fds.install(f);
}

/** truncate: make ip size bytes long; 0, SYS_RESTART or -errno. */
function truncate(ip: Inode, size: u64): i32 {
  let r = itruncPrepare(ip, size);
  if (r >= 0) r = bread(iblock(ip.ino));
  if (r >= 0) r = pcReserve(UNIT_FRAMES);
  if (r >= 0) r = beginOp(opLog());
  if (r < 0) return r;
  changeBegin();
  itrunc(ip, size);
  changeEnd();
  endOp();
  return 0;
}

/** ioFlags: the semantics of a read / write's flags, or -errno (only copy for now). */
/** ioSem: the semantics of a read or write (flags' bits 0..3, DEFAULT resolved): COPY or
 *  EMULATED_COPY; -EINVAL for bad flags, -EOPNOTSUPP for the others. */
function ioSem(p: Proc, flags: i32): i32 {
  if ((flags & ~SEM_MASK) != 0 || (flags & SEM_MASK) >= Sem.COUNT) return -Errno.EINVAL;
  const sem = semResolve(p, <Sem>(flags & SEM_MASK));
  return sem == Sem.COPY || sem == Sem.EMULATED_COPY ? sem : -Errno.EOPNOTSUPP;
}

/**
 * swapIntoCache: emulated-copy write of one whole, page-aligned page (in the style of Genie): the
 * application's frame at va becomes page pg of ip in the page cache instead of being copied.
 * Both now hold it copy-on-write (every mapping of it write-protected), so a later write on
 * either side copies the page and neither sees the other's change. false if the frame cannot be
 * shared (wired for I/O): the caller copies.
 */
function swapIntoCache(p: Proc, ip: Inode, pg: u32, b: u32, va: u32): bool {
  const pa = userPa(p, va, Access.READ);
  if (pa < 0) return false;
  const uf = <u32>pa >> PAGE_SHIFT;
  if (frame(uf).wired != 0) return false;
  pmapPageProtect(uf, Pte.COW);
  frameRef(uf);
  pcGrow(ip, pg);
  objectReplacePage(ip.obj, pg, uf);
  unchecked((ip.blk[pg] = b));
  pcAdopt(ip.obj, pg, uf);
  count(Counter.PageSwaps);
  return true;
}

/** read(fd, va, len, sem). Emulated copy reads copy, like copy: mapping the cache's frames into
 *  the application would share them copy-on-write, and a later write() of the file would then have
 *  to copy the page anyway; the cache's copy must stay intact (our choice, documented). */
export function sysRead(p: Proc, fd: i32, va: u32, len: u32, flags: i32): i32 {
  const f = fileOf(p, fd);
  if (f == null) return badFd(p, fd, Errno.EINVAL);
  if (!f.readable) return -Errno.EBADF;
  const e = ioSem(p, flags);
  if (e < 0) return e;
  const ip = f.node!;
  if (ip.type == FsType.DIR) return -Errno.EISDIR;
  if (len == 0) return 0;
  if (!userRange(va, len)) return -Errno.EFAULT;
  const r = enter();
  if (r < 0) return r;
  const off = f.off;
  if (off >= ip.size) return 0;
  const n = <u32>min<u64>(<u64>len, ip.size - off);
  const first = <u32>(off >> PAGE_SHIFT);
  const last = <u32>((off + n - 1) >> PAGE_SHIFT);
  // Read ahead: start reading every missing page of the range (a bounded number at once).
  let started = 0;
  for (let pg = first; pg <= last && started < READ_AHEAD; pg++) {
    if (freeFrames <= lowWater()) break;
    const x = pcPage(ip, pg);
    if (x == SYS_RESTART) started++;
    else if (x < 0) {
      if (pg == first) return x; // a failed read: the page is dropped, the next call reads it again
      break;
    }
  }
  let done: u32 = 0;
  while (done < n) {
    spin("kernel/sysfs.ts sysRead");
    const pos = off + done;
    const po = <u32>(pos & PAGE_MASK);
    const k = min<u32>(PAGE_SIZE - po, n - done);
    const pf = pcPage(ip, <u32>(pos >> PAGE_SHIFT));
    if (pf < 0) {
      if (done > 0) break;
      return finish(p, pf);
    }
    const c = copyout(p, va + done, pagePtr(pf) + po, k);
    if (c < 0) {
      if (done > 0) break;
      return c;
    }
    done += k;
  }
  f.off = off + done;
  return <i32>done;
}

/** prefault: make sure p can read [va, va + n) now, so a copyin cannot fail halfway. */
function prefault(p: Proc, va: u32, n: u32): i32 {
  const e1 = userPa(p, va, Access.READ);
  if (e1 < 0) return <i32>e1;
  const e2 = userPa(p, va + n - 1, Access.READ);
  return e2 < 0 ? <i32>e2 : 0;
}

/** sysWrite: write(fd, va, len, flags): bytes written at the file offset under flags' semantics, or -errno / SYS_RESTART. */
export function sysWrite(p: Proc, fd: i32, va: u32, len: u32, flags: i32): i32 {
  const f = fileOf(p, fd);
  if (f == null) return badFd(p, fd, Errno.EINVAL);
  if (!f.writable) return -Errno.EBADF;
  const sem = ioSem(p, flags);
  if (sem < 0) return sem;
  const ip = f.node!;
  if (len == 0) return 0;
  if (!userRange(va, len)) return -Errno.EFAULT;
  let r = enter();
  if (r < 0) return r;
  const off = f.off;
  if (off >= MAX_FILE) return -Errno.EFBIG;
  const n = <u32>min<u64>(<u64>len, MAX_FILE - off);
  r = beginOp(opLog());
  if (r < 0) return finish(p, r);
  let done: u32 = 0;
  while (done < n) {
    spin("kernel/sysfs.ts sysWrite");
    const pos = off + done;
    const pg = <u32>(pos >> PAGE_SHIFT);
    const po = <u32>(pos & PAGE_MASK);
    const k = min<u32>(PAGE_SIZE - po, n - done);
    // Look up everything this page needs.
    r = 0;
    if (!logRoom(opLog())) {
      commitStart();
      r = missGen(commitsStarted);
    }
    if (r >= 0) r = pcReserve(UNIT_FRAMES);
    if (r >= 0 && bavail() < 3 && bmapHole(ip, pg)) r = -Errno.ENOSPC;
    if (r >= 0) r = prefault(p, va + done, k);
    if (r >= 0) r = bread(iblock(ip.ino));
    let b: i32 = 0;
    if (r >= 0) r = b = bmap(ip, pg, false);
    let cached: i32 = 0;
    if (r >= 0) r = cached = cacheLookup(ip.obj, pg);
    const start = <u64>pg << PAGE_SHIFT;
    // Does the page hold old bytes the write does not cover? Then it must be read first.
    const keepsOld = (po > 0 && start < ip.size) || (po + k < <u32>PAGE_SIZE && pos + k < ip.size);
    if (r >= 0 && cached == 0 && b > 0 && keepsOld) r = cached = pcPage(ip, pg);
    if (r < 0) {
      if (done > 0) break;
      endOp();
      return finish(p, r);
    }
    // Change: the block, the page, the bytes, the size.
    changeBegin();
    if (b == 0) b = bmap(ip, pg, true);
    const whole = k == <u32>PAGE_SIZE && ((va + done) & PAGE_MASK) == 0;
    if (!(sem == Sem.EMULATED_COPY && whole && swapIntoCache(p, ip, pg, <u32>b, va + done))) {
      let fr: u32;
      if (cached == 0) fr = pcNew(ip, pg, k != PAGE_SIZE);
      else fr = pcWritable(ip.obj, pg, <u32>cached, true);
      pcGrow(ip, pg);
      unchecked((ip.blk[pg] = <u32>b));
      copyin(p, va + done, framePtr(fr) + po, k);
      pcDirty(fr);
    }
    if (pos + k > ip.size) ip.size = pos + k;
    iupdate(ip);
    changeEnd();
    done += k;
  }
  f.off = off + done;
  endOp();
  return <i32>done;
}

/** bmapHole: would writing page pg of ip allocate a block? (Only asked when blocks run short.) */
function bmapHole(ip: Inode, pg: u32): bool {
  return bmap(ip, pg, false) == 0;
}

/** sysLseek: lseek(fd, offset, whence): 0, the new offset in ret0 / ret1 (low, high); -EINVAL, -ESPIPE, -EBADF. */
export function sysLseek(p: Proc, fd: i32, lo: i32, hi: i32, whence: i32): i32 {
  const f = fileOf(p, fd);
  if (f == null) return badFd(p, fd, Errno.ESPIPE);
  const delta = <i64>((<u64>(<u32>hi) << 32) | <u64>(<u32>lo));
  let base: i64;
  if (whence == Seek.SET) base = 0;
  else if (whence == Seek.CUR) base = <i64>f.off;
  else if (whence == Seek.END) base = <i64>f.node!.size;
  else return -Errno.EINVAL;
  const at = base + delta;
  if (at < 0 || <u64>at > MAX_FILE) return -Errno.EINVAL;
  f.off = <u64>at;
  p.ret0 = <i32>(<u64>at & 0xffffffff);
  p.ret1 = <i32>(<u64>at >> 32);
  return 0;
}

/** sysFtruncate: ftruncate(fd, length): 0 once the file has that length, or -errno / SYS_RESTART. */
export function sysFtruncate(p: Proc, fd: i32, lo: i32, hi: i32): i32 {
  const f = fileOf(p, fd);
  if (f == null) return badFd(p, fd, Errno.EINVAL);
  if (!f.writable) return -Errno.EBADF;
  const ip = f.node!;
  if (ip.type == FsType.DIR) return -Errno.EISDIR;
  const size = <i64>((<u64>(<u32>hi) << 32) | <u64>(<u32>lo));
  if (size < 0) return -Errno.EINVAL;
  if (<u64>size > MAX_FILE) return -Errno.EFBIG;
  const r = enter();
  if (r < 0) return r;
  if (<u64>size == ip.size) return 0;
  return finish(p, truncate(ip, <u64>size));
}

/** sysMkdir: mkdir(path): 0, or -EEXIST, -ENOENT, -EROFS, ... / SYS_RESTART. */
export function sysMkdir(p: Proc, va: u32, len: u32): i32 {
  const r = enterPath(p, va, len);
  if (r < 0) return r;
  const dp = nameiParent(pathBuf, len);
  if (dp == null) return finish(p, fsErr);
  if (lastLen == 0) return -Errno.EEXIST; // the root
  const ino = dirLookup(dp, lastName, lastLen);
  if (ino < 0) return finish(p, ino);
  if (ino > 0) return -Errno.EEXIST;
  if (readOnly) return -Errno.EROFS;
  const ip = create(dp, FsType.DIR);
  return ip == null ? finish(p, fsErr) : 0;
}

/** sysUnlink: unlink(path): 0 once the file (or empty directory) is gone, or -errno / SYS_RESTART. */
export function sysUnlink(p: Proc, va: u32, len: u32): i32 {
  let r = enterPath(p, va, len);
  if (r < 0) return r;
  const dp = nameiParent(pathBuf, len);
  if (dp == null) return finish(p, fsErr);
  if (lastLen == 0) return -Errno.EBUSY; // the root
  if (isDots(lastName, lastLen)) return -Errno.EINVAL;
  const ino = dirLookup(dp, lastName, lastLen);
  if (ino < 0) return finish(p, ino);
  if (ino == 0) return -Errno.ENOENT;
  const off = dirOff;
  const ip = iget(<u32>ino);
  if (ip == null) return finish(p, fsErr);
  const dir = ip.type == FsType.DIR;
  if (dir) {
    const empty = dirEmpty(ip);
    if (empty < 0) return finish(p, empty);
    if (empty == 0) return -Errno.ENOTEMPTY;
  } else if (lastSlash) return -Errno.ENOTDIR;
  if (readOnly) return -Errno.EROFS;
  const freeing = ip.refs == 0 && (dir || ip.links <= 1);
  r = bread(iblock(dp.ino));
  if (r >= 0) r = bread(iblock(ip.ino));
  if (r >= 0 && freeing) r = itruncPrepare(ip, 0);
  if (r >= 0) r = beginOp(opLog());
  if (r < 0) return finish(p, r);
  changeBegin();
  dirSet(dp, off, 0, 0, 0);
  if (dir) {
    if (dp.links > 0) dp.links--; // its ".." is gone
    iupdate(dp);
    ip.links = 0;
  } else if (ip.links > 0) ip.links--;
  if (freeing) ifree(ip);
  else iupdate(ip);
  changeEnd();
  endOp();
  return 0;
}

/** sysReaddir: readdir(fd, va, len): bytes of whole directory entries copied out (0 at the end), or -errno / SYS_RESTART. */
export function sysReaddir(p: Proc, fd: i32, va: u32, len: u32): i32 {
  const f = fileOf(p, fd);
  if (f == null) return badFd(p, fd, Errno.ENOTDIR);
  if (!f.readable) return -Errno.EBADF;
  const ip = f.node!;
  if (ip.type != FsType.DIR) return -Errno.ENOTDIR;
  if (len < <u32>FS_DIRENT_SIZE) return -Errno.EINVAL;
  if (!userRange(va, len)) return -Errno.EFAULT;
  const r = enter();
  if (r < 0) return r;
  let pos = f.off & ~(<u64>(FS_DIRENT_SIZE - 1));
  let out: u32 = 0;
  while (pos < ip.size && out + FS_DIRENT_SIZE <= len) {
    spin("kernel/sysfs.ts sysReaddir");
    const pf = pcPage(ip, <u32>(pos >> PAGE_SHIFT));
    if (pf < 0) {
      if (out > 0) break;
      return finish(p, pf);
    }
    if (pf == 0) {
      pos = (pos | PAGE_MASK) + 1; // a hole: no entries
      continue;
    }
    const at = framePtr(<u32>pf) + <usize>(pos & PAGE_MASK);
    if (load<u32>(at) != 0) {
      const c = copyout(p, va + out, at, FS_DIRENT_SIZE);
      if (c < 0) {
        if (out > 0) break;
        return c;
      }
      out += FS_DIRENT_SIZE;
    }
    pos += FS_DIRENT_SIZE;
  }
  f.off = pos;
  return <i32>out;
}

function statOut(p: Proc, ip: Inode, va: u32): i32 {
  memory.fill(statBuf, 0, FS_STAT_SIZE);
  store<u32>(statBuf + FsStat.INO, ip.ino);
  store<u32>(statBuf + FsStat.TYPE, ip.type);
  store<u32>(statBuf + FsStat.LINKS, ip.links);
  store<u32>(statBuf + FsStat.NBLOCKS, ip.nblocks);
  store<u64>(statBuf + FsStat.SIZE, ip.size);
  return copyout(p, va, statBuf, FS_STAT_SIZE);
}

/** sysStat: stat(path, st): 0, FS_STAT_SIZE bytes written at st; or -errno / SYS_RESTART. */
export function sysStat(p: Proc, va: u32, len: u32, st: u32): i32 {
  if (!userRange(st, FS_STAT_SIZE)) return -Errno.EFAULT;
  const r = enterPath(p, va, len);
  if (r < 0) return r;
  const ip = namei(pathBuf, len, false);
  if (ip == null) return finish(p, fsErr);
  return statOut(p, ip, st);
}

/** sysFstat: fstat(fd, st): 0, FS_STAT_SIZE bytes written at st; or -EBADF, -EINVAL, -EFAULT. */
export function sysFstat(p: Proc, fd: i32, st: u32): i32 {
  const f = fileOf(p, fd);
  if (f == null) return badFd(p, fd, Errno.EINVAL);
  if (!userRange(st, FS_STAT_SIZE)) return -Errno.EFAULT;
  return statOut(p, f.node!, st);
}

/** sysFsync: fsync(fd): 0 once the file's data and every metadata change before it are on disk, or -errno / SYS_RESTART. */
export function sysFsync(p: Proc, fd: i32): i32 {
  const f = fileOf(p, fd);
  if (f == null) return badFd(p, fd, Errno.EINVAL);
  return fsyncInode(p, f.node!);
}

/** fsyncInode: fsync of ip for p (msync too): 0 once its pages and earlier changes are on disk. */
export function fsyncInode(p: Proc, ip: Inode): i32 {
  const r = enter();
  if (r < 0) return r;
  if (readOnly) return 0;
  if (fsFailed) return -Errno.EIO;
  if (!wbInode(ip)) return finish(p, missAny());
  if (ip.wbLast > doneId) return finish(p, missReq(ip.wbLast));
  if (commitBusy()) return finish(p, missGen(commitsStarted));
  if (txnBlocks() > 0) {
    commitStart();
    return finish(p, missGen(commitsStarted));
  }
  if (fsFailed) return -Errno.EIO;
  const e = ip.wbErr;
  ip.wbErr = 0;
  return e;
}
