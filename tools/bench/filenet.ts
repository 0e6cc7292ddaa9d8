// tools/bench/filenet.ts — the file -> network -> file benchmark (README, `genie bench filenet`; the experiment of
// Brustoloni and Steenkiste's INFOCOM '99 paper): a file of S bytes on machine a's disk reaches
// a file on machine b's disk over the profile's wire, under three schemes.
//
//   a (10.0.0.1:1000, disk: /src, S bytes)  ---- wire ---->  b (10.0.0.2:2000, disk: /dst, S bytes)
//
//   copy                 a: read() 64 KiB of /src into a buffer (copy), sendto (copy)
//                        b: recvfrom into a buffer (copy), write() it to /dst (copy); fsync
//   mmap-emulated-copy   a: maps /src, a window of 1 MiB at a time, and sends 64 KiB slices of it
//                           with emulated copy (TCOW: the device gathers from the page cache)
//                        b: maps /dst (pre-written: every page has a disk block) and receives with
//                           emulated copy straight into the mapping (pages swapped into the file);
//                           msync of the last window, fsync
//   mmap-pswap           a: as above
//                        b: receives with emulated copy into an anonymous 64 KiB buffer, then
//                           pswap()s it into the mapped /dst; msync of the last window, fsync
//   mmap-copy            mapped files, copy in the network: a sends slices of its mapped /src
//                        with copy; b receives with copy straight into its mapped /dst
//   rw-emulated-copy     read/write files, emulated copy in the network: a read()s (copy) into
//                        a buffer and sends it with emulated copy; b receives with emulated copy
//                        into a buffer (pages swapped in) and write()s it (copy); fsync
//
// The last two are the mixed cases of INFOCOM '99's claim that the greatest benefit comes from
// avoiding copies in both the network and the file system.
//
// Each datagram is 64 KiB (the last one shorter if S is not a multiple); b posts its receive
// before a sends (so early demultiplexing can align the data); one datagram at a time. Both
// machines have `memory` bytes of RAM whatever S is: the file is streamed through bounded
// buffers and windows, so it never needs to fit in memory (with S > memory the page caches
// evict and write back as they go). NICs: the profile's MTU, header split, checksum offload,
// early demultiplexing. Disks: the Disk model's default latency. Both machines boot on disk
// images made beforehand (cold page caches: a reads /src from its disk).
//
// A row:
//   simulatedMs     from a's first call of the transfer (t0) to the return of b's last fsync
//                   (every byte of /dst on b's disk), simulated time
//   cpuBytesCopied  bytes the CPUs copied, both machines, t0 .. the end (never DMA)
//   pageSwaps       frames exchanged between memory objects, both machines
//   diskBytes       bytes the two disks moved by DMA (read + written)
//   cpuMs           the two kernels' CPU time (sum of count x the profile's cost), simulated
//   wallMs          wall-clock time the host took to simulate the transfer (varies by run)
// b's file is then read back on a fresh machine booted on b's disk image and compared with
// /src byte for byte: a transfer that does not deliver the file is an error, never a row. The
// same options and seed give the same simulated numbers (wallMs aside).

import {
  COUNTER_NAMES, Disk, MemoryStore, PAGE_SIZE, Prot, Sem, World, connect, diffCounters, getProfile, mkfs, profileMtu, validateProfile, wireOptions,
  fmtDuration, type Counters, type Machine, type PcapWriter, type Profile,
} from "../host/index";
import { pattern } from "./datagram";
import type { Pair } from "../scenarios/peers/pair";

/** The schemes, in report order. */
export const FILENET_SCHEMES = ["copy", "mmap-emulated-copy", "mmap-pswap", "mmap-copy", "rw-emulated-copy"] as const;
export type FilenetScheme = (typeof FILENET_SCHEMES)[number];

/** One row: the contract course tools read (keep names and order). */
export interface FilenetRow {
  scheme: FilenetScheme;
  bytes: number;
  simulatedMs: number;
  cpuBytesCopied: number;
  pageSwaps: number;
  diskBytes: number;
  cpuMs: number;
  wallMs: number;
}

