// test/kernel/fs-helpers.ts — machines with a file system, for the fs-*.test.ts suites.

import { Disk, MemoryStore, mkfs, type DiskOptions, type Machine, type MkfsOptions, type Process } from "../../tools/host/index";
import { machine, world } from "./machines";

export interface FsMachineOptions {
  /** RAM (default 16M). */
  memory?: string;
  /** Disk size in blocks for a fresh image (default 16384 = 64 MiB). */
  blocks?: number;
  /** An existing image (copied into a new in-memory store). */
  image?: Uint8Array;
  /** An existing store (shared: a reboot on the same disk). */
  store?: MemoryStore;
  mkfs?: MkfsOptions;
  disk?: Omit<DiskOptions, "store" | "blocks">;
  seed?: number;
  readOnly?: boolean;
}

/** fsMachine: a machine with a disk holding a file system (a fresh one unless given), mounted,
 *  and one process. Checked after the test like every machine of machines.ts. */
export async function fsMachine(opts: FsMachineOptions = {}): Promise<{ m: Machine; disk: Disk; p: Process; store: MemoryStore }> {
  let store = opts.store;
  if (!store) {
    const image = opts.image ?? new Uint8Array((opts.blocks ?? 16384) * 4096);
    if (!opts.image) mkfs(image, opts.mkfs);
    store = new MemoryStore(image);
  }
  const disk = new Disk({ store, ...opts.disk });
  const m = await machine({ memory: opts.memory ?? "16M", disk }, await world(opts.seed ?? 1));
  m.mount({ readOnly: opts.readOnly });
  return { m, disk, p: m.spawn(), store };
}

/** image: a copy of the bytes of a memory store (for fsck). */
export function image(store: MemoryStore): Uint8Array {
  return store.image.slice();
}

/** writeChunks: write data to fd through a buffer of chunk bytes (for files bigger than RAM). */
export function writeChunks(p: Process, fd: number, data: Uint8Array, chunk = 64 * 1024): void {
  const va = p.mmap(chunk);
  for (let at = 0; at < data.length; at += chunk) {
    const part = data.subarray(at, Math.min(data.length, at + chunk));
    p.store(va, part);
    p.write(fd, va, part.length);
  }
  p.munmap(va, chunk);
}

/** readChunks: read len bytes of fd through a buffer of chunk bytes. */
export function readChunks(p: Process, fd: number, len: number, chunk = 64 * 1024): Uint8Array {
  const out = new Uint8Array(len);
  const va = p.mmap(chunk);
  let at = 0;
  while (at < len) {
    const n = p.read(fd, va, Math.min(chunk, len - at));
    if (n === 0) break;
    out.set(p.load(va, n), at);
    at += n;
  }
  p.munmap(va, chunk);
  return out.subarray(0, at);
}
