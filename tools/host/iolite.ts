// tools/host/iolite.ts — the IO-Lite calls of a process (docs/peers.md §3), beside Process.
//
//   const io = ioLite(p);
//   const pool = io.pool();                        // the caller's access-control set
//   const va = io.alloc(pool, 8192);               // fill it in place: p.store(va, bytes)
//   io.write(sock, [{ va, len: 8192 }]);           // sealed (immutable), sent from its frames
//   const agg = io.read(file, { len: 65536 });     // the file cache's own frames, read-only
//   io.bytes(agg); io.free(agg);
//
// An aggregate is a list of slices (va, len), each inside one immutable buffer in a pool's
// window (mapped read-only at the same address in every process of the pool). It is passed by
// value: the kernel reads and writes it as (va, len) u32 pairs in a scratch page of the process.

import { Errno, IOL_MAX_SLICES, MsgFlag, SYS_BLOCKED, Sys } from "../../base/abi";
import { SyscallError } from "./errors";
import { ipWord } from "./ip";
import type { Process } from "./process";

export interface Slice {
  va: number;
  len: number;
}
export type Aggregate = Slice[];

export interface IolReadOptions {
  /** Most bytes (default: 1 MiB). */
  len?: number;
  /** Sockets: the pool the datagram is received into (one the process is in). */
  pool?: number;
  /** Most slices (default and largest: IOL_MAX_SLICES). */
  maxSlices?: number;
  /** Sockets: -EAGAIN (null) instead of waiting for a datagram. */
  dontwait?: boolean;
}

export interface IolReceived {
  agg: Aggregate;
  len: number;
  /** Source of a datagram. */
  ip: number;
  port: number;
}

const scratch = new WeakMap<Process, number>();

/** IoLite: the IO-Lite calls of one process. */
export class IoLite {
  constructor(readonly p: Process) {}

  private get aggVa(): number {
    let va = scratch.get(this.p);
    if (va === undefined) {
      va = this.p.mmap(IOL_MAX_SLICES * 8);
      scratch.set(this.p, va);
    }
    return va;
  }

  private call(name: string, nr: Sys, a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0): number {
    const r = this.p.syscall(nr, a0, a1, a2, a3, a4, a5);
    if (r < 0 && r !== SYS_BLOCKED) throw new SyscallError(name, -r);
    return r;
  }

  /** putAgg: agg into the scratch page; its address. */
  private putAgg(agg: Aggregate): number {
    if (agg.length === 0 || agg.length > IOL_MAX_SLICES) throw new SyscallError(`aggregate of ${agg.length} slices`, Errno.EINVAL);
    const words = new Uint32Array(agg.length * 2);
    agg.forEach((s, i) => { words[2 * i] = s.va >>> 0; words[2 * i + 1] = s.len >>> 0; });
    const va = this.aggVa;
    this.p.store(va, new Uint8Array(words.buffer));
    return va;
  }

  private getAgg(n: number): Aggregate {
    if (n === 0) return [];
    const raw = this.p.load(this.aggVa, n * 8);
    const w = new Uint32Array(raw.buffer, raw.byteOffset, n * 2);
    return Array.from({ length: n }, (_, i) => ({ va: w[2 * i], len: w[2 * i + 1] }));
  }

  /** pool: a new pool whose access-control set is this process; its id. */
  pool(): number {
    return this.call("iol_pool", Sys.IOL_POOL);
  }

  /** alloc: a new buffer of len bytes in pool; its address. The process may write it until it
   *  passes it (write) or frees it; then it is immutable (a store kills the process). */
  alloc(pool: number, len: number): number {
    return this.call(`iol_alloc(${pool}, ${len})`, Sys.IOL_ALLOC, pool, len) >>> 0;
  }

