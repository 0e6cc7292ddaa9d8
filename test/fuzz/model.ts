// test/fuzz/model.ts — the reference model the fuzzer holds the kernel to: what every byte a
// process can observe must be under copy semantics, in plain TypeScript, with no mechanism.
//
//   Obj ........ a memory object: pages of bytes (sparse; a missing page reads as zeros), and
//                for a page under weak input or delivered from a weak output, the values each
//                byte may hold (Fuzzy). Kinds: anon (private or MAP_SHARED memory), file (a
//                file's own pages: shared file mappings, read, write), priv (a private file
//                mapping: a page is the file's until first touched, then a snapshot of it)
//   Region ..... [start, end) of a process mapping pages of an Obj from page pgoff on
//   Proc ....... regions, descriptors, a pending receive if blocked
//   IolSlice ... an IO-Lite slice a process holds: immutable once passed
//   Dgram ...... a message in flight or queued: its bytes as of the send (strong semantics),
//                plus, under weak semantics, every value a store put into the sent pages
//                before delivery (Alts)
//
// Weak semantics (share, emulated share, weak move, emulated weak move), precisely:
//   output  the receiver gets, per byte, the value at the call or any value stored into that
//           byte of the sender's memory object (by any process mapping it) before delivery;
//   input   while the receive is pending, each byte of [va, va+len) holds its old value or the
//           byte the head datagram will bring; at completion [va, va+n) holds the datagram,
//           except bytes stored into while pending, which hold the stored value or the
//           datagram's; bytes outside [va, va+n) never change.
// A byte that may hold several values is checked for membership at each load, and once the
// I/O is over, the value loaded is the byte's value from then on (memory no longer moves).

import { PAGE_SIZE, Prot, Sem } from "../../tools/host/index";

export const PAGE = PAGE_SIZE;

export type Fuzzy = Map<number, Set<number>>; // byte offset in page -> allowed values

let objIds = 0;

export class Obj {
  readonly id = ++objIds;
  pages = new Map<number, Uint8Array>();
  fuzzy = new Map<number, Fuzzy>();
  /** Weak outputs reading this object: page -> watchers. */
  watch = new Map<number, Watch[]>();
  constructor(readonly kind: "anon" | "file" | "priv", readonly file: FileM | null = null, readonly backOff = 0) {}
}

export interface Watch {
  dg: Dgram;
  /** Byte offsets [from, to) of the page sent, at dg offset at. */
  from: number;
  to: number;
  at: number;
}

export class FileM {
  size = 0;
  readonly obj: Obj;
  /** Pages that have a disk block (written by write()); the others are holes. */
  blocks = new Set<number>();
  linked = true;
  constructor(readonly name: string) {
    this.obj = new Obj("file", this);
  }
}

export interface Region {
  start: number;
  end: number;
  prot: number;
  obj: Obj;
  /** Page index in obj of start. */
  pgoff: number;
  shared: boolean;
  /** Weak move output pending: the region leaves when it completes. */
  leaving?: Dgram;
}

export type Handle =
  | { kind: "sock"; sock: SockM }
  | { kind: "chan"; chan: ChanM; side: 0 | 1 }
  | { kind: "file"; file: FileM; off: { v: number }; readable: boolean; writable: boolean; id: number };

export interface PendingIn {
  sem: Sem;
  va: number;
  len: number;
  /** Weak input: bytes stored into [va, va+len) while pending (absolute addresses). */
  stored: Set<number>;
  where: SockM | { chan: ChanM; side: 0 | 1 };
}

/** An IO-Lite slice a process holds (one reference): its bytes as the process must see them.
 *  A buffer the process allocated may be stored into until it passes it (iol_write, iol_free:
 *  sealed); from then on, and for every slice iol_read gives, the bytes never change and a
 *  store kills the process with SEGV_PROT. */
export interface IolSlice {
  va: number;
  len: number;
  bytes: Uint8Array;
  /** Offset -> values allowed (a file's bytes that may hold several). */
  fuzzy: Map<number, Set<number>>;
  sealed: boolean;
  /** The filler's own buffer (iol_alloc): sealing it seals every slice of it. */
  own: boolean;
}