/** FILENET_ROW_KEYS: the keys of a FilenetRow, in order. */
export const FILENET_ROW_KEYS: readonly (keyof FilenetRow)[] = ["scheme", "bytes", "simulatedMs", "cpuBytesCopied", "pageSwaps", "diskBytes", "cpuMs", "wallMs"];

export interface FilenetOptions {
  /** A shipped profile's name, or a profile object with a wire section. */
  profile: string | Profile;
  /** File size in bytes (default 64 MiB), 1 .. MAX_FILENET_BYTES. */
  bytes?: number;
  /** Schemes to run (default all, in FILENET_SCHEMES order). */
  schemes?: readonly FilenetScheme[];
  /** RAM of each machine, bytes (default 32 MiB). */
  memory?: number;
  /** The worlds' seed (default 1). */
  seed?: number;
  /** The compiled kernel (default: the built release kernel, in Node). */
  kernel?: WebAssembly.Module;
  /** Called with a line of progress. */
  progress?: (line: string) => void;
  /** Capture every scheme's wire into this writer, one after the other. */
  pcap?: PcapWriter;
  /** Called after each scheme, b's file system unmounted, with the machines (e.g. to check their
   *  invariants) and b's disk image (not to be changed). */
  onDone?: (scheme: FilenetScheme, machines: { a: Machine; b: Machine }, imageB: Uint8Array) => void;
}

/** The datagram size: 64 KiB. */
export const FILENET_DGRAM = 64 * 1024;
/** How much of each file the mmap schemes map at a time: 1 MiB. */
export const FILENET_WINDOW = 1 << 20;
/** The largest file the benchmark moves (in-memory disk images hold up to 1 GiB). */
export const MAX_FILENET_BYTES = 512 << 20;
/** Default RAM of each machine. */
export const FILENET_MEMORY = 32 << 20;

const A_PORT = 1000, B_PORT = 2000, B_IP = "10.0.0.2";

/** FILENET_HEADERS: the columns of a filenet table, in FILENET_ROW_KEYS order. */
export const FILENET_HEADERS = ["scheme", "bytes", "simulated ms", "CPU bytes copied", "page swaps", "disk bytes", "CPU ms", "wall ms"];

/** filenetCells: a row's cells, in FILENET_HEADERS order. */
export function filenetCells(r: FilenetRow): (string | number)[] {
  return [r.scheme, r.bytes, r.simulatedMs, r.cpuBytesCopied, r.pageSwaps, r.diskBytes, r.cpuMs, r.wallMs];
}

/** filenetData: the bytes of /src in a transfer of n bytes (those of /dst differ from each). */
export function filenetData(n: number): Uint8Array {
  return pattern(n, n + 11);
}

/** diskBlocksFor: blocks of a disk holding one file of n bytes, its indirect blocks, the
 *  metadata mkfs lays out (log, bitmap, inodes) and slack. */
export function diskBlocksFor(n: number): number {
  const data = Math.ceil(n / PAGE_SIZE);
  return data + Math.ceil(data / 256) + 2048;
}

/** makeImage: a file system holding the file at path with bytes, written by a machine of its
 *  own (then unmounted): the disk image. */
async function makeImage(kernel: WebAssembly.Module, seed: number, memory: number, path: string, bytes: Uint8Array): Promise<Uint8Array> {
  const image = new Uint8Array(diskBlocksFor(bytes.length) * PAGE_SIZE);
  mkfs(image);
  const store = new MemoryStore(image);
  const w = new World({ kernel, seed });
  const m = await w.machine({ name: "setup", memory, disk: new Disk({ store }) });
  m.mount();
  const p = m.spawn();
  const fd = p.open(path, { write: true, create: true, trunc: true });
  const va = p.mmap(FILENET_DGRAM);
  for (let at = 0; at < bytes.length; at += FILENET_DGRAM) {
    const part = bytes.subarray(at, Math.min(bytes.length, at + FILENET_DGRAM));
    p.store(va, part);
    p.write(fd, va, part.length, { sem: Sem.COPY });
  }
  p.fsync(fd);
  p.close(fd);
  m.unmount();
  return store.image;
}

