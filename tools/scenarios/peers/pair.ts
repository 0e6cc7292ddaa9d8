// tools/scenarios/peers/pair.ts — the two machines every workload of Genie beside the systems
// after it runs on (docs/peers.md), and how a run is measured.
//
//   a (10.0.0.1, port 1000)  ---- the profile's wire ---->  b (10.0.0.2, port 2000)
//   socket fa, connected to b                                socket fb
//   a file system when the workload needs one                 likewise
//
// Measured from the first call of the workload to the last return (both processes' clocks),
// over both machines: simulated time, payload throughput, CPU time (counters x the profile's
// costs), and the counters that show each scheme's mechanism.

import {
  COUNTER_NAMES, Disk, MemoryStore, PAGE_SIZE, connect, diffCounters, mkfs, profileMtu, wireOptions,
  type Counters, type Machine, type PcapWriter, type Process, type Profile, type World,
} from "../../host/index";
import { firstDifference } from "../../host/pattern";

export const B_IP = "10.0.0.2";
export const A_IP = "10.0.0.1";
const MiB = 1 << 20;
/** The disk images' default size. */
const DISK_BYTES = 8 * MiB;

/** The adapters' settings: MTU (0: the profile's) and features. */
export interface NicSettings {
  mtu: number;
  headerSplit: boolean;
  checksumOffload: boolean;
  earlyDemux: boolean;
}

/** How a workload's machines are made. */
export interface PairOptions {
  profile: Profile;
  /** RAM of each machine, bytes. */
  memory: number;
  nic: NicSettings;
  /** A file system on a's disk, on b's. */
  aDisk?: boolean;
  bDisk?: boolean;
  /** Size of each disk image, bytes (default 8 MiB). */
  diskBytes?: number;
  /** CPUs of machine a (default 1). */
  aCpus?: number;
  trace?: boolean;
  pcap?: PcapWriter;
}

/** Pair: two machines of one world joined by a wire, a process on each and its socket (the
 *  record the benchmarks and tests that run two machines share: tools/bench/filenet.ts,
 *  test/kernel/datagram-scenarios.ts). */
export interface Pair {
  world: World;
  a: Machine;
  b: Machine;
  pa: Process;
  pb: Process;
  fa: number;
  fb: number;
}

/** A workload's pair, with the profile its costs come from. */
export interface PeerPair extends Pair {
  profile: Profile;
}

/** peersMemory: RAM of each machine for a workload holding `bytes` at once: 6 x bytes + 8 MiB, whole MiB. */
export const peersMemory = (bytes: number) => Math.ceil((6 * bytes + 8 * MiB) / MiB) * MiB;

/** diskFor: a disk image that holds files of `bytes` in all: 8 MiB, or twice that and 4 MiB more. */
export const diskFor = (bytes: number) => Math.max(DISK_BYTES, 2 * bytes + 4 * MiB);

/** makePair: machines a and b of o in world w, a's socket connected to b's. */
export async function makePair(w: World, o: PairOptions): Promise<PeerPair> {
  const disk = () => {
    // The file system made in the store's own zeroed image (no second image to copy it from).
    const store = new MemoryStore(Math.ceil((o.diskBytes ?? DISK_BYTES) / PAGE_SIZE));
    mkfs(store.image);
    return new Disk({ store });
  };
  const { profile, memory, trace } = o;
  const a = await w.machine({ name: "a", memory, profile, cpus: o.aCpus ?? 1, disk: o.aDisk ? disk() : undefined, trace });
  const b = await w.machine({ name: "b", memory, profile, disk: o.bDisk ? disk() : undefined, trace });
  if (o.aDisk) a.mount();
  if (o.bDisk) b.mount();
  const { mtu, headerSplit, checksumOffload, earlyDemux } = o.nic;
  const nic = (ip: string) => ({ ip, mtu: mtu || profileMtu(profile), headerSplit, checksumOffload, earlyDemux });
  connect(a.attachNic(nic(A_IP)), b.attachNic(nic(B_IP)), { ...wireOptions(profile), pcap: o.pcap });
  const pa = a.spawn(), pb = b.spawn();
  const fa = pa.socket(), fb = pb.socket();
  pa.bind(fa, 1000);
  pb.bind(fb, 2000);
  pa.connect(fa, B_IP, 2000);
  return { world: w, a, b, pa, pb, fa, fb, profile };
}

/** The counters a workload's metrics report beside its times (summed over both machines). */
const SHOWN: readonly (keyof Counters)[] = [
  "bytesCopied", "pteWrites", "tlbShootdowns", "faults", "pageSwaps", "wires", "pagesSpliced", "zioElided", "zioMaterialised", "zioSendResolved",
];

/** Measure: both machines' counters and the start time; metrics() closes the interval. */
export class Measure {
  private ca: Counters;
  private cb: Counters;
  readonly t0: number;
  constructor(private e: PeerPair) {
    e.world.run();
    this.ca = e.a.counters();
    this.cb = e.b.counters();
    this.t0 = Math.max(e.pa.clock, e.pb.clock, e.world.now);
    e.pa.clock = e.pb.clock = this.t0;
  }

  /** metrics: the run so far, `payload` bytes delivered: simulatedUs, throughputMbps, cpuUs,
   *  cpuBytesCopied and the counters of SHOWN (bytesCopied as cpuBytesCopied). */
  metrics(payload: number): Record<string, number> {
    const e = this.e;
    e.world.run();
    const t1 = Math.max(e.pa.clock, e.pb.clock);
    const da = diffCounters(this.ca, e.a.counters()), db = diffCounters(this.cb, e.b.counters());
    const sum = (n: keyof Counters) => da[n] + db[n];
    let cpuNs = 0;
    for (const n of COUNTER_NAMES) cpuNs += sum(n) * e.profile.costs[n].ns;
    const us = (t1 - this.t0) / 1000;
    const r3 = (x: number) => Math.round(x * 1000) / 1000;
    const out: Record<string, number> = { simulatedUs: r3(us), throughputMbps: r3((payload * 8) / us), cpuUs: r3(cpuNs / 1000) };
    for (const n of SHOWN) out[n === "bytesCopied" ? "cpuBytesCopied" : n] = sum(n);
    return out;
  }
}

/** verify: got must equal want byte for byte; an Error naming what and the first difference otherwise. */
export function verify(what: string, got: Uint8Array, want: Uint8Array): void {
  const d = got.length === want.length ? firstDifference(got, want) : Math.min(got.length, want.length);
  if (d >= 0) throw new Error(`${what}: received bytes differ from those sent, first at byte ${d}`);
}

/** verifyAt: the n bytes at va in p's memory must equal want, as verify(what, p.load(va, n),
 *  want) says, read through the MMU page by page as load reads them, compared in place. */
export function verifyAt(what: string, p: Process, va: number, n: number, want: Uint8Array): void {
  if (n !== want.length) return verify(what, p.load(va, n), want);
  const d = p.firstDifference(va, want);
  if (d >= 0) throw new Error(`${what}: received bytes differ from those sent, first at byte ${d}`);
}
