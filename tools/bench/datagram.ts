// tools/bench/datagram.ts — the one-datagram benchmark (README, `genie bench datagram`): one UDP datagram of n bytes
// from machine a to machine b under one data-passing semantics, on a wire built from a cost
// profile; its latency, its throughput and what it cost the CPUs.
//
//   a (10.0.0.1, port 1000)  ---- wire (profile.wire) ---->  b (10.0.0.2, port 2000)
//   buffer filled at setup                                   buffer touched at setup,
//                                                            receive posted first
//   t0: a calls sendto                                       t1: b's recvfrom returns
//
//   latencyUs      (t1 - t0) / 1000, simulated
//   throughputMbps bytes x 8 / latencyUs (bits per simulated µs)
//   counters       deltas over the transfer only (receive posted .. everything quiet again),
//                  summed over both machines: bytes the CPUs copied (never DMA), PTE writes,
//                  TLB shootdowns, faults
//
// The received bytes are compared with the sent ones, byte for byte: a transfer that does not
// deliver them is an error, never a row. A semantics the kernel refuses (EOPNOTSUPP) is
// reported as NotImplemented, never replaced by another.

import { complement, pattern, sharedPattern } from "../host/pattern";
import {
  Errno, PAGE_SIZE, SyscallError, World, connect, diffCounters, getProfile, profileMtu, profileNic, semanticsByName, validateProfile, wireOptions,
  type Counters, type Machine, type PcapWriter, type Process, type Profile, type SemanticsInfo, type Wire,
} from "../host/index";
import { round3 } from "./format";

export interface DatagramOptions {
  /** A shipped profile's name, or a profile object (it must have a wire section). */
  profile: string | Profile;
  /** Semantics name (tools/host/semantics.ts), e.g. "copy". */
  semantics: string;
  /** Datagram size, 1 .. 1 MiB. */
  bytes: number;
  /** The adapters' MTU (default: the profile's). */
  mtu?: number;
  /** Adapter features (default: the profile's adapter, tools/host/profile.ts profileNic). */
  headerSplit?: boolean;
  checksumOffload?: boolean;
  earlyDemux?: boolean;
  /** The world's seed (default 1). */
  seed?: number;
  /** The compiled kernel (default: the built release kernel, in Node). */
  kernel?: WebAssembly.Module;
  /** Boot the machines in this world (then kernel and seed are the world's). */
  world?: World;
  /** Capture the wire's frames into this writer. */
  pcap?: PcapWriter;
  /** Record the kernels' trace events (Machine.traceLog). */
  trace?: boolean;
  /** RAM of each machine, bytes (default memoryFor(bytes)). */
  memory?: number;
}

/** One row of the benchmark: the contract course tools read (keep names and order). */
export interface DatagramRow {
  semantics: string;
  bytes: number;
  latencyUs: number;
  throughputMbps: number;
  cpuBytesCopied: number;
  pteWrites: number;
  tlbShootdowns: number;
  faults: number;
}

/** ROW_KEYS: the keys of a DatagramRow, in order. */
export const ROW_KEYS: readonly (keyof DatagramRow)[] = ["semantics", "bytes", "latencyUs", "throughputMbps", "cpuBytesCopied", "pteWrites", "tlbShootdowns", "faults"];

/** The largest datagram the benchmark sends (the kernel's jumbogram limit). */
export const MAX_BENCH_BYTES = 1 << 20;

/** The kernel refused the semantics (EOPNOTSUPP): nothing to measure. */
export class NotImplemented extends Error {
  constructor(readonly semantics: string, readonly call: string) {
    super(`semantics ${semantics}: not implemented by this kernel (EOPNOTSUPP)`);
    this.name = "NotImplemented";
  }
}

/** memoryFor: RAM for each machine of a transfer of n bytes: 4n + 8 MiB, in whole MiB. */
export function memoryFor(bytes: number): number {
  const MiB = 1 << 20;
  return Math.ceil((4 * bytes + 8 * MiB) / MiB) * MiB;
}

