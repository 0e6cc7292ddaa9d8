// tools/host/fs/layout.ts — the on-disk file system as the host tools see it (mkfs, fsck).
//
// The layout itself (superblock fields, inode and directory-entry formats) is drawn in
// base/abi.ts, "On-disk file system"; this file only reads and writes those fields in a
// Uint8Array image. Works in Node and in the browser.

import {
  DISK_BLOCK_SIZE, FS_BITS_PER_BLOCK, FS_INODE_SIZE, FS_INODES_PER_BLOCK, FS_LOG_MAX, FS_MAGIC, FS_NDIRECT, FS_VERSION, FsInode, FsSuper,
} from "../../../base/abi";

export const BLOCK = DISK_BLOCK_SIZE;

/** The superblock's fields. */
export interface Geometry {
  magic: number;
  version: number;
  blocks: number;
  inodes: number;
  logStart: number;
  logBlocks: number;
  bitmapStart: number;
  bitmapBlocks: number;
  inodeStart: number;
  inodeBlocks: number;
  dataStart: number;
  root: number;
  clean: number;
}

const FIELDS: [keyof Geometry, FsSuper][] = [
  ["magic", FsSuper.MAGIC], ["version", FsSuper.VERSION], ["blocks", FsSuper.BLOCKS], ["inodes", FsSuper.INODES],
  ["logStart", FsSuper.LOG_START], ["logBlocks", FsSuper.LOG_BLOCKS], ["bitmapStart", FsSuper.BITMAP_START],
  ["bitmapBlocks", FsSuper.BITMAP_BLOCKS], ["inodeStart", FsSuper.INODE_START], ["inodeBlocks", FsSuper.INODE_BLOCKS],
  ["dataStart", FsSuper.DATA_START], ["root", FsSuper.ROOT], ["clean", FsSuper.CLEAN],
];

/** view: a DataView over the whole image. */
export function view(image: Uint8Array): DataView {
  return new DataView(image.buffer, image.byteOffset, image.byteLength);
}

/** readSuper: the superblock of an image (at least one block long). */
export function readSuper(image: Uint8Array): Geometry {
  const dv = view(image);
  const g = {} as Geometry;
  for (const [k, off] of FIELDS) g[k] = dv.getUint32(off, true);
  return g;
}

/** writeSuper: store g as the superblock of image (the rest of block 0 zeroed). */
export function writeSuper(image: Uint8Array, g: Geometry): void {
  image.fill(0, 0, BLOCK);
  const dv = view(image);
  for (const [k, off] of FIELDS) dv.setUint32(off, g[k] >>> 0, true);
}

/** Blocks one kernel call may log at most (the kernel refuses a smaller log: fs/inode.ts opLog). */
export function opLogBlocks(bitmapBlocks: number): number {
  return 12 + bitmapBlocks;
}

/** geometryProblems: what is wrong with superblock g of an image of imageBlocks blocks (the
 *  same rules as the kernel's mount, fs/super.ts); empty if nothing. */
export function geometryProblems(g: Geometry, imageBlocks: number): string[] {
  const hex = (v: number) => `0x${(v >>> 0).toString(16)}`;
  if (g.magic !== FS_MAGIC) return [`bad magic ${hex(g.magic)} (not a Genie file system; want ${hex(FS_MAGIC)})`];
  if (g.version !== FS_VERSION) return [`version ${g.version} (this fsck reads version ${FS_VERSION})`];
  const out: string[] = [];
  if (g.blocks < 8 || g.blocks > imageBlocks) out.push(`superblock says ${g.blocks} blocks, the image has ${imageBlocks}`);
  if (g.inodes < 2 || g.inodes % FS_INODES_PER_BLOCK !== 0) out.push(`inode count ${g.inodes} is not a multiple of ${FS_INODES_PER_BLOCK} above 0`);
  if (g.logStart !== 1) out.push(`log starts at block ${g.logStart}, not 1`);
  if (g.logBlocks < 2 || g.logBlocks > FS_LOG_MAX + 1) out.push(`log of ${g.logBlocks} blocks (2 .. ${FS_LOG_MAX + 1})`);
  if (g.bitmapStart !== g.logStart + g.logBlocks) out.push("bitmap does not follow the log");
  if (g.bitmapBlocks !== Math.ceil(g.blocks / FS_BITS_PER_BLOCK)) out.push(`bitmap of ${g.bitmapBlocks} blocks for ${g.blocks} blocks`);
  if (g.inodeStart !== g.bitmapStart + g.bitmapBlocks) out.push("inode table does not follow the bitmap");
  if (g.inodeBlocks * FS_INODES_PER_BLOCK !== g.inodes) out.push(`inode table of ${g.inodeBlocks} blocks for ${g.inodes} inodes`);
  if (g.dataStart !== g.inodeStart + g.inodeBlocks) out.push("data area does not follow the inode table");
  if (g.dataStart >= g.blocks) out.push(`no room for data: data starts at block ${g.dataStart} of ${g.blocks}`);
  if (g.root === 0 || g.root >= g.inodes) out.push(`root inode ${g.root} out of range`);
  if (out.length === 0 && g.logBlocks - 1 < opLogBlocks(g.bitmapBlocks))
    out.push(`a log of ${g.logBlocks} blocks is too small (this file system needs ${opLogBlocks(g.bitmapBlocks) + 1})`);
  return out;
}

/** An inode as stored. */
export interface DiskInode {
  type: number;
  links: number;
  nblocks: number;
  size: number;
  addrs: number[]; // direct[12], indirect, double indirect
}

/** inodeAt: byte offset of inode ino in an image of geometry g. */
export function inodeAt(g: Geometry, ino: number): number {
  return (g.inodeStart + Math.floor(ino / FS_INODES_PER_BLOCK)) * BLOCK + (ino % FS_INODES_PER_BLOCK) * FS_INODE_SIZE;
}

export function readInode(dv: DataView, at: number): DiskInode {
  const addrs: number[] = [];
  for (let k = 0; k < FS_NDIRECT + 2; k++) addrs.push(dv.getUint32(at + FsInode.DIRECT + 4 * k, true));
  return {
    type: dv.getUint16(at + FsInode.TYPE, true),
    links: dv.getUint16(at + FsInode.LINKS, true),
    nblocks: dv.getUint32(at + FsInode.NBLOCKS, true),
    size: Number(dv.getBigUint64(at + FsInode.SIZE, true)),
    addrs,
  };
}

export function writeInode(dv: DataView, at: number, d: DiskInode): void {
  new Uint8Array(dv.buffer, dv.byteOffset + at, FS_INODE_SIZE).fill(0);
  dv.setUint16(at + FsInode.TYPE, d.type, true);
  dv.setUint16(at + FsInode.LINKS, d.links, true);
  dv.setUint32(at + FsInode.NBLOCKS, d.nblocks, true);
  dv.setBigUint64(at + FsInode.SIZE, BigInt(d.size), true);
  d.addrs.forEach((b, k) => dv.setUint32(at + FsInode.DIRECT + 4 * k, b, true));
}
