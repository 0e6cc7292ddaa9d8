// tools/host/disk-node.ts — a disk image in a file (Node only; the browser uses MemoryStore).
//
// Block b is bytes [b x 4096, (b + 1) x 4096) of the file. Each acknowledged write goes to the
// file at once (synchronously, like the rest of the simulation), so a later machine that opens
// the same file sees every write the disk acknowledged, and nothing else.

import { closeSync, existsSync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from "node:fs";
import { DISK_BLOCK_SIZE } from "../../base/abi";
import { ConfigError } from "./errors";
import type { BlockStore } from "./disk";

export class FileStore implements BlockStore {
  readonly blocks: number;
  private fd: number | null;

  /** Open the image at path; a missing file is created zeroed with `blocks` blocks (required then). */
  constructor(readonly path: string, opts: { blocks?: number } = {}) {
    const want = opts.blocks;
    if (want !== undefined && (!Number.isInteger(want) || want < 1 || want > 0x7fffffff))
      throw new ConfigError(`FileStore ${path}: blocks must be an integer in 1 .. 2^31-1, got ${want}`);
    if (existsSync(path)) {
      this.fd = openSync(path, "r+");
      const size = fstatSync(this.fd).size;
      if (size === 0 || size % DISK_BLOCK_SIZE !== 0) {
        closeSync(this.fd);
        throw new ConfigError(`FileStore ${path}: ${size} bytes is not a whole, non-zero number of 4096-byte blocks`);
      }
      this.blocks = size / DISK_BLOCK_SIZE;
      if (want !== undefined && want !== this.blocks) {
        closeSync(this.fd);
        throw new ConfigError(`FileStore ${path}: the image has ${this.blocks} blocks, not ${want}`);
      }
    } else {
      if (want === undefined) throw new ConfigError(`FileStore ${path}: no such image; give blocks to create one`);
      this.fd = openSync(path, "w+");
      ftruncateSync(this.fd, want * DISK_BLOCK_SIZE);
      this.blocks = want;
    }
  }

  read(b: number, out: Uint8Array): void {
    const n = readSync(this.open(), out, 0, DISK_BLOCK_SIZE, b * DISK_BLOCK_SIZE);
    if (n !== DISK_BLOCK_SIZE) throw new Error(`FileStore ${this.path}: block ${b}: read ${n} of ${DISK_BLOCK_SIZE} bytes`);
  }

  write(b: number, data: Uint8Array): void {
    const n = writeSync(this.open(), data, 0, DISK_BLOCK_SIZE, b * DISK_BLOCK_SIZE);
    if (n !== DISK_BLOCK_SIZE) throw new Error(`FileStore ${this.path}: block ${b}: wrote ${n} of ${DISK_BLOCK_SIZE} bytes`);
  }

  /** close: release the file (the store cannot be used afterwards). */
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private open(): number {
    if (this.fd === null) throw new Error(`FileStore ${this.path}: used after close`);
    return this.fd;
  }
}