export { pattern };

const B_IP = 0x0a000002; // 10.0.0.2, machine b
/** The spoiled receive buffers of the last few sizes (complements of pattern(n, n + 7)). */
const SPOILED = new Map<number, Uint8Array>();
const sumOf = (da: Counters, db: Counters, n: keyof Counters) => da[n] + db[n];

/**
 * DatagramPair: two machines on one wire, a process on each with a bound socket, and the
 * buffers of an n-byte transfer, set up once; transfer() may then run many times (the
 * wall-clock benchmark reuses one pair).
 */
export class DatagramPair {
  /** The bytes every transfer sends. */
  /** The bytes sent (shared by every pair of the size: read only). */
  readonly data: Uint8Array;
  /** Set when a transfer failed half-way (a receive may still be posted): do not reuse. */
  broken = false;
  private spoiled: Uint8Array | null = null; // the complement of data, made on first use
  /** The simulated time the last transfer's send call started, ns. */
  sentAt = 0;

  private constructor(
    readonly world: World, readonly a: Machine, readonly b: Machine, readonly wire: Wire,
    readonly pa: Process, readonly pb: Process, readonly fa: number, readonly fb: number,
    readonly va: number, readonly vb: number, readonly bytes: number, private readonly ownsWorld: boolean,
  ) {
    this.data = sharedPattern(bytes, bytes + 7); // (SPOILED relies on this seed)
  }

  /** create: boot the pair for transfers of opts.bytes (semantics is not used here). */
  static async create(opts: Omit<DatagramOptions, "semantics">): Promise<DatagramPair> {
    const profile = typeof opts.profile === "string" ? getProfile(opts.profile) : validateProfile(opts.profile, `profile ${opts.profile?.name ?? "(object)"}`, { wire: true });
    const n = opts.bytes;
    if (!Number.isInteger(n) || n < 1 || n > MAX_BENCH_BYTES) throw new RangeError(`datagram bench: bytes must be an integer in 1..${MAX_BENCH_BYTES}, got ${n}`);
    const world = opts.world ?? new World({ kernel: opts.kernel ?? (await (await import("../host/node")).loadKernel("release")), seed: opts.seed ?? 1 });
    const memory = opts.memory ?? memoryFor(n);
    const a = await world.machine({ name: "a", memory, profile, trace: opts.trace });
    const b = await world.machine({ name: "b", memory, profile, trace: opts.trace });
    const features = profileNic(profile, { headerSplit: opts.headerSplit, checksumOffload: opts.checksumOffload, earlyDemux: opts.earlyDemux });
    const nic = (ip: string) => ({ ip, mtu: opts.mtu ?? profileMtu(profile), ...features });
    const wire = connect(a.attachNic(nic("10.0.0.1")), b.attachNic(nic("10.0.0.2")), { ...wireOptions(profile), pcap: opts.pcap });
    const pa = a.spawn(), pb = b.spawn();
    const fa = pa.socket(), fb = pb.socket();
    pa.bind(fa, 1000);
    pb.bind(fb, 2000);
    const va = pa.mmap(n + PAGE_SIZE);
    const vb = pb.mmap(n + PAGE_SIZE);
    const pair = new DatagramPair(world, a, b, wire, pa, pb, fa, fb, va, vb, n, !opts.world);
    pa.store(va, pair.data);
    pair.spoil(); // the receive buffer is resident and holds no byte of the datagram
    world.run();
    return pair;
  }

  /** dispose: the pair is done: its machines' kernel instances may serve later machines
   *  (Machine.dispose), unless the world was the caller's. */
  dispose(): void {
    if (this.ownsWorld) this.world.dispose();
  }