/** compareBack: the file at path, read by a fresh machine booted on (a copy of) image, compared
 *  with want as it is read: the index of the first difference (or of the shorter end), -1 if
 *  they are identical. */
async function compareBack(kernel: WebAssembly.Module, seed: number, memory: number, image: Uint8Array, path: string, want: Uint8Array): Promise<number> {
  const w = new World({ kernel, seed });
  const m = await w.machine({ name: "check", memory, disk: new Disk({ store: new MemoryStore(image) }) });
  m.mount({ readOnly: true });
  const p = m.spawn();
  const fd = p.open(path);
  const size = p.fstat(fd).size;
  const va = p.mmap(FILENET_DGRAM);
  let at = 0;
  while (at < size) {
    const n = p.read(fd, va, Math.min(FILENET_DGRAM, size - at), { sem: Sem.COPY });
    if (n === 0) break;
    const got = p.load(va, n);
    for (let i = 0; i < n; i++) if (got[i] !== want[at + i]) return at + i;
    at += n;
  }
  return at === want.length && size === want.length ? -1 : Math.min(at, want.length);
}

// The disk images of a size, made once per kernel (every profile starts from the same ones).
const made = new WeakMap<WebAssembly.Module, Map<string, Promise<{ data: Uint8Array; imageA: Uint8Array; imageB: Uint8Array }>>>();

/** images: /src (n bytes of a pattern) on a's image, /dst (n bytes, each differing from /src's)
 *  on b's; the data. Copied by every MemoryStore made from them, never changed. */
function images(kernel: WebAssembly.Module, seed: number, memory: number, n: number) {
  let byKey = made.get(kernel);
  if (!byKey) made.set(kernel, (byKey = new Map()));
  const key = `${seed}/${memory}/${n}`;
  let p = byKey.get(key);
  if (!p) {
    p = (async () => {
      const data = filenetData(n);
      const imageA = await makeImage(kernel, seed, memory, "/src", data);
      const imageB = await makeImage(kernel, seed, memory, "/dst", data.map((v) => ~v & 0xff));
      return { data, imageA, imageB };
    })();
    byKey.set(key, p);
    p.catch(() => byKey!.delete(key));
  }
  return p;
}


/** What a watcher of one transfer (the playground) asks for: the kernels' trace, the wire's frames. */
export interface Watch {
  trace?: boolean;
  pcap?: PcapWriter;
}

/** boot: a and b on copies of their images, mounted, joined by the profile's wire, a bound
 *  socket each; the world quiet. */
async function boot(world: World, memory: number, profile: Profile, imageA: Uint8Array, imageB: Uint8Array, watch: Watch): Promise<Pair> {
  const a = await world.machine({ name: "a", memory, profile, trace: watch.trace, disk: new Disk({ store: new MemoryStore(imageA) }) });
  const b = await world.machine({ name: "b", memory, profile, trace: watch.trace, disk: new Disk({ store: new MemoryStore(imageB) }) });
  a.mount();
  b.mount();
  const nic = (ip: string) => ({ ip, mtu: profileMtu(profile), headerSplit: true, checksumOffload: true, earlyDemux: true });
  connect(a.attachNic(nic("10.0.0.1")), b.attachNic(nic(B_IP)), { ...wireOptions(profile), pcap: watch.pcap });
  const pa = a.spawn(), pb = b.spawn();
  const fa = pa.socket(), fb = pb.socket();
  pa.bind(fa, A_PORT);
  pb.bind(fb, B_PORT);
  world.run();
  return { world, a, b, pa, pb, fa, fb };
}

/** The files and buffers of one transfer, opened and made before it starts. */
interface Ends {
  src: number;
  dst: number;
  /** a's and b's 64 KiB buffers (copy), b's anonymous buffer (pswap); 0 if unused. */
  abuf: number;
  bbuf: number;
}

/** prepare: open /src on a and /dst on b, and map the scheme's buffers (not timed: the path
 *  names are copied into the kernel, the inodes read from disk). */
