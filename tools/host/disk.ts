// tools/host/disk.ts — the disk: the device half of the block interface (base/abi.ts,
// drivers/block.ts), with a latency model, a backing store, error injection and power cuts.
//
//   doorbell(tail) --(when the kernel entry that rang it ends, at t)--> fetch descriptors
//   [head, tail) from the ring in RAM; each request is served after the previous one:
//       start = max(t, previous done)      done = start + perRequestNs + 4096 x perByteNs
//   at done: move the block by DMA (read: store -> RAM; write: RAM -> store), write the status,
//            write done = index + 1 in the ring, raise the interrupt (the kernel's diskInterrupt)
//
// A write is acknowledged (and durable) at its completion: the store only ever holds
// acknowledged writes. A power cut (crash(), or crashAfterWrites: N, right after the Nth
// acknowledged write) stops the device: requests not yet completed are lost, no status is
// written, later doorbells are ignored. A failed request (EIO) transfers nothing.
//
// Backing stores: MemoryStore (default; works in the browser) or FileStore (tools/host/disk-node.ts).

import { DISK_BLOCK_SIZE, DISK_DESC_SIZE, DISK_RING_DESCS, DISK_RING_DONE, DISK_RING_SIZE, DiskDesc, DiskOp, DiskStatus } from "../../base/abi";
import { ConfigError } from "./errors";
import type { DeviceBus } from "./views";
import type { Rng } from "./rng";

/** Where a disk's blocks live. Blocks are DISK_BLOCK_SIZE (4096) bytes. */
export interface BlockStore {
  readonly blocks: number;
  /** read: copy block b into out (4096 bytes; the device passes the RAM buffer itself). */
  read(b: number, out: Uint8Array): void;
  /** write: block b now holds data (4096 bytes), durably. */
  write(b: number, data: Uint8Array): void;
}

/** Largest in-memory image: 262144 blocks (1 GiB). */
export const MAX_MEMORY_BLOCKS = 262144;

/** A disk image in memory. */
export class MemoryStore implements BlockStore {
  readonly blocks: number;
  /** The whole image, blocks x 4096 bytes. */
  readonly image: Uint8Array;

  /** A zeroed image of `blocks` blocks, or a copy of an existing image (a whole number of blocks). */
  constructor(blocksOrImage: number | Uint8Array) {
    if (typeof blocksOrImage === "number") {
      if (!Number.isInteger(blocksOrImage) || blocksOrImage < 1 || blocksOrImage > MAX_MEMORY_BLOCKS)
        throw new ConfigError(`MemoryStore: blocks must be an integer in 1 .. ${MAX_MEMORY_BLOCKS}, got ${blocksOrImage}`);
      this.image = new Uint8Array(blocksOrImage * DISK_BLOCK_SIZE);
    } else {
      const n = blocksOrImage.length;
      if (n === 0 || n % DISK_BLOCK_SIZE !== 0 || n / DISK_BLOCK_SIZE > MAX_MEMORY_BLOCKS)
        throw new ConfigError(`MemoryStore: an image must be 1 .. ${MAX_MEMORY_BLOCKS} whole 4096-byte blocks, got ${n} bytes`);
      this.image = blocksOrImage.slice();
    }
    this.blocks = this.image.length / DISK_BLOCK_SIZE;
  }

  read(b: number, out: Uint8Array): void {
    out.set(this.image.subarray(b * DISK_BLOCK_SIZE, (b + 1) * DISK_BLOCK_SIZE));
  }

  write(b: number, data: Uint8Array): void {
    this.image.set(data.subarray(0, DISK_BLOCK_SIZE), b * DISK_BLOCK_SIZE);
  }

  /** block: a copy of block b. */
  block(b: number): Uint8Array {
    return this.image.slice(b * DISK_BLOCK_SIZE, (b + 1) * DISK_BLOCK_SIZE);
  }
}

export interface DiskOptions {
  /** Name in errors and displays (default "disk"). */
  name?: string;
  /** Capacity in 4 KiB blocks for a new in-memory image (default 1024 = 4 MiB). */
  blocks?: number;
  /** Backing store (default: a zeroed MemoryStore of `blocks` blocks). */
  store?: BlockStore;
  /** Latency: fixed cost of every request, ns (default 10 µs). */
  perRequestNs?: number;
  /** Latency: transfer cost per byte, ns (default 0.5: 2 GB/s). */
  perByteNs?: number;
  /** Reads / writes of these blocks fail with EIO (also failBlock at run time). */
  failReads?: number[];
  failWrites?: number[];
  /** Probability that any read / write fails with EIO, drawn per request from the seeded generator. */
  readErrorRate?: number;
  writeErrorRate?: number;
  /** Power cut right after the Nth acknowledged write (N >= 1). */
  crashAfterWrites?: number;
}

export interface DiskStats {
  /** Requests completed (any outcome), by operation. */
  reads: number;
  writes: number;
  readErrors: number;
  writeErrors: number;
  /** Requests refused as malformed (bad op, block or buffer address). */
  badRequests: number;
  bytesRead: number;
  bytesWritten: number;
  /** Requests fetched but never completed because of a power cut. */
  lostReads: number;
  lostWrites: number;
}

