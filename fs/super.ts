// fs/super.ts — the superblock: the geometry of the mounted file system, checked before use.
//
// The on-disk layout is drawn in base/abi.ts (On-disk file system). The superblock's fields
// are kept here while the file system is mounted; every other fs file reads them from here.
// `dev` is the disk's own memory object: page b of it caches block b (superblock, log header,
// bitmap, inode table and indirect blocks), in the same frames as any other page-cache page.

import {
  FS_BITS_PER_BLOCK, FS_INODES_PER_BLOCK, FS_LOG_MAX, FS_MAGIC, FS_VERSION, FsSuper,
} from "../base/abi";
import { VmObject } from "../vm/object";

// @ts-ignore: decorator
@unmanaged export class SuperBlock {
  magic: u32;
  version: u32;
  blocks: u32;
  inodes: u32;
  logStart: u32;
  logBlocks: u32;
  bitmapStart: u32;
  bitmapBlocks: u32;
  inodeStart: u32;
  inodeBlocks: u32;
  dataStart: u32;
  root: u32;
  clean: u32;
}

export let sbBlocks: u32 = 0;
export let sbInodes: u32 = 0;
export let logStart: u32 = 0;
export let logBlocks: u32 = 0;
export let bitmapStart: u32 = 0;
export let bitmapBlocks: u32 = 0;
export let inodeStart: u32 = 0;
export let dataStart: u32 = 0;
export let rootIno: u32 = 0;

/** The disk's memory object (block b = page b), while mounted. */
export let dev: VmObject | null = null;

/** setDev: the disk's memory object (null when unmounted). */
export function setDev(o: VmObject | null): void {
  dev = o;
}

/** superLayoutOk: the SuperBlock class agrees with base/abi.ts. */
export function superLayoutOk(): bool {
  return offsetof<SuperBlock>() == FsSuper.SIZE && offsetof<SuperBlock>("logStart") == FsSuper.LOG_START &&
    offsetof<SuperBlock>("dataStart") == FsSuper.DATA_START && offsetof<SuperBlock>("clean") == FsSuper.CLEAN;
}

function hex(v: u32): string {
  return "0x" + v.toString(16);
}

/**
 * superCheck: why the superblock at ptr cannot be mounted on a disk of diskBlocks blocks, or ""
 * if it can. Nothing is kept; superLoad keeps it.
 */
export function superCheck(ptr: usize, diskBlocks: u32): string {
  const s = changetype<SuperBlock>(ptr);
  if (s.magic != <u32>FS_MAGIC) return "bad magic " + hex(s.magic) + " (not a Genie file system; want " + hex(FS_MAGIC) + ")";
  if (s.version != FS_VERSION) return "version " + s.version.toString() + " (this kernel reads version " + FS_VERSION.toString() + ")";
  if (s.blocks < 8 || s.blocks > diskBlocks)
    return "superblock says " + s.blocks.toString() + " blocks, the disk has " + diskBlocks.toString();
  if (s.inodes < 2 || s.inodes % FS_INODES_PER_BLOCK != 0) return "inode count " + s.inodes.toString() + " is not a multiple of 32 above 0";
  if (s.logStart != 1) return "log starts at block " + s.logStart.toString() + ", not 1";
  if (s.logBlocks < 2 || s.logBlocks > <u32>FS_LOG_MAX + 1) return "log of " + s.logBlocks.toString() + " blocks (2 .. 1024)";
  if (s.bitmapStart != s.logStart + s.logBlocks) return "bitmap does not follow the log";
  if (s.bitmapBlocks != (s.blocks + FS_BITS_PER_BLOCK - 1) / FS_BITS_PER_BLOCK)
    return "bitmap of " + s.bitmapBlocks.toString() + " blocks for " + s.blocks.toString() + " blocks";
  if (s.inodeStart != s.bitmapStart + s.bitmapBlocks) return "inode table does not follow the bitmap";
  if (s.inodeBlocks != s.inodes / FS_INODES_PER_BLOCK) return "inode table of " + s.inodeBlocks.toString() + " blocks for " + s.inodes.toString() + " inodes";
  if (s.dataStart != s.inodeStart + s.inodeBlocks) return "data area does not follow the inode table";
  if (s.dataStart >= s.blocks) return "no room for data: data starts at block " + s.dataStart.toString() + " of " + s.blocks.toString();
  if (s.root == 0 || s.root >= s.inodes) return "root inode " + s.root.toString() + " out of range";
  return "";
}

/** superLoad: keep the geometry of the (checked) superblock at ptr. */
export function superLoad(ptr: usize): void {
  const s = changetype<SuperBlock>(ptr);
  sbBlocks = s.blocks;
  sbInodes = s.inodes;
  logStart = s.logStart;
  logBlocks = s.logBlocks;
  bitmapStart = s.bitmapStart;
  bitmapBlocks = s.bitmapBlocks;
  inodeStart = s.inodeStart;
  dataStart = s.dataStart;
  rootIno = s.root;
}

/** superClear: forget the geometry (unmounted). */
export function superClear(): void {
  sbBlocks = 0;
  sbInodes = 0;
  dataStart = 0;
  rootIno = 0;
}

/** dataBlock: is b a block of the data area (where file pages and indirect blocks live)? */
// @ts-ignore: decorator
@inline export function dataBlock(b: u32): bool {
  return b >= dataStart && b < sbBlocks;
}
