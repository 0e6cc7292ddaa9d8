// kernel/sysmmap.ts — mmap of files and msync.
//
//   mmap(hint, len, prot, MAP_SHARED | MAP_PRIVATE, fd, pageOffset)
//     shared:  the region maps the file's own pages (the page cache); writes reach the file
//     private: the region's pages start as the file's and are copied on the first write
//   msync(va, len): the file pages mapped there, and earlier changes, are on disk (as fsync)
//
// Checks: fd must be an open file (EBADF), readable and not a directory (EACCES); a shared
// writable mapping needs a file opened for writing (EACCES), and so does mprotect making a
// shared mapping of a file not open for writing writable (the region's maxProt). Pages beyond
// the end of the file may be mapped; touching them is SIGBUS.

import { Errno, FsType, PAGE_MASK, Prot } from "../base/abi";
import { Proc } from "./proc";
import { asFind, asMapFile } from "../vm/aspace";
import { ObjKind } from "../vm/object";
import { inodeOfObj } from "../fs/inode";
import { enter, fileOf, fsyncInode } from "./sysfs";
import { mounted } from "../fs/mount";

/** sysMmapFile: map len bytes (a page multiple) of file fd from page pgoff; address or -errno. */
export function sysMmapFile(p: Proc, hint: u32, len: u32, prot: i32, shared: bool, fixed: bool, fd: i32, pgoff: i32): i32 {
  if (p.fds.get(fd) == null) return -Errno.EBADF;
  const f = fileOf(p, fd);
  if (f == null) return -Errno.ENODEV; // a socket or a channel cannot be mapped
  if (pgoff < 0) return -Errno.EINVAL;
  if (!f.readable || f.node!.type == FsType.DIR) return -Errno.EACCES;
  if (shared && (prot & Prot.WRITE) != 0 && !f.writable) return -Errno.EACCES;
  if (!mounted) return -Errno.ENODEV;
  const e = enter();
  if (e < 0) return e;
  const maxProt = shared && !f.writable ? Prot.READ : Prot.READ | Prot.WRITE;
  return <i32>asMapFile(p.as!, hint, len, prot, maxProt, f.node!.obj, <u32>pgoff, shared, fixed);
}

/** sysMsync: write back the file pages mapped at [va, va+len) and wait; 0 or -errno. */
export function sysMsync(p: Proc, va: u32, len: u32): i32 {
  if ((va & PAGE_MASK) != 0 || len == 0) return -Errno.EINVAL;
  const r = asFind(p.as!, va);
  if (r == null) return -Errno.ENOMEM;
  const o = r.obj.kind == ObjKind.FILE ? r.obj : r.obj.backing;
  if (o == null) return 0; // anonymous memory: nothing to write back
  const ip = inodeOfObj(o!.id);
  if (ip == null) return -Errno.EINVAL;
  return fsyncInode(p, ip!);
}