export class Proc {
  regions: Region[] = [];
  fds = new Map<number, Handle>();
  alive = true;
  pending: PendingIn | null = null;
  /** IO-Lite: the process's own pool (made at its first iol_alloc) and the slices it holds. */
  iolPool: number | null = null;
  iol: IolSlice[] = [];
  /** The page it passes IO-Lite aggregates in (0: not yet mapped). */
  aggVa = 0;
  constructor(readonly m: number, readonly pid: number, readonly host: unknown, readonly parent: Proc | null) {}

  find(va: number): Region | undefined {
    for (const r of this.regions) if (va >= r.start && va < r.end) return r;
    return undefined;
  }
}

export interface Dgram {
  id: number;
  /** The sender's semantics. */
  sem: Sem;
  bytes: Uint8Array;
  /** Offset -> other values (weak output). */
  alts: Map<number, Set<number>> | null;
  /** Surely arrived (the world has run dry since the send). */
  settled: boolean;
  watchers: [Obj, number][];
  /** How it crossed the wire (test/fuzz/wiretap.ts): its UDP checksum held or not. */
  wire?: "ok" | "bad";
  /** Sent to its own machine (the loopback): never on the wire, delivered within the call. */
  loop?: boolean;
}

export class SockM {
  queue: Dgram[] = [];
  holders = 0;
  waiter: Proc | null = null;
  /** Datagrams sent to this port that have not yet reached its machine's NIC, in order. */
  sent: Dgram[] = [];
  constructor(readonly m: number, readonly port: number) {}
}

export class ChanM {
  queue: [Dgram[], Dgram[]] = [[], []];
  open: [number, number] = [0, 0];
  waiter: [Proc | null, Proc | null] = [null, null];
}

export function pageOf(o: Obj, idx: number, create: boolean): Uint8Array | undefined {
  let p = o.pages.get(idx);
  if (!p && create) {
    p = new Uint8Array(PAGE);
    o.pages.set(idx, p);
  }
  return p;
}

/** writeObj: store bytes into page idx of o at off, noting them for weak outputs watching it. */
export function writeObj(o: Obj, idx: number, off: number, bytes: Uint8Array, exactFuzzy?: Fuzzy): void {
  const p = pageOf(o, idx, true)!;
  p.set(bytes, off);
  const fz = o.fuzzy.get(idx);
  if (fz) {
    for (let i = 0; i < bytes.length; i++) fz.delete(off + i);
    if (fz.size === 0) o.fuzzy.delete(idx);
  }
  if (exactFuzzy && exactFuzzy.size > 0) {
    const f = o.fuzzy.get(idx) ?? new Map();
    for (const [k, v] of exactFuzzy) f.set(k, v);
    o.fuzzy.set(idx, f);
  }
  const ws = o.watch.get(idx);
  if (ws)
    for (const w of ws) {
      const lo = Math.max(off, w.from), hi = Math.min(off + bytes.length, w.to);
      for (let b = lo; b < hi; b++) {
        const at = w.at + (b - w.from);
        const alts = (w.dg.alts ??= new Map());
        let s = alts.get(at);
        if (!s) alts.set(at, (s = new Set()));
        s.add(bytes[b - off]);
      }
    }
}

/** copyObj: a private copy of o (fork). */
export function copyObj(o: Obj): Obj {
  const c = new Obj(o.kind, o.file, o.backOff);
  for (const [i, p] of o.pages) c.pages.set(i, p.slice());
  for (const [i, f] of o.fuzzy) c.fuzzy.set(i, new Map([...f].map(([k, v]) => [k, new Set(v)])));
  return c;
}

export function unwatch(dg: Dgram): void {
  for (const [o, idx] of dg.watchers) {
    const ws = o.watch.get(idx);
    if (!ws) continue;
    const rest = ws.filter((w) => w.dg !== dg);
    if (rest.length) o.watch.set(idx, rest);
    else o.watch.delete(idx);
  }
  dg.watchers.length = 0;
}

export const weakSem = (s: Sem) => s === Sem.SHARE || s === Sem.EMULATED_SHARE || s === Sem.WEAK_MOVE || s === Sem.EMULATED_WEAK_MOVE;
export const moveSem = (s: Sem) => s === Sem.MOVE || s === Sem.EMULATED_MOVE || s === Sem.WEAK_MOVE || s === Sem.EMULATED_WEAK_MOVE;
export const canRead = (r: Region) => (r.prot & Prot.READ) !== 0;
export const canWrite = (r: Region) => (r.prot & Prot.WRITE) !== 0;