  /** spoil: overwrite the receive buffer with the complement of the data (every byte differs). */
  spoil(): void {
    if (!this.spoiled) {
      this.spoiled = SPOILED.get(this.bytes) ?? complement(this.data);
      if (SPOILED.size >= 8) SPOILED.delete(SPOILED.keys().next().value!);
      SPOILED.set(this.bytes, this.spoiled);
    }
    this.pb.store(this.vb, this.spoiled);
  }

  /**
   * transfer: send the datagram once under semantics s (receive posted first) and measure it.
   * NotImplemented if the kernel refuses s; Error if the bytes did not arrive intact (verify).
   * Without count, the counter fields are 0 (the wall-clock loop leaves them out). recv: the
   * receiver's semantics, if not s (both must take buffers from the same side).
   */
  transfer(s: SemanticsInfo, verify = true, count = true, recv: SemanticsInfo = s): DatagramRow {
    if (this.broken) throw new Error("datagram bench: this pair was left unusable by a failed transfer");
    const { world, a, b, pa, pb, bytes } = this;
    world.run();
    const ca = count ? a.counters() : null, cb = count ? b.counters() : null;
    this.broken = true;
    // The move family gives the sender's buffer away and receives into a region the kernel
    // picks: each transfer sends from a fresh region, and the received one is unmapped after.
    const system = s.buffers === "system";
    if (recv.buffers !== s.buffers) throw new Error(`datagram bench: ${s.name} and ${recv.name} take buffers from different sides`);
    const src = system ? pa.mmap(bytes) : this.va;
    if (system) pa.store(src, this.data);
    const rx = refused(recv, "recvfrom", () => pb.postRecv(this.fb, system ? 0 : this.vb, bytes, { sem: recv.sem }));
    world.run();
    const t0 = Math.max(pa.clock, world.now);
    pa.clock = t0;
    this.sentAt = t0;
    refused(s, "sendto", () => pa.sendto(this.fa, src, bytes, { ip: B_IP, port: 2000, sem: s.sem }));
    const got = rx.wait();
    if (s.integrity === "weak") pa.iowait();
    world.run();
    const da = ca ? diffCounters(ca, a.counters()) : null, db = cb ? diffCounters(cb, b.counters()) : null;
    if (got.len !== bytes) throw new Error(`datagram bench: ${s.name}, ${bytes} bytes: the receive returned ${got.len} bytes`);
    if (verify) {
      const at = system ? got.va : this.vb;
      const diff = pb.firstDifference(at, this.data);
      if (diff >= 0) throw new Error(`datagram bench: ${s.name}, ${bytes} bytes: received bytes differ from those sent, first at byte ${diff}`);
    }
    if (system) pb.munmap(got.va, bytes);
    this.broken = false;
    const latencyNs = got.at - t0;
    return {
      semantics: s.name,
      bytes,
      latencyUs: round3(latencyNs / 1000),
      throughputMbps: round3((bytes * 8) / (latencyNs / 1000)),
      cpuBytesCopied: da && db ? sumOf(da, db, "bytesCopied") : 0,
      pteWrites: da && db ? sumOf(da, db, "pteWrites") : 0,
      tlbShootdowns: da && db ? sumOf(da, db, "tlbShootdowns") : 0,
      faults: da && db ? sumOf(da, db, "faults") : 0,
    };
  }
}

/** runDatagram: one transfer on a fresh pair; its row (NotImplemented if the kernel refuses). */
export async function runDatagram(opts: DatagramOptions): Promise<DatagramRow> {
  const s = semanticsByName(opts.semantics);
  const pair = await DatagramPair.create(opts);
  try {
    return pair.transfer(s);
  } finally {
    pair.dispose();
  }
}

/** refused: run a socket call; NotImplemented if the kernel answers EOPNOTSUPP. */
function refused<T>(s: SemanticsInfo, call: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof SyscallError && e.errno === Errno.EOPNOTSUPP) throw new NotImplemented(s.name, call);
    throw e;
  }
}