  /** postRead: start an iol_read on fd; wait() gives its result (a socket's receive waits,
   *  posted, until a datagram comes; the rest complete at once). wait() is null when a socket
   *  has no datagram and dontwait, or at the end of a file or a closed pipe. */
  postRead(fd: number, opts: IolReadOptions = {}): { wait(): IolReceived | null } {
    const len = opts.len ?? 1 << 20, max = opts.maxSlices ?? IOL_MAX_SLICES;
    const name = `iol_read(${fd}, ${len})`;
    const r = this.p.syscall(Sys.IOL_READ, fd, this.aggVa, max, len, opts.pool ?? -1, opts.dontwait ? MsgFlag.DONTWAIT : 0);
    const k = this.p.machine.k;
    if (r === SYS_BLOCKED) {
      let done: IolReceived | undefined;
      return {
        wait: () => {
          if (done) return done;
          const got = this.p.awaitWake(name);
          return (done = { agg: this.getAgg(got.va), len: got.len, ip: got.ip, port: got.port });
        },
      };
    }
    if (r === -Errno.EAGAIN && opts.dontwait) return { wait: () => null };
    if (r < 0) throw new SyscallError(name, -r);
    const got = r === 0 ? null : { agg: this.getAgg(k.sysret(2)), len: r, ip: k.sysret(0) >>> 0, port: k.sysret(1) };
    return { wait: () => got };
  }

  /** readFrom: an aggregate from fd (file at its offset, socket, pipe), waiting for a datagram
   *  unless dontwait; null as postRead's wait(). */
  readFrom(fd: number, opts: IolReadOptions = {}): IolReceived | null {
    return this.postRead(fd, opts).wait();
  }

  /** read: readFrom's aggregate (empty at the end). */
  read(fd: number, opts: IolReadOptions = {}): Aggregate {
    return this.readFrom(fd, opts)?.agg ?? [];
  }

  /** write: the aggregate's bytes to fd (socket: one datagram to ip:port, or the connected
   *  peer; pipe: queued by reference; file: at its offset, as many calls as it takes); bytes. */
  write(fd: number, agg: Aggregate, to: { ip?: string | number; port?: number } = {}): number {
    const ip = to.ip === undefined ? 0 : ipWord(to.ip);
    const total = aggLength(agg);
    let done = 0;
    do {
      const rest = done === 0 ? agg : aggSlice(agg, done, total - done);
      const n = this.call(`iol_write(${fd}, ${rest.length} slices)`, Sys.IOL_WRITE, fd, this.putAgg(rest), rest.length, ip, to.port ?? 0);
      if (n === 0) throw new Error(`pid ${this.p.pid}: iol_write(${fd}) wrote nothing`);
      done += n;
    } while (done < total);
    return done;
  }

  /** free: drop this process's references to the slices' buffers (one per slice). */
  free(agg: Aggregate): void {
    if (agg.length > 0) this.call(`iol_free(${agg.length} slices)`, Sys.IOL_FREE, this.putAgg(agg), agg.length);
  }

  /** bytes: the aggregate's bytes, in order (loads through the process's MMU). */
  bytes(agg: Aggregate): Uint8Array {
    const out = new Uint8Array(agg.reduce((n, s) => n + s.len, 0));
    let at = 0;
    for (const s of agg) { out.set(this.p.load(s.va, s.len), at); at += s.len; }
    return out;
  }
}

/** ioLite: the IO-Lite calls of process p. */
export function ioLite(p: Process): IoLite {
  return new IoLite(p);
}

/** aggSlice: bytes [off, off+len) of agg, as slices of the same buffers. */
export function aggSlice(agg: Aggregate, off: number, len: number): Aggregate {
  const out: Aggregate = [];
  let at = 0;
  for (const x of agg) {
    const lo = Math.max(off, at), hi = Math.min(off + len, at + x.len);
    if (lo < hi) out.push({ va: x.va + lo - at, len: hi - lo });
    at += x.len;
  }
  return out;
}

/** aggLength: bytes in agg. */
export function aggLength(agg: Aggregate): number {
  return agg.reduce((n, s) => n + s.len, 0);
}
