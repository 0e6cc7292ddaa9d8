// fs/inode.ts — inodes: files and directories, their block maps, allocation and truncation.
//
// The on-disk inode is drawn in base/abi.ts (FS_INODE_SIZE bytes, FsInode offsets); DInode below
// *is* that layout. Each inode in use has one in-memory Inode, kept from its first lookup until it
// is freed or the file system is unmounted: the fields (authoritative while mounted; iupdate copies
// them into the cached inode block, which the log then writes), the inode's memory object (its
// pages in the page cache) and `blk`, the disk block of each cached page, so writeback never needs
// the indirect blocks again.
//
//   page p:   p < 12             direct[p]
//             p < 12 + 1024      indirect block, entry p - 12
//             else               double-indirect block, entry q >> 10 -> indirect block, entry q & 1023
//                                (q = p - 1036)

import { Errno, FS_DIRENT_SIZE, FS_INODE_SIZE, FS_INODES_PER_BLOCK, FS_MAX_PAGES, FS_NDIRECT, FS_NINDIRECT, FsInode, FsType, PAGE_MASK, PAGE_SHIFT, PAGE_SIZE, SYS_RESTART } from "../base/abi";
import { panic, spin } from "../base/panic";
import { framePtr } from "../vm/ram";
import { objectDrop, objectNew, ObjKind, VmObject } from "../vm/object";
import { balloc, bfree } from "./balloc";
import { beginOp, endOp, logWrite } from "./log";
import { bforget, bnew, bread, pcDrop, pcPage, pcWritable, pcDirty } from "./pagecache";
import { bitmapBlocks, dataBlock, inodeStart, sbInodes } from "./super";
import { changeBegin, changeEnd, fail } from "./wait";

// @ts-ignore: decorator
@unmanaged export class DInode {
  type: u16;
  links: u16;
  nblocks: u32;
  size: u64;
}

export class Inode {
  /** Open files referring to it. */
  refs: i32 = 0;
  type: u16 = 0;
  links: u16 = 0;
  nblocks: u32 = 0;
  size: u64 = 0;
  /** direct[0..11], indirect, double indirect. */
  addrs: StaticArray<u32> = new StaticArray<u32>(FS_NDIRECT + 2);
  /** Its pages in the page cache. */
  obj: VmObject;
  /** Disk block of each cached page (0: unknown or a hole), parallel to obj.pages. */
  blk: StaticArray<u32> = new StaticArray<u32>(0);
  /** -EIO once a writeback of one of its pages failed (reported by fsync). */
  wbErr: i32 = 0;
  /** The last writeback request of one of its pages. */
  wbLast: u32 = 0;

  constructor(public ino: u32) {
    const o = objectNew(0, true);
    o.kind = ObjKind.FILE;
    this.obj = o;
  }
}

/** The largest directory the kernel accepts (a bigger one is damaged): 262144 entries. */
export const DIR_MAX: u64 = 16 << 20;

/** In-memory inodes, by number and by memory-object id. */
export const itable = new Map<u32, Inode>();
const byObj = new Map<u32, Inode>();
/** Inodes unlinked while open, now closed: freed by ireap. */
const orphans = new Array<Inode>();

/** inodeLayoutOk: DInode agrees with base/abi.ts. */
export function inodeLayoutOk(): bool {
  return offsetof<DInode>("size") == FsInode.SIZE && offsetof<DInode>("nblocks") == FsInode.NBLOCKS;
}

/** inodeOfObj: the inode whose pages object id holds, or null (the disk's own object). */
export function inodeOfObj(id: u32): Inode | null {
  return byObj.has(id) ? byObj.get(id) : null;
}

/** opLog: blocks one call may log at most (inode and directory blocks, indirect blocks, every
 *  bitmap block); mount refuses a log smaller than this. */
export function opLog(): u32 {
  return 12 + bitmapBlocks;
}

/** iblock: the inode-table block holding inode ino. */
export function iblock(ino: u32): u32 {
  return inodeStart + ino / FS_INODES_PER_BLOCK;
}

function iptr(f: u32, ino: u32): usize {
  return framePtr(f) + <usize>(ino % FS_INODES_PER_BLOCK) * FS_INODE_SIZE;
}

/** pagesOf: pages a file of size bytes has. */
// @ts-ignore: decorator
@inline export function pagesOf(size: u64): u32 {
  return <u32>((size + PAGE_MASK) >> PAGE_SHIFT);
}

function adopt(ip: Inode): Inode {
  itable.set(ip.ino, ip);
  byObj.set(ip.obj.id, ip);
  return ip;
}

/** iget: the in-memory inode ino (read from its block the first time); null with fsErr =
 *  SYS_RESTART, or -EIO if ino is out of range or free (a corrupt directory entry). */
