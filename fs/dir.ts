// fs/dir.ts — directories and path names.
//
// A directory is a file of FS_DIRENT_SIZE-byte entries (drawn in base/abi.ts); Dirent below is
// that layout. Its pages live in the page cache like any file's, but every change to one goes
// through the log. Entry slots are reused (ino 0 = free); a directory only grows, at its end.
//
// Paths: components separated by "/", looked up from the root ("a/b" and "/a/b" are the same;
// "." and ".." are ordinary entries every directory has). A component longer than FS_NAME_MAX
// bytes is ENAMETOOLONG; a component that is not a directory on the way is ENOTDIR.

import { Errno, FS_DIRENT_SIZE, FS_NAME_MAX, FsType, PAGE_MASK, PAGE_SHIFT, PAGE_SIZE, SYS_RESTART } from "../base/abi";
import { framePtr } from "../vm/ram";
import { logWrite } from "./log";
import { pcNew, pcPage } from "./pagecache";
import { bmap, DIR_MAX, iget, Inode, iupdate, pagesOf } from "./inode";
import { rootIno, sbInodes } from "./super";
import { fail, fsErr } from "./wait";

// @ts-ignore: decorator
@unmanaged export class Dirent {
  ino: u32;
  name: u8; // first of FS_NAME_MAX + 1 bytes
}

/** Byte offset of the entry the last dirLookup found, or of the slot dirSlot chose. */
export let dirOff: u64 = 0;

function nameEq(p: usize, name: usize, len: u32): bool {
  for (let i: u32 = 0; i < len; i++) if (load<u8>(p + i) != load<u8>(name + i)) return false;
  return len > <u32>FS_NAME_MAX || load<u8>(p + len) == 0;
}

/** dirLookup: the inode named (name, len) in directory dp, or 0 (its offset in dirOff);
 *  SYS_RESTART while pages are read, -EIO. */
export function dirLookup(dp: Inode, name: usize, len: u32): i32 {
  const n = pagesOf(dp.size);
  let missing: i32 = 0;
  for (let pg: u32 = 0; pg < n; pg++) {
    const f = pcPage(dp, pg);
    if (f < 0) {
      if (f != SYS_RESTART) return f;
      missing = f;
      continue;
    }
    if (f == 0) continue; // a hole holds no entries
    const end = <u32>min<u64>(PAGE_SIZE, dp.size - (<u64>pg << PAGE_SHIFT));
    const p = framePtr(<u32>f);
    for (let off: u32 = 0; off + FS_DIRENT_SIZE <= end; off += FS_DIRENT_SIZE) {
      const ino = load<u32>(p + off);
      if (ino != 0 && nameEq(p + off + 4, name, len)) {
        dirOff = (<u64>pg << PAGE_SHIFT) + off;
        return ino < sbInodes ? <i32>ino : -Errno.EIO; // beyond the inode table: damaged
      }
    }
  }
  return missing;
}

/** dirSlot: where a new entry of dp goes (in dirOff): the first free slot, or the end. Every
 *  page must be cached (a dirLookup that found nothing); bmap is prepared for a new page.
 *  0, SYS_RESTART or -errno. */
export function dirSlot(dp: Inode): i32 {
  const n = pagesOf(dp.size);
  for (let pg: u32 = 0; pg < n; pg++) {
    const f = pcPage(dp, pg);
    if (f < 0) return f;
    if (f == 0) continue;
    const end = <u32>min<u64>(PAGE_SIZE, dp.size - (<u64>pg << PAGE_SHIFT));
    const p = framePtr(<u32>f);
    for (let off: u32 = 0; off + FS_DIRENT_SIZE <= end; off += FS_DIRENT_SIZE) {
      if (load<u32>(p + off) == 0) {
        dirOff = (<u64>pg << PAGE_SHIFT) + off;
        return 0;
      }
    }
  }
  dirOff = dp.size;
  if (dp.size + FS_DIRENT_SIZE > DIR_MAX) return -Errno.ENOSPC;
  if ((dp.size & PAGE_MASK) == 0) {
    const b = bmap(dp, <u32>(dp.size >> PAGE_SHIFT), false);
    if (b < 0) return b;
  } else if (pcPage(dp, <u32>(dp.size >> PAGE_SHIFT)) == 0) return -Errno.EIO; // a hole: damaged
  return 0;
}