interface Request {
  index: number;
  op: number;
  block: number;
  pa: number;
  bad: boolean;
}

const OPTION_KEYS = new Set([
  "name", "blocks", "store", "perRequestNs", "perByteNs", "failReads", "failWrites", "readErrorRate", "writeErrorRate", "crashAfterWrites",
]);

export class Disk {
  readonly name: string;
  readonly store: BlockStore;
  readonly perRequestNs: number;
  readonly perByteNs: number;
  readonly readErrorRate: number;
  readonly writeErrorRate: number;
  readonly crashAfterWrites: number;
  readonly stats: DiskStats = { reads: 0, writes: 0, readErrors: 0, writeErrors: 0, badRequests: 0, bytesRead: 0, bytesWritten: 0, lostReads: 0, lostWrites: 0 };
  /** True once the power is cut: nothing more completes. */
  crashed = false;
  private machine: DeviceBus | null = null;
  private rng: Rng | null = null;
  private ring = 0; // pa of the request ring
  private head = 0; // next ring index to fetch
  private busyUntil = 0;
  private queue: Request[] = []; // fetched, not completed, in order
  private acked = 0; // writes acknowledged
  private failRead = new Set<number>();
  private failWrite = new Set<number>();

  constructor(opts: DiskOptions = {}) {
    if (typeof opts !== "object" || opts === null) throw new ConfigError("disk: options must be an object");
    for (const k of Object.keys(opts)) if (!OPTION_KEYS.has(k)) throw new ConfigError(`disk: unknown option "${k}" (known: ${[...OPTION_KEYS].join(", ")})`);
    this.name = opts.name ?? "disk";
    const fail = (field: string, what: string, v: unknown): never => {
      throw new ConfigError(`${this.name}: ${field} ${what}, got ${JSON.stringify(v)}`);
    };
    const num = (field: keyof DiskOptions, dflt: number): number => {
      const v = opts[field] ?? dflt;
      if (typeof v !== "number" || !Number.isFinite(v) || v < 0) fail(field, "must be a finite number >= 0", v);
      return v as number;
    };
    const prob = (field: keyof DiskOptions): number => {
      const v = opts[field] ?? 0;
      if (typeof v !== "number" || !(v >= 0 && v <= 1)) fail(field, "must be a probability in [0, 1]", v);
      return v as number;
    };
    if (opts.store !== undefined) {
      const s = opts.store as Partial<BlockStore>;
      if (typeof s?.read !== "function" || typeof s.write !== "function" || !Number.isInteger(s.blocks) || s.blocks! < 1)
        fail("store", "must be a BlockStore (blocks >= 1, read, write)", typeof s);
      if (opts.blocks !== undefined && opts.blocks !== s.blocks) fail("blocks", `disagrees with the store's ${s.blocks} blocks`, opts.blocks);
      this.store = opts.store;
    } else {
      const b = opts.blocks ?? 1024;
      if (!Number.isInteger(b) || b < 1 || b > MAX_MEMORY_BLOCKS) fail("blocks", `must be an integer in 1 .. ${MAX_MEMORY_BLOCKS}`, b);
      this.store = new MemoryStore(b);
    }
    if (this.store.blocks > 0x7fffffff) fail("store", "has more blocks than the kernel can number (2^31 - 1)", this.store.blocks);
    this.perRequestNs = num("perRequestNs", 10_000);
    this.perByteNs = num("perByteNs", 0.5);
    this.readErrorRate = prob("readErrorRate");
    this.writeErrorRate = prob("writeErrorRate");
    const crash = opts.crashAfterWrites ?? 0;
    if (opts.crashAfterWrites !== undefined && (!Number.isInteger(crash) || crash < 1)) fail("crashAfterWrites", "must be an integer >= 1", crash);
    this.crashAfterWrites = crash;
    for (const [field, set] of [["failReads", this.failRead], ["failWrites", this.failWrite]] as const) {
      const list = opts[field] ?? [];
      if (!Array.isArray(list)) fail(field, "must be an array of block numbers", list);
      for (const b of list) {
        if (!Number.isInteger(b) || b < 0 || b >= this.store.blocks) fail(field, `holds ${b}, not a block of this disk (0 .. ${this.store.blocks - 1})`, list);
        set.add(b);
      }
    }
  }

  /** blocks: capacity in 4 KiB blocks. */
  get blocks(): number {
    return this.store.blocks;
  }

  /** serviceNs: how long the disk takes to serve one request of `bytes` bytes. */
  serviceNs(bytes = DISK_BLOCK_SIZE): number {
    return this.perRequestNs + bytes * this.perByteNs;
  }

  /** failBlock: make reads, writes or both of block b fail with EIO (on = false: heal it). */
  failBlock(b: number, op: "read" | "write" | "both", on = true): void {
    if (!Number.isInteger(b) || b < 0 || b >= this.blocks) throw new ConfigError(`${this.name}: failBlock: ${b} is not a block of this disk (0 .. ${this.blocks - 1})`);
    if (op !== "read" && op !== "write" && op !== "both") throw new ConfigError(`${this.name}: failBlock: op must be "read", "write" or "both", got ${JSON.stringify(op)}`);
    for (const set of op === "both" ? [this.failRead, this.failWrite] : [op === "read" ? this.failRead : this.failWrite])
      if (on) set.add(b);
      else set.delete(b);
  }