export function iget(ino: u32): Inode | null {
  if (itable.has(ino)) return itable.get(ino);
  if (ino == 0 || ino >= sbInodes) return fail<Inode>(-Errno.EIO);
  const f = bread(iblock(ino));
  if (f < 0) return fail<Inode>(f);
  const p = iptr(<u32>f, ino);
  const d = changetype<DInode>(p);
  if (d.type != FsType.FILE && d.type != FsType.DIR) return fail<Inode>(-Errno.EIO);
  if (d.size > (<u64>FS_MAX_PAGES << PAGE_SHIFT)) return fail<Inode>(-Errno.EIO);
  if (d.type == FsType.DIR && (d.size > DIR_MAX || (d.size & (FS_DIRENT_SIZE - 1)) != 0)) return fail<Inode>(-Errno.EIO);
  const ip = new Inode(ino);
  ip.type = d.type;
  ip.links = d.links;
  ip.nblocks = d.nblocks;
  ip.size = d.size;
  for (let k = 0; k < FS_NDIRECT + 2; k++) unchecked((ip.addrs[k] = load<u32>(p + FsInode.DIRECT + (<usize>k << 2))));
  return adopt(ip);
}

/** iupdate: copy ip's fields into its (cached) inode block and log the block. */
export function iupdate(ip: Inode): void {
  const b = iblock(ip.ino);
  const f = bread(b);
  if (f < 0) return; // unreachable while changing (bread panics on a miss)
  const d = changetype<DInode>(iptr(<u32>f, ip.ino));
  d.type = ip.type;
  d.links = ip.links;
  d.nblocks = ip.nblocks;
  d.size = ip.size;
  const p = changetype<usize>(d);
  for (let k = 0; k < FS_NDIRECT + 2; k++) store<u32>(p + FsInode.DIRECT + (<usize>k << 2), unchecked(ip.addrs[k]));
  logWrite(b, <u32>f);
}

let ihint: u32 = 1;

/** ifind: a free inode number (its block cached); -ENOSPC, or SYS_RESTART while blocks are read. */
export function ifind(): i32 {
  const n = sbInodes;
  let missing: i32 = 0;
  let reads = 0;
  for (let k: u32 = 0; k < n; k += FS_INODES_PER_BLOCK) {
    const base = ((ihint / FS_INODES_PER_BLOCK) * FS_INODES_PER_BLOCK + k) % n;
    const f = bread(iblock(base));
    if (f < 0) {
      if (f != SYS_RESTART) return f;
      missing = f;
      if (++reads >= 8) break;
      continue;
    }
    for (let i: u32 = 0; i < <u32>FS_INODES_PER_BLOCK; i++) {
      const ino = base + i;
      if (ino == 0 || itable.has(ino)) continue;
      if (changetype<DInode>(iptr(<u32>f, ino)).type == FsType.FREE) {
        ihint = ino;
        return <i32>ino;
      }
    }
  }
  return missing != 0 ? missing : -Errno.ENOSPC;
}

/** iinit: make free inode ino (found by ifind) an empty inode of type; its in-memory inode. */
export function iinit(ino: u32, type: FsType): Inode {
  const ip = adopt(new Inode(ino));
  ip.type = <u16>type;
  iupdate(ip);
  return ip;
}

/** ifree: give back ip (no links, no open files) and everything it holds; itruncPrepare(ip, 0)
 *  must have succeeded. */
export function ifree(ip: Inode): void {
  itrunc(ip, 0);
  ip.type = <u16>FsType.FREE;
  ip.links = 0;
  iupdate(ip);
  pcDrop(ip.obj, 0, ip.obj.npages);
  itable.delete(ip.ino);
  byObj.delete(ip.obj.id);
  objectDrop(ip.obj);
}

/** iforgetAll: drop every in-memory inode and its pages (unmount). */
export function iforgetAll(): void {
  const all = itable.values();
  for (let i = 0; i < all.length; i++) {
    const ip = all[i];
    pcDrop(ip.obj, 0, ip.obj.npages);
    objectDrop(ip.obj);
  }
  itable.clear();
  byObj.clear();
  orphans.length = 0;
  ihint = 1;
}

// ---- block map ------------------------------------------------------------------------------

function checked(b: u32): i32 {
  return b == 0 || dataBlock(b) ? <i32>b : -Errno.EIO;
}

/** inInode: the block at slot k of ip's addrs, made (a zeroed indirect block if meta) if alloc. */
function inInode(ip: Inode, k: i32, alloc: bool, meta: bool): i32 {
  let b = unchecked(ip.addrs[k]);
  if (b == 0 && alloc) {
    const nb = balloc();
    if (nb < 0) return nb;
    if (meta) logWrite(<u32>nb, bnew(<u32>nb));
    b = <u32>nb;
    unchecked((ip.addrs[k] = b));
    ip.nblocks++;
  }
  return checked(b);
}

