// tools/host/fileio.ts — the file system calls' options and results as the host library spells
// them (Process.open, read, write, stat, readdir), and how they become system call arguments.

import { OpenFlag, type Sem } from "../../base/abi";

export interface OpenOptions {
  /** Open for reading (default true unless write is given alone). */
  read?: boolean;
  /** Open for writing. */
  write?: boolean;
  /** Make the file if it does not exist (O_CREAT). */
  create?: boolean;
  /** With create: fail with EEXIST if it exists (O_EXCL). */
  excl?: boolean;
  /** Cut the file to length 0 (O_TRUNC). */
  trunc?: boolean;
}

export interface FileIoOptions {
  /** Data-passing semantics (default: the process's default): copy or emulated copy (a write swaps whole aligned pages into the page cache; a read copies). */
  sem?: Sem;
}

export interface FileStat {
  ino: number;
  type: "file" | "dir";
  links: number;
  /** Blocks the file owns (data and indirect). */
  nblocks: number;
  size: number;
}

export interface DirEntry {
  ino: number;
  name: string;
}

/** openFlags: the OpenFlag bits of typed open options. */
export function openFlags(o: OpenOptions): number {
  const read = o.read ?? !o.write;
  const acc = o.write ? (read ? OpenFlag.RDWR : OpenFlag.WRONLY) : OpenFlag.RDONLY;
  return acc | (o.create ? OpenFlag.CREAT : 0) | (o.excl ? OpenFlag.EXCL : 0) | (o.trunc ? OpenFlag.TRUNC : 0);
}

/** split64: an integer offset as (low, high) 32-bit words of a signed 64-bit value. */
export function split64(v: number): [number, number] {
  if (!Number.isInteger(v)) throw new RangeError(`offset ${v} is not an integer`);
  return [v % 2 ** 32 | 0, Math.floor(v / 2 ** 32) | 0];
}
