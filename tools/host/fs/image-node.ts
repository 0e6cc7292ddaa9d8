// tools/host/fs/image-node.ts — mkfs and fsck on disk-image files (Node only).
//
// The image is read into memory whole (mkfs, fsck work on a Uint8Array) and, for mkfs, written
// back. An image made here is what a FileStore (tools/host/disk-node.ts) serves to a Disk.

import { closeSync, existsSync, fstatSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { ConfigError } from "../errors";
import { fsck, type FsckOptions, type FsckReport } from "./fsck";
import { BLOCK, type Geometry } from "./layout";
import { mkfs, type MkfsOptions } from "./mkfs";

/** mkfsFile: make a file system in the image at path: a new file of `bytes` bytes, or the whole
 *  of an existing one (bytes omitted) or a resized one (bytes given). */
export function mkfsFile(path: string, opts: MkfsOptions & { bytes?: number } = {}): Geometry {
  const { bytes, ...rest } = opts;
  let size = bytes;
  if (size === undefined) {
    if (!existsSync(path)) throw new ConfigError(`mkfs: ${path} does not exist; give its size`);
    const fd = openSync(path, "r");
    size = fstatSync(fd).size;
    closeSync(fd);
  }
  if (!Number.isInteger(size) || size <= 0 || size % BLOCK !== 0) throw new ConfigError(`mkfs: a size of ${size} bytes is not a whole number of ${BLOCK}-byte blocks`);
  const image = existsSync(path) && bytes === undefined ? new Uint8Array(readFileSync(path)) : new Uint8Array(size);
  const g = mkfs(image, rest);
  writeFileSync(path, image);
  return g;
}

/** fsckFile: check the image at path (ConfigError if it cannot be read). */
export function fsckFile(path: string, opts: FsckOptions = {}): FsckReport {
  let image: Uint8Array;
  try {
    image = new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new ConfigError(`fsck: cannot read ${path}: ${(e as Error).message}`);
  }
  return fsck(image, opts);
}