/** inBlock: entry k of indirect block ib, made (a zeroed indirect block if meta) if alloc. */
function inBlock(ip: Inode, ib: u32, k: u32, alloc: bool, meta: bool): i32 {
  const f = bread(ib);
  if (f < 0) return f;
  const p = framePtr(<u32>f) + (<usize>k << 2);
  let b = load<u32>(p);
  if (b == 0 && alloc) {
    const nb = balloc();
    if (nb < 0) return nb;
    if (meta) logWrite(<u32>nb, bnew(<u32>nb));
    store<u32>(p, <u32>nb);
    logWrite(ib, <u32>f);
    b = <u32>nb;
    ip.nblocks++;
  }
  return checked(b);
}

/**
 * bmap: the disk block of page idx of ip: 0 for a hole; with alloc the block (and any indirect
 * block on the way) is allocated. -EFBIG beyond the largest file, -ENOSPC, -EIO for a block number
 * outside the data area (corrupt), SYS_RESTART while an indirect block is read. Without alloc it
 * brings in every existing indirect block on the way, so that bmap with alloc then never misses.
 */
export function bmap(ip: Inode, idx: u32, alloc: bool): i32 {
  if (idx < <u32>FS_NDIRECT) return inInode(ip, <i32>idx, alloc, false);
  let q = idx - FS_NDIRECT;
  if (q < <u32>FS_NINDIRECT) {
    const ib = inInode(ip, FS_NDIRECT, alloc, true);
    if (ib <= 0) return ib;
    return inBlock(ip, <u32>ib, q, alloc, false);
  }
  q -= FS_NINDIRECT;
  if (q >= <u32>(FS_NINDIRECT * FS_NINDIRECT)) return -Errno.EFBIG;
  const db = inInode(ip, FS_NDIRECT + 1, alloc, true);
  if (db <= 0) return db;
  const ib = inBlock(ip, <u32>db, q >> 10, alloc, true);
  if (ib <= 0) return ib;
  return inBlock(ip, <u32>ib, q & 1023, alloc, false);
}

// ---- truncation ---------------------------------------------------------------------------------

/** worse: combine two lookup results: an error wins over a restart, a restart over success. */
function worse(a: i32, b: i32): i32 {
  if (a < 0 && a != SYS_RESTART) return a;
  if (b < 0) return b;
  return a;
}

/** itruncPrepare: bring in what itrunc(ip, size) reads: the indirect blocks that lose entries
 *  and the page holding the new end; 0, SYS_RESTART or -errno. */
export function itruncPrepare(ip: Inode, size: u64): i32 {
  const keep = pagesOf(size);
  let r: i32 = 0;
  const ib = unchecked(ip.addrs[FS_NDIRECT]);
  if (ib != 0 && keep < <u32>(FS_NDIRECT + FS_NINDIRECT)) r = worse(r, dataBlock(ib) ? bread(ib) : -Errno.EIO);
  const db = unchecked(ip.addrs[FS_NDIRECT + 1]);
  if (db != 0) {
    const f = dataBlock(db) ? bread(db) : -Errno.EIO;
    if (f < 0) r = worse(r, f);
    else {
      const first = keep > <u32>(FS_NDIRECT + FS_NINDIRECT) ? (keep - FS_NDIRECT - FS_NINDIRECT) >> 10 : 0;
      for (let j = first; j < <u32>FS_NINDIRECT; j++) {
        const c = load<u32>(framePtr(<u32>f) + (<usize>j << 2));
        if (c != 0) r = worse(r, dataBlock(c) ? bread(c) : -Errno.EIO);
      }
    }
  }
  if ((size & PAGE_MASK) != 0 && size < ip.size) {
    const pf = pcPage(ip, <u32>(size >> PAGE_SHIFT));
    if (pf < 0) r = worse(r, pf);
  }
  return r;
}

/** freeTail: free entries [from, 1024) of indirect block ib (frame f); how many were set. */
function freeTail(ip: Inode, ib: u32, f: u32, from: u32, meta: bool): u32 {
  let n: u32 = 0;
  const p = framePtr(f);
  for (let j = from; j < <u32>FS_NINDIRECT; j++) {
    const b = load<u32>(p + (<usize>j << 2));
    if (b == 0) continue;
    if (dataBlock(b)) { // a damaged block number is dropped, never freed
      if (meta) {
        const cf = bread(b);
        if (cf > 0) freeTail(ip, b, <u32>cf, 0, false);
        bforget(b);
      }
      bfree(b);
    }
    if (ip.nblocks > 0) ip.nblocks--;
    store<u32>(p + (<usize>j << 2), 0);
    n++;
  }
  if (n > 0 && from > 0) logWrite(ib, f);
  return n;
}

