// test/kernel/netpair.ts — two machines joined by a wire, for network tests.

import { connect, Disk, ETHERNET, MemoryStore, mkfs, Sem, type Machine, type NicOptions, type Process, type Wire, type World } from "../../tools/host/index";
import type { WireOptions } from "../../tools/host/wire";
import { machine, world } from "./machines";

export interface PairOptions {
  mtu?: number;
  headerSplit?: boolean;
  checksumOffload?: boolean;
  earlyDemux?: boolean;
  memory?: string;
  /** Cost profile of both machines (default: "default"). */
  profile?: string;
  wire?: Partial<WireOptions>;
  seed?: number;
  /** Bytes of a file system made on a disk of a's, mounted before the processes start. */
  fileSystem?: number;
}

export interface Pair {
  world: World;
  a: Machine;
  b: Machine;
  wire: Wire;
  /** A process on each machine with a bound UDP socket (a: port 1000, b: port 2000). */
  pa: Process;
  pb: Process;
  fa: number;
  fb: number;
}

/** pair: machines a (10.0.0.1) and b (10.0.0.2) on a 1 Gbit/s, 10 µs wire (checked after the test). */
export async function pair(o: PairOptions = {}): Promise<Pair> {
  const w = await world(o.seed ?? 1);
  let disk: Disk | undefined;
  if (o.fileSystem !== undefined) {
    const image = new Uint8Array(o.fileSystem);
    mkfs(image);
    disk = new Disk({ store: new MemoryStore(image) });
  }
  const a = await machine({ name: "a", memory: o.memory ?? "16M", profile: o.profile, disk }, w);
  const b = await machine({ name: "b", memory: o.memory ?? "16M", profile: o.profile }, w);
  const nic = (ip: string): NicOptions => ({ ip, mtu: o.mtu ?? 1500, headerSplit: o.headerSplit, checksumOffload: o.checksumOffload, earlyDemux: o.earlyDemux });
  const wire = connect(a.attachNic(nic("10.0.0.1")), b.attachNic(nic("10.0.0.2")), { bandwidthBps: 1e9, latencyNs: 10_000, ...ETHERNET, ...o.wire });
  if (disk) a.mount();
  const pa = a.spawn(), pb = b.spawn();
  const fa = pa.socket(), fb = pb.socket();
  pa.bind(fa, 1000);
  pb.bind(fb, 2000);
  return { world: w, a, b, wire, pa, pb, fa, fb };
}

/** fileSender: a pair whose a has a file system holding /f = data and sends to b; a's socket
 *  connected to b's (defaults: MTU 9000, header split, checksum offload, early demultiplexing, a
 *  16 MiB file system). */
export async function fileSender(data: Uint8Array, o: PairOptions = {}): Promise<Pair> {
  const p = await pair({ mtu: 9000, headerSplit: true, checksumOffload: true, earlyDemux: true, fileSystem: 16 << 20, ...o });
  p.pa.connect(p.fa, "10.0.0.2", 2000);
  p.pa.writeFile("/f", data, { fsync: true });
  return p;
}

export { Sem };