function prepare(x: Pair, scheme: FilenetScheme): Ends {
  const { pa, pb } = x;
  const src = pa.open("/src");
  const dst = pb.open("/dst", { read: true, write: true });
  const rw = scheme === "copy" || scheme === "rw-emulated-copy";
  const abuf = rw ? pa.mmap(FILENET_DGRAM) : 0;
  const bbuf = rw || scheme === "mmap-pswap" ? pb.mmap(FILENET_DGRAM) : 0;
  return { src, dst, abuf, bbuf };
}

/** release: close and unmap what prepare made. */
function release(x: Pair, e: Ends): void {
  const { pa, pb } = x;
  if (e.abuf) pa.munmap(e.abuf, FILENET_DGRAM);
  if (e.bbuf) pb.munmap(e.bbuf, FILENET_DGRAM);
  pa.close(e.src);
  pb.close(e.dst);
}

/** transferRw: read (copy) + sendto (net) on a; recvfrom (net) + write (copy) on b; fsync. */
function transferRw(x: Pair, e: Ends, n: number, net: Sem): void {
  const { pa, pb, fa, fb } = x;
  for (let at = 0; at < n; at += FILENET_DGRAM) {
    const len = Math.min(FILENET_DGRAM, n - at);
    if (pa.read(e.src, e.abuf, len, { sem: Sem.COPY }) !== len) throw new Error(`filenet: short read of /src at ${at}`);
    const rx = pb.postRecv(fb, e.bbuf, len, { sem: net });
    pa.sendto(fa, e.abuf, len, { ip: B_IP, port: B_PORT, sem: net });
    const got = rx.wait();
    if (got.len !== len) throw new Error(`filenet: received ${got.len} bytes at ${at}, want ${len}`);
    pb.write(e.dst, e.bbuf, len, { sem: Sem.COPY });
  }
  pb.fsync(e.dst);
}

/** transferMapped: a sends slices of its mapped /src with semantics net; b receives them with
 *  net straight into its mapped /dst (pswap: false) or into an anonymous buffer that it then
 *  pswaps into the mapping (pswap: true); msync of the last window, fsync. */
function transferMapped(x: Pair, e: Ends, n: number, pswap: boolean, net: Sem): void {
  const { pa, pb, fa, fb } = x;
  for (let base = 0; base < n; base += FILENET_WINDOW) {
    const wlen = Math.min(FILENET_WINDOW, n - base);
    const last = base + wlen >= n;
    const sw = pa.mmap(wlen, { fd: e.src, prot: Prot.READ, shared: true, offset: base });
    const dw = pb.mmap(wlen, { fd: e.dst, shared: true, offset: base });
    for (let o = 0; o < wlen; o += FILENET_DGRAM) {
      const len = Math.min(FILENET_DGRAM, wlen - o);
      const rx = pb.postRecv(fb, pswap ? e.bbuf : dw + o, len, { sem: net });
      pa.sendto(fa, sw + o, len, { ip: B_IP, port: B_PORT, sem: net });
      const got = rx.wait();
      if (got.len !== len) throw new Error(`filenet: received ${got.len} bytes at ${base + o}, want ${len}`);
      if (pswap) pb.pswap(e.bbuf, dw + o, len);
    }
    pa.munmap(sw, wlen);
    if (last) pb.msync(dw, wlen);
    pb.munmap(dw, wlen);
  }
  pb.fsync(e.dst);
}

const diskBytes = (d: Disk | null) => (d ? d.stats.bytesRead + d.stats.bytesWritten : 0);
const sum = (da: Counters, db: Counters, k: keyof Counters) => da[k] + db[k];

/**
 * filenetTransfer: one transfer of opts.bytes under scheme, on machines booted in world (its
 * kernel and seed); b's file is then read back and compared with /src (Error if it differs).
 */