/** dirEmpty: does dp hold nothing but "." and ".."? 1 / 0, SYS_RESTART or -errno. */
export function dirEmpty(dp: Inode): i32 {
  const n = pagesOf(dp.size);
  let r: i32 = 1;
  for (let pg: u32 = 0; pg < n; pg++) {
    const f = pcPage(dp, pg);
    if (f < 0) {
      if (f != SYS_RESTART) return f;
      r = f;
      continue;
    }
    if (f == 0) continue;
    const end = <u32>min<u64>(PAGE_SIZE, dp.size - (<u64>pg << PAGE_SHIFT));
    const p = framePtr(<u32>f);
    for (let off: u32 = 0; off + FS_DIRENT_SIZE <= end; off += FS_DIRENT_SIZE) {
      if (load<u32>(p + off) == 0) continue;
      const c0 = load<u8>(p + off + 4), c1 = load<u8>(p + off + 5), c2 = load<u8>(p + off + 6);
      const dot = c0 == 0x2e && (c1 == 0 || (c1 == 0x2e && c2 == 0));
      if (!dot && r == 1) r = 0;
    }
  }
  return r;
}

/** dirSet: write entry (ino, name) at byte offset off of dp (dirOff from dirSlot / dirLookup);
 *  ino 0 frees the slot. A new page is allocated when off is at a page boundary at the end. */
export function dirSet(dp: Inode, off: u64, ino: u32, name: usize, len: u32): i32 {
  const pg = <u32>(off >> PAGE_SHIFT);
  let f: i32;
  if (off == dp.size && (off & PAGE_MASK) == 0) {
    const b = bmap(dp, pg, true);
    if (b < 0) return b;
    f = <i32>pcNew(dp, pg, true);
    unchecked((dp.blk[pg] = <u32>b));
  } else f = pcPage(dp, pg);
  if (f <= 0) return f < 0 ? f : -Errno.EIO;
  const p = framePtr(<u32>f) + <u32>(off & PAGE_MASK);
  store<u32>(p, ino);
  memory.fill(p + 4, 0, FS_DIRENT_SIZE - 4);
  if (ino != 0) memory.copy(p + 4, name, len);
  logWrite(unchecked(dp.blk[pg]), <u32>f);
  if (off == dp.size) {
    dp.size += FS_DIRENT_SIZE;
    iupdate(dp);
  }
  return 0;
}

// ---- path names -------------------------------------------------------------------------------

/** The last component found by nameiParent: (lastName, lastLen) in the path buffer. */
export let lastName: usize = 0;
export let lastLen: u32 = 0;
/** True when the last component found by nameiParent was followed by "/". */
export let lastSlash = false;

/** namei: the inode path (len bytes at path) names; with parent, the directory holding its last
 *  component instead (lastName / lastLen; lastLen 0 for the root itself). null with fsErr:
 *  -ENOENT, -ENOTDIR, -ENAMETOOLONG, -EIO or SYS_RESTART. */
export function namei(path: usize, len: u32, parent: bool): Inode | null {
  let ip = iget(rootIno);
  if (ip == null) return null;
  let i: u32 = 0;
  while (i < len && load<u8>(path + i) == 0x2f) i++;
  lastName = path + i;
  lastLen = 0;
  while (i < len) {
    const s = i;
    while (i < len && load<u8>(path + i) != 0x2f) i++;
    const clen = i - s;
    if (clen > <u32>FS_NAME_MAX) return fail<Inode>(-Errno.ENAMETOOLONG);
    const slash = i < len;
    while (i < len && load<u8>(path + i) == 0x2f) i++;
    if (ip.type != FsType.DIR) return fail<Inode>(-Errno.ENOTDIR);
    if (parent && i == len) {
      lastName = path + s;
      lastLen = clen;
      if (slash) lastSlash = true;
      return ip;
    }
    const ino = dirLookup(ip, path + s, clen);
    if (ino < 0) return fail<Inode>(ino);
    if (ino == 0) return fail<Inode>(-Errno.ENOENT);
    ip = iget(<u32>ino);
    if (ip == null) return fail<Inode>(fsErr);
    if (slash && i == len && ip.type != FsType.DIR) return fail<Inode>(-Errno.ENOTDIR);
  }
  return ip;
}

/** nameiParent: namei(path, len, true), resetting lastSlash first. */
export function nameiParent(path: usize, len: u32): Inode | null {
  lastSlash = false;
  return namei(path, len, true);
}