  /** checkAttachable: throw a ConfigError unless this disk can be attached (not attached, not crashed). */
  checkAttachable(): void {
    if (this.machine) throw new ConfigError(`${this.name}: already attached to ${this.machine.name}`);
    if (this.crashed) throw new ConfigError(`${this.name}: has crashed; attach a new Disk on the same store instead`);
  }

  /** connect: attach to machine, whose driver put the request ring at physical address ring (Machine.attachDisk). */
  connect(machine: DeviceBus, ring: number): void {
    this.checkAttachable();
    this.machine = machine;
    this.rng = machine.world.rng.fork();
    this.ring = ring;
  }

  /** doorbell: the driver made requests before ring index tail ready (host.diskDoorbell). */
  doorbell(tail: number): void {
    const m = this.machine;
    if (!m) throw new Error(`${this.name}: doorbell before the disk is attached`);
    m.defer((t) => this.fetch(tail, t));
  }

  /** crash: cut the power now; requests not completed are lost, and the device stays off. */
  crash(): void {
    if (this.crashed) return;
    this.crashed = true;
    for (const r of this.queue) {
      if (r.op === DiskOp.WRITE) this.stats.lostWrites++;
      else this.stats.lostReads++;
    }
    this.queue = [];
  }

  /** ringPa: physical address of the request ring the driver gave the disk (0 before attach). */
  get ringPa(): number {
    return this.ring;
  }

  /** pending: requests fetched and not yet completed. */
  get pending(): number {
    return this.queue.length;
  }

  private ringView(): DataView {
    const ram = this.machine!.ram;
    return new DataView(ram.buffer, ram.byteOffset + this.ring, DISK_RING_DESCS + DISK_RING_SIZE * DISK_DESC_SIZE);
  }

  private fetch(tail: number, t: number): void {
    if (this.crashed) return;
    const n = (tail - this.head) >>> 0;
    if (n > DISK_RING_SIZE) throw new Error(`${this.name}: doorbell tail ${tail} is ${n} requests ahead of the disk (the ring holds ${DISK_RING_SIZE})`);
    const dv = this.ringView();
    const ramBytes = this.machine!.ram.length;
    const world = this.machine!.world;
    for (let k = 0; k < n; k++) {
      const index = (this.head + k) >>> 0;
      const d = DISK_RING_DESCS + (index % DISK_RING_SIZE) * DISK_DESC_SIZE;
      const op = dv.getUint16(d + DiskDesc.OP, true);
      const block = dv.getUint32(d + DiskDesc.BLOCK, true);
      const pa = dv.getUint32(d + DiskDesc.PA, true);
      const bad = (op !== DiskOp.READ && op !== DiskOp.WRITE) || block >= this.blocks || pa + DISK_BLOCK_SIZE > ramBytes;
      const r: Request = { index, op, block, pa, bad };
      const start = Math.max(t, this.busyUntil);
      const done = start + (bad ? this.perRequestNs : this.serviceNs());
      this.busyUntil = done;
      this.queue.push(r);
      world.at(done, () => this.complete(r, done), "disk: request done");
    }
    this.head = tail >>> 0;
  }

  private complete(r: Request, t: number): void {
    if (this.crashed || this.queue[0] !== r) return; // the power was cut before this request completed
    this.queue.shift();
    const m = this.machine!;
    const s = this.stats;
    let status = DiskStatus.OK;
    if (r.op === DiskOp.WRITE) s.writes++;
    else if (r.op === DiskOp.READ) s.reads++;
    if (r.bad) {
      status = DiskStatus.BADREQ;
      s.badRequests++;
    } else {
      const u = this.rng!.next();
      const write = r.op === DiskOp.WRITE;
      if (write ? this.failWrite.has(r.block) || u < this.writeErrorRate : this.failRead.has(r.block) || u < this.readErrorRate) {
        status = DiskStatus.EIO;
        if (write) s.writeErrors++;
        else s.readErrors++;
      } else {
        const buf = m.ram.subarray(r.pa, r.pa + DISK_BLOCK_SIZE);
        if (write) {
          this.store.write(r.block, buf);
          s.bytesWritten += DISK_BLOCK_SIZE;
        } else {
          this.store.read(r.block, buf);
          s.bytesRead += DISK_BLOCK_SIZE;
        }
      }
    }
    const dv = this.ringView();
    dv.setUint16(DISK_RING_DESCS + (r.index % DISK_RING_SIZE) * DISK_DESC_SIZE + DiskDesc.STATUS, status, true);
    dv.setUint32(DISK_RING_DONE, (r.index + 1) >>> 0, true);
    m.interrupt(t, () => m.k.diskInterrupt());
    if (r.op === DiskOp.WRITE && status === DiskStatus.OK && ++this.acked === this.crashAfterWrites) this.crash();
  }
}