export async function filenetTransfer(
  world: World,
  opts: { profile: Profile; bytes: number; memory: number; scheme: FilenetScheme; onDone?: FilenetOptions["onDone"] } & Watch,
): Promise<FilenetRow> {
  const { profile, memory, scheme } = opts, n = opts.bytes;
  if (!FILENET_SCHEMES.includes(scheme)) throw new RangeError(`filenet bench: unknown scheme "${scheme}" (known: ${FILENET_SCHEMES.join(", ")})`);
  const { kernel, seed } = world;
  const { data, imageA, imageB } = await images(kernel, seed, memory, n);
  const x = await boot(world, memory, profile, imageA, imageB, opts);
  const { a, b, pa, pb } = x;
  const ends = prepare(x, scheme);
  world.run();
  const t0 = Math.max(world.now, pa.clock, pb.clock);
  pa.clock = pb.clock = t0;
  const ca = a.counters(), cb = b.counters();
  const d0 = diskBytes(a.disk) + diskBytes(b.disk);
  const wall0 = performance.now();
  if (scheme === "copy" || scheme === "rw-emulated-copy") transferRw(x, ends, n, scheme === "copy" ? Sem.COPY : Sem.EMULATED_COPY);
  else transferMapped(x, ends, n, scheme === "mmap-pswap", scheme === "mmap-copy" ? Sem.COPY : Sem.EMULATED_COPY);
  const end = pb.clock;
  world.run();
  const wallMs = performance.now() - wall0;
  const da = diffCounters(ca, a.counters()), db = diffCounters(cb, b.counters());
  const disk = diskBytes(a.disk) + diskBytes(b.disk) - d0;
  release(x, ends);
  b.unmount();
  const result = (b.disk!.store as MemoryStore).image;
  opts.onDone?.(scheme, { a, b }, result);
  const diff = await compareBack(kernel, seed, memory, result, "/dst", data);
  if (diff >= 0) throw new Error(`filenet bench: ${scheme}, ${n} bytes: b's /dst differs from a's /src, first at byte ${diff}`);
  return {
    scheme,
    bytes: n,
    simulatedMs: Math.round((end - t0) / 1e3) / 1e3,
    cpuBytesCopied: sum(da, db, "bytesCopied"),
    pageSwaps: sum(da, db, "pageSwaps"),
    diskBytes: disk,
    cpuMs: Math.round(COUNTER_NAMES.reduce((t, k) => t + (da[k] + db[k]) * profile.costs[k].ns, 0) / 1e3) / 1e3,
    wallMs: Math.round(wallMs * 10) / 10,
  };
}

/** runFilenet: every scheme asked for, each on fresh machines booted on the same images; the rows. */
export async function runFilenet(opts: FilenetOptions): Promise<FilenetRow[]> {
  const profile = typeof opts.profile === "string" ? getProfile(opts.profile) : validateProfile(opts.profile, `profile ${opts.profile?.name ?? "(object)"}`, { wire: true });
  const n = opts.bytes ?? 64 << 20;
  if (!Number.isInteger(n) || n < 1 || n > MAX_FILENET_BYTES) throw new RangeError(`filenet bench: bytes must be an integer in 1..${MAX_FILENET_BYTES}, got ${n}`);
  const memory = opts.memory ?? FILENET_MEMORY;
  const seed = opts.seed ?? 1;
  const kernel = opts.kernel ?? (await (await import("../host/node")).loadKernel("release"));
  const rows: FilenetRow[] = [];
  for (const scheme of opts.schemes ?? FILENET_SCHEMES) {
    const world = new World({ kernel, seed });
    opts.pcap?.follow();
    const row = await filenetTransfer(world, { profile, bytes: n, memory, scheme, onDone: opts.onDone, pcap: opts.pcap });
    rows.push(row);
    opts.progress?.(`filenet ${profile.name} ${scheme} ${n} bytes: ${fmtDuration(row.simulatedMs * 1e6)} simulated, ${row.cpuBytesCopied} bytes copied, ` +
      `${row.pageSwaps} page swaps, ${row.diskBytes} disk bytes, ${fmtDuration(row.cpuMs * 1e6)} CPU, ${fmtDuration(row.wallMs * 1e6)} wall`);
  }
  return rows;
}
