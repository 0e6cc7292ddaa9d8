// tools/host/fs/mkfs.ts — make an empty file system in a disk image (a Uint8Array).
//
//   mkfs(image, { inodes, logBlocks }) writes the superblock, an empty log, the bitmap (every
//   block up to the root directory's in use), the inode table (only the root directory) and the
//   root directory's one block ("." and ".."). The data area is left as it is.

import { FS_BITS_PER_BLOCK, FS_DIRENT_SIZE, FS_INODES_PER_BLOCK, FS_LOG_MAX, FS_MAGIC, FS_NDIRECT, FS_ROOT_INO, FS_VERSION, FsType } from "../../../base/abi";
import { ConfigError } from "../errors";
import { BLOCK, type Geometry, geometryProblems, inodeAt, opLogBlocks, view, writeInode, writeSuper } from "./layout";

export interface MkfsOptions {
  /** Inodes (a multiple of 32; default one per 8 blocks, 32 .. 65536). */
  inodes?: number;
  /** Blocks of the log, header included (default 1/64 of the disk, at least what the kernel needs, at most 130). */
  logBlocks?: number;
}

/** The smallest image mkfs accepts, in blocks (128 KiB). */
export const MKFS_MIN_BLOCKS = 32;

/** mkfs: make an empty file system filling image; its geometry. ConfigError for a bad image or options. */
export function mkfs(image: Uint8Array, opts: MkfsOptions = {}): Geometry {
  if (!(image instanceof Uint8Array)) throw new ConfigError("mkfs: the image must be a Uint8Array");
  if (image.length % BLOCK !== 0) throw new ConfigError(`mkfs: ${image.length} bytes is not a whole number of ${BLOCK}-byte blocks`);
  const blocks = image.length / BLOCK;
  if (blocks < MKFS_MIN_BLOCKS || blocks > 0x7fffffff) throw new ConfigError(`mkfs: an image of ${blocks} blocks is outside ${MKFS_MIN_BLOCKS} .. 2^31-1`);
  for (const k of Object.keys(opts)) if (k !== "inodes" && k !== "logBlocks") throw new ConfigError(`mkfs: unknown option "${k}" (known: inodes, logBlocks)`);
  const bitmapBlocks = Math.ceil(blocks / FS_BITS_PER_BLOCK);
  const minLog = opLogBlocks(bitmapBlocks) + 1;
  const logBlocks = opts.logBlocks ?? Math.max(minLog, Math.min(130, Math.floor(blocks / 64)));
  if (!Number.isInteger(logBlocks) || logBlocks < minLog || logBlocks > FS_LOG_MAX + 1)
    throw new ConfigError(`mkfs: logBlocks must be an integer in ${minLog} .. ${FS_LOG_MAX + 1}, got ${opts.logBlocks}`);
  const inodes = opts.inodes ?? Math.min(65536, Math.max(32, Math.ceil(blocks / 8 / FS_INODES_PER_BLOCK) * FS_INODES_PER_BLOCK));
  if (!Number.isInteger(inodes) || inodes < FS_INODES_PER_BLOCK || inodes % FS_INODES_PER_BLOCK !== 0 || inodes > 1 << 24)
    throw new ConfigError(`mkfs: inodes must be a multiple of ${FS_INODES_PER_BLOCK} in 32 .. 2^24, got ${opts.inodes}`);
  const g: Geometry = {
    magic: FS_MAGIC,
    version: FS_VERSION,
    blocks,
    inodes,
    logStart: 1,
    logBlocks,
    bitmapStart: 1 + logBlocks,
    bitmapBlocks,
    inodeStart: 1 + logBlocks + bitmapBlocks,
    inodeBlocks: inodes / FS_INODES_PER_BLOCK,
    dataStart: 1 + logBlocks + bitmapBlocks + inodes / FS_INODES_PER_BLOCK,
    root: FS_ROOT_INO,
    clean: 1,
  };
  if (g.dataStart + 2 > blocks) throw new ConfigError(`mkfs: ${blocks} blocks leave no room for data after ${g.dataStart} blocks of metadata (use fewer inodes or a bigger image)`);
  const problems = geometryProblems(g, blocks);
  if (problems.length) throw new ConfigError(`mkfs: ${problems.join("; ")}`);

  image.fill(0, 0, (g.dataStart + 1) * BLOCK); // metadata and the root directory's block
  writeSuper(image, g);
  const dv = view(image);
  const rootBlock = g.dataStart;
  for (let b = 0; b <= rootBlock; b++) image[g.bitmapStart * BLOCK + (b >> 3)] |= 1 << (b & 7);
  const addrs = new Array(FS_NDIRECT + 2).fill(0);
  addrs[0] = rootBlock;
  writeInode(dv, inodeAt(g, FS_ROOT_INO), { type: FsType.DIR, links: 2, nblocks: 1, size: 2 * FS_DIRENT_SIZE, addrs });
  for (const [i, name] of [".", ".."].entries()) {
    const at = rootBlock * BLOCK + i * FS_DIRENT_SIZE;
    dv.setUint32(at, FS_ROOT_INO, true);
    for (let c = 0; c < name.length; c++) image[at + 4 + c] = name.charCodeAt(c);
  }
  return g;
}
