// tools/assign/checks/lib.ts — scenarios several assignments' checks share: two machines on a
// wire, a machine with a file system. Built from the CheckContext only (no Node built-ins).

import { connect, diffCounters, Disk, ETHERNET, MemoryStore, mkfs, PAGE_SIZE, pattern, Sem, type Counters, type Machine, type Process, type World } from "../../host/index";
import { equal, sameBytes, type CheckContext } from "../check";

export interface NetOptions {
  mtu?: number;
  headerSplit?: boolean;
  /** Give machine b a disk with a fresh file system (mounted) of this many blocks. */
  diskBlocks?: number;
  seed?: number;
}

export interface FsNode {
  m: Machine;
  p: Process;
  store?: MemoryStore;
}

export interface Node extends FsNode {
  fd: number;
}

/** net: machines a (10.0.0.1, port 1000) and b (10.0.0.2, port 2000) on a 1 Gbit/s wire, NICs
 *  with checksum offload and early demultiplexing, a process with a bound socket on each. */
export async function net(t: CheckContext, o: NetOptions = {}): Promise<{ w: World; a: Node; b: Node }> {
  const w = t.world(o.seed ?? 1);
  const node = async (name: string, ip: string, port: number): Promise<Node & { nic: ReturnType<Machine["attachNic"]> }> => {
    let store: MemoryStore | undefined;
    let disk: Disk | undefined;
    if (o.diskBlocks && name === "b") {
      const image = new Uint8Array(o.diskBlocks * 4096);
      mkfs(image);
      store = new MemoryStore(image);
      disk = new Disk({ store });
    }
    const m = await w.machine({ name, memory: "16M", disk });
    if (disk) m.mount();
    const nic = m.attachNic({ ip, mtu: o.mtu ?? 9000, headerSplit: o.headerSplit ?? true, checksumOffload: true, earlyDemux: true });
    const p = m.spawn();
    const fd = p.socket();
    p.bind(fd, port);
    return { m, p, fd, store, nic };
  };
  const a = await node("a", "10.0.0.1", 1000);
  const b = await node("b", "10.0.0.2", 2000);
  connect(a.nic, b.nic, { bandwidthBps: 1e9, latencyNs: 10_000, ...ETHERNET });
  return { w, a, b };
}

/**
 * guardedReceive: a datagram of len bytes from a (sent with copy) received by b with emulated
 * copy, posted first, at page offset off of a buffer whose other bytes hold a guard pattern
 * (zeroes if !touched: the buffer never written). Checks the data and every other byte of the
 * buffer's pages; returns b's counter deltas over the receive.
 */
export async function guardedReceive(t: CheckContext, off: number, len: number, o: { net?: NetOptions; touched?: boolean } = {}): Promise<Counters> {
  const { a, b } = await net(t, o.net);
  const span = Math.ceil((off + len) / PAGE_SIZE) * PAGE_SIZE;
  const va = a.p.mmap(len), vb = b.p.mmap(span);
  const data = pattern(len, 21);
  a.p.store(va, data);
  const touched = o.touched ?? true;
  const guard = touched ? pattern(span, 99) : new Uint8Array(span);
  if (touched) b.p.store(vb, guard);
  const rx = b.p.postRecv(b.fd, vb + off, len, { sem: Sem.EMULATED_COPY });
  const c0 = b.m.counters();
  a.p.sendto(a.fd, va, len, { ip: "10.0.0.2", port: 2000, sem: Sem.COPY });
  equal(rx.wait().len, len, "bytes received");
  const d = diffCounters(c0, b.m.counters());
  sameBytes(b.p.load(vb + off, len), data, "received data");
  sameBytes(b.p.load(vb, off), guard.subarray(0, off), "the application's bytes before the buffer");
  sameBytes(b.p.load(vb + off + len, span - off - len), guard.subarray(off + len), "the application's bytes after the buffer");
  return d;
}

/** remount: the machine booted again on the same disk (what a reboot sees). */
/** fsMachine: one machine with a disk holding a fresh file system of this many blocks, mounted,
 *  and a process. */
export async function fsMachine(t: CheckContext, blocks: number): Promise<FsNode> {
  const image = new Uint8Array(blocks * 4096);
  mkfs(image);
  const store = new MemoryStore(image);
  const m = await t.world().machine({ name: "b", memory: "16M", disk: new Disk({ store }) });
  m.mount();
  return { m, p: m.spawn(), store };
}

export async function remount(t: CheckContext, store: MemoryStore): Promise<Process> {
  const m = await t.world(7).machine({ name: "reboot", memory: "16M", disk: new Disk({ store }) });
  m.mount();
  return m.spawn();
}