/**
 * itrunc: make ip size bytes long. Shrinking frees the blocks of whole pages past the end (and
 * indirect blocks left empty), drops those pages from the cache and zeroes the rest of the new
 * last page; growing leaves a hole. itruncPrepare(ip, size) must have succeeded.
 */
export function itrunc(ip: Inode, size: u64): void {
  if (size < ip.size) {
    const keep = pagesOf(size);
    for (let k = keep; k < <u32>FS_NDIRECT; k++) {
      const b = unchecked(ip.addrs[k]);
      if (b == 0) continue;
      if (dataBlock(b)) bfree(b);
      if (ip.nblocks > 0) ip.nblocks--;
      unchecked((ip.addrs[k] = 0));
    }
    let ib = unchecked(ip.addrs[FS_NDIRECT]);
    if (ib != 0 && !dataBlock(ib)) { // damaged: forget it
      unchecked((ip.addrs[FS_NDIRECT] = 0));
      ib = 0;
    }
    if (ib != 0 && keep < <u32>(FS_NDIRECT + FS_NINDIRECT)) {
      const from = keep > <u32>FS_NDIRECT ? keep - FS_NDIRECT : 0;
      freeTail(ip, ib, <u32>bread(ib), from, false);
      if (from == 0) {
        bforget(ib);
        bfree(ib);
        if (ip.nblocks > 0) ip.nblocks--;
        unchecked((ip.addrs[FS_NDIRECT] = 0));
      }
    }
    let db = unchecked(ip.addrs[FS_NDIRECT + 1]);
    if (db != 0 && !dataBlock(db)) {
      unchecked((ip.addrs[FS_NDIRECT + 1] = 0));
      db = 0;
    }
    if (db != 0) {
      const base = keep > <u32>(FS_NDIRECT + FS_NINDIRECT) ? keep - FS_NDIRECT - FS_NINDIRECT : 0;
      const df = <u32>bread(db);
      const first = base >> 10;
      // The indirect block holding the new end keeps its first entries; later ones go whole.
      if ((base & 1023) != 0) {
        const c = load<u32>(framePtr(df) + (<usize>first << 2));
        if (c != 0 && dataBlock(c)) freeTail(ip, c, <u32>bread(c), base & 1023, false);
        freeTail(ip, db, df, first + 1, true);
      } else freeTail(ip, db, df, first, true);
      if (base == 0) {
        bforget(db);
        bfree(db);
        if (ip.nblocks > 0) ip.nblocks--;
        unchecked((ip.addrs[FS_NDIRECT + 1] = 0));
      }
    }
    pcDrop(ip.obj, keep, ip.obj.npages);
    for (let i = keep; i < <u32>ip.blk.length; i++) unchecked((ip.blk[i] = 0));
    const off = <u32>(size & PAGE_MASK);
    if (off != 0) {
      const pg = <u32>(size >> PAGE_SHIFT);
      const f = pcPage(ip, pg);
      if (f > 0) {
        const w = pcWritable(ip.obj, pg, <u32>f, ip.type == FsType.FILE);
        if (w == 0) panic("itrunc: no frame for a copy of the last page");
        memory.fill(framePtr(w) + off, 0, PAGE_SIZE - off);
        // A hole a mapping has read is in the cache, zero, without a block: it stays a hole.
        const hole = pg >= <u32>ip.blk.length || unchecked(ip.blk[pg]) == 0;
        if (ip.type == FsType.FILE && !hole) pcDirty(w);
      }
    }
  }
  ip.size = size;
  iupdate(ip);
}

/**
 * ireap: free every inode that was unlinked while open and has since been closed. close cannot
 * wait for the disk, so it leaves them here; each file-system call and unmount reap them.
 * 0, SYS_RESTART (blocks being read) or -errno.
 */
export function ireap(): i32 {
  while (orphans.length > 0) {
    spin("fs/inode.ts ireap");
    const ip = orphans[orphans.length - 1];
    if (ip.refs > 0 || ip.links > 0 || !itable.has(ip.ino)) {
      orphans.pop();
      continue;
    }
    let r = itruncPrepare(ip, 0);
    if (r >= 0) {
      const f = bread(iblock(ip.ino));
      if (f < 0) r = f;
    }
    if (r >= 0) r = beginOp(opLog());
    if (r < 0) return r;
    changeBegin();
    ifree(ip);
    changeEnd();
    endOp();
    orphans.pop();
  }
  return 0;
}

/** irelease: an open file of ip is closed. An inode left with no links is freed by the next
 *  ireap (close itself cannot wait for the disk). */
export function irelease(ip: Inode): void {
  if (ip.refs <= 0) panic("irelease: inode not open");
  ip.refs--;
  if (ip.refs == 0 && ip.links == 0) orphans.push(ip);
}
