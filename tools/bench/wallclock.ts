// tools/bench/wallclock.ts — how fast the simulator itself moves data, in wall-clock time.
//
// One pair of machines (profile server-2025, MTU 9000; NICs with checksum offload, header split
// and early demultiplexing, so that input alignment lets the copy-avoiding semantics receive
// without copying) sends 64 KiB datagrams back to back; after a warm-up, each round times
// `iterations` transfers, then times the host doing only what no simulator of this machine can
// avoid: the devices' two copies of each datagram (out of the sender's RAM, into the
// receiver's), two Uint8Array.set of the payload.
//
//   wallNsPerByte   wall ns per payload byte through the simulated transfer
//   floorNsPerByte  wall ns per payload byte of the two copies
//   ratio           wallNsPerByte / floorNsPerByte (1 would be a simulator that does nothing else)
//   deviceNsPerByte wall ns per payload byte the simulated adapters spend on their own DMA copies
//                   and checksums (gather out of RAM, checksum offload, scatter into RAM), timed
//                   in rounds of their own with a clock lent to the NICs (Nic.meter), less what
//                   reading that clock costs; the rest of wallNsPerByte is the kernel and the
//                   rest of the simulator
//   deviceRatio     deviceNsPerByte / floorNsPerByte: how far the devices alone are from the floor
//                   (their copies go piece by piece between scattered frames, and they sum what
//                   they send; the floor copies two contiguous, cache-warm buffers)
//   boundNsPerByte  B: wall ns per payload byte of the byte work a faithful device must do for
//                   the same transfer with the same frame layout (tools/bench/bound.ts: the
//                   frame lists the adapters used for one transfer, replayed as straight-line
//                   gather, one checksum pass, scatter, on the same checksum engine)
//   boundRatio      wallNsPerByte / boundNsPerByte: the whole simulator against B
//   deviceBoundRatio deviceNsPerByte / boundNsPerByte: the adapter model against B
//   cpuBoundRatio   the same rounds as boundRatio timed in CPU time of this process
//                   (process.cpuUsage): on a shared machine a round may wait for a core, which
//                   counts in wall time only
//   spread          [min, median, max] over the rounds of wallNsPerByte, deviceNsPerByte,
//                   boundNsPerByte (over all of B's samples) and of the three ratios to B taken
//                   round by round
//
// The top level also reports bootMs, the median wall time to boot a 16 MiB machine once the
// kernel module is compiled (the kernel instance of a disposed machine reset and reused, as
// benchmarks boot: tools/host/reset.ts), coldBootMs, the same on a new kernel instance, and
// pairBootMs, the median time to set up the benchmark's pair (two machines, their NICs, a wire,
// two processes with bound sockets and buffers).
//
// Each figure is the median of its rounds, measured interleaved in one run so that both see the
// same machine. B's own work is small (a few ms for `iterations` transfers), so each round times
// it three times, before, between and after the two sets of simulated transfers, each time over
// enough replayed transfers to last at least BOUND_SAMPLE_MS (calibrated once per semantics): B
// is the median of those 3 x rounds samples. Each row's `spread` gives [min, median, max] over
// the rounds of the figures and of the per-round ratios (each round's wall or device time
// against the B samples taken around it), so that a reader can see how much a ratio moved
// within the run. Wall-clock numbers vary from run to run and machine to machine: report them,
// never assert them.

import { NotImplemented, DatagramPair } from "./datagram";
import { BoundReplay } from "./bound";
import { SEMANTICS, World, emptyDmaLog, semanticsByName, type PcapWriter } from "../host/index";

export interface WallclockOptions {
  profile?: string;
  bytes?: number;
  mtu?: number;
  checksumOffload?: boolean;
  /** Header split and early demultiplexing (default on: input alignment needs both). */
  headerSplit?: boolean;
  earlyDemux?: boolean;
  /** Semantics names (default: all; those the kernel refuses are listed apart). */
  semantics?: string[];
  warmup?: number;
  iterations?: number;
  rounds?: number;
  kernel?: WebAssembly.Module;
  /** Called with a line of progress. */
  progress?: (line: string) => void;
  /** Capture the first transfer of each semantics (the one checked byte for byte) into this
   *  writer; the timed transfers are never captured (the capture would be timed with them). */
  pcap?: PcapWriter;
}

export interface WallclockRow {
  semantics: string;
  wallNsPerByte: number;
  floorNsPerByte: number;
  ratio: number;
  deviceNsPerByte: number;
  deviceRatio: number;
  /** Payload MB (10^6 bytes) per wall second, through the simulation and through the floor. */
  wallMBps: number;
  floorMBps: number;
  /** B, the faithful-device bound (tools/bench/bound.ts), and the simulator and its devices against it. */
  boundNsPerByte: number;
  boundRatio: number;
  deviceBoundRatio: number;
  /** The whole simulator against B in CPU time of this process (rounds timed with
   *  process.cpuUsage as well): on a shared machine, time the process spends waiting for a
   *  core counts in wall ratios but not here. */
  cpuBoundRatio: number;
  /** [min, median, max] over the rounds: the figures, and the ratios taken round by round
   *  (each round's wall or device time against the B samples taken around it). */
  spread: Record<SpreadKey, [number, number, number]>;
}

type SpreadKey = "wallNsPerByte" | "deviceNsPerByte" | "boundNsPerByte" | "boundRatio" | "deviceBoundRatio" | "cpuBoundRatio";

export interface WallclockReport {
  profile: string;
  bytes: number;
  mtu: number;
  checksumOffload: boolean;
  headerSplit: boolean;
  earlyDemux: boolean;
  warmup: number;
  iterations: number;
  rounds: number;
  /** Median wall ms to boot a 16 MiB machine, and to set up the benchmark's pair (module
   *  compiled; kernel instances of disposed machines reset and reused: tools/host/reset.ts);
   *  coldBootMs: to boot one on a new kernel instance. */
  bootMs: number;
  coldBootMs: number;
  pairBootMs: number;
  rows: WallclockRow[];
  notImplemented: { semantics: string; reason: string }[];
}

/** range: "min..max" of figure k over a row's rounds. */
const range = (r: WallclockRow, k: SpreadKey) => `${r.spread[k][0]}..${r.spread[k][2]}`;
/** The wall-clock table's columns (CLI and Markdown report), and one row's cells. */
export const WALLCLOCK_HEADERS = ["semantics", "wall ns/byte", "floor ns/byte", "ratio", "device ns/byte", "device ratio", "B ns/byte", "B min..max", "wall / B", "wall / B min..max", "device / B", "CPU / B", "CPU / B min..max", "simulated MB/s", "floor MB/s"];
export function wallclockCells(r: WallclockRow): (string | number)[] {
  return [r.semantics, r.wallNsPerByte, r.floorNsPerByte, r.ratio, r.deviceNsPerByte, r.deviceRatio, r.boundNsPerByte, range(r, "boundNsPerByte"), r.boundRatio,
    range(r, "boundRatio"), r.deviceBoundRatio, r.cpuBoundRatio, range(r, "cpuBoundRatio"), r.wallMBps, r.floorMBps];
}

const clock = () => performance.now();
/** cpuClock: ms of CPU time this process has used (wall time where there is no process). */
const cpuClock = typeof process !== "undefined" && process.cpuUsage
  ? () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; }
  : clock;
/** spanCost: ms that timing an empty span with the lent clock costs (median of 5 x 2000). */
function spanCost(): number {
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    let acc = 0;
    for (let i = 0; i < 2000; i++) {
      const m0 = clock();
      acc += clock() - m0;
    }
    runs.push(acc / 2000);
  }
  return median(runs);
}

/** Boots timed for bootMs (every other one also times a pair for pairBootMs). */
const BOOTS = 21;
/** The least wall time one sample of B lasts: long enough that a preemption or a timer tick
 *  is a small part of it. */
const BOUND_SAMPLE_MS = 25;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const sig = (x: number) => Number(x.toPrecision(4));
const spreadOf = (xs: number[]): [number, number, number] => [sig(Math.min(...xs)), sig(median(xs)), sig(Math.max(...xs))];

/** runWallclock: the wall-clock report (see the top of this file). */
export async function runWallclock(opts: WallclockOptions = {}): Promise<WallclockReport> {
  const profile = opts.profile ?? "server-2025";
  const bytes = opts.bytes ?? 64 * 1024;
  const mtu = opts.mtu ?? 9000;
  const checksumOffload = opts.checksumOffload ?? true;
  const headerSplit = opts.headerSplit ?? true;
  const earlyDemux = opts.earlyDemux ?? true;
  const warmup = Math.max(1, opts.warmup ?? 50); // the first warm-up transfer checks the bytes
  const iterations = opts.iterations ?? 1000;
  const rounds = opts.rounds ?? 5;
  const names = opts.semantics ?? SEMANTICS.map((s) => s.name);
  const kernel = opts.kernel ?? (await (await import("../host/node")).loadKernel("release"));
  const pairOpts = { profile, bytes, mtu, checksumOffload, headerSplit, earlyDemux, kernel };
  const boots: number[] = [], pairBoots: number[] = [], coldBoots: number[] = [];
  // Cold: each machine a new kernel instance (the machines are kept, so none is given back).
  const kept: World[] = [];
  for (let i = 0; i < BOOTS; i++) {
    const t = performance.now();
    const w = new World({ kernel });
    await w.machine({ memory: "16M" });
    coldBoots.push(performance.now() - t);
    kept.push(w);
  }
  for (const w of kept) w.dispose();
  // Then as benchmarks boot: each machine (and pair) disposed when done, its instance reset and reused.
  for (let i = 0; i < BOOTS; i++) {
    let t = performance.now();
    const w = new World({ kernel });
    await w.machine({ memory: "16M" });
    boots.push(performance.now() - t);
    w.dispose();
    if (i % 2) continue;
    t = performance.now();
    const pair = await DatagramPair.create(pairOpts);
    pairBoots.push(performance.now() - t);
    pair.dispose();
  }
  const report: WallclockReport = {
    profile, bytes, mtu, checksumOffload, headerSplit, earlyDemux, warmup, iterations, rounds,
    bootMs: sig(median(boots)), coldBootMs: sig(median(coldBoots)), pairBootMs: sig(median(pairBoots)), rows: [], notImplemented: [],
  };
  opts.progress?.(`wallclock: boot of a 16 MiB machine ${report.bootMs} ms (a new kernel instance: ${report.coldBootMs} ms), of the benchmark pair ${report.pairBootMs} ms (medians)`);
  for (const name of names) {
    const s = semanticsByName(name);
    opts.pcap?.follow();
    const pair = await DatagramPair.create({ ...pairOpts, pcap: opts.pcap });
    try {
      for (let i = 0; i < warmup; i++) {
        pair.transfer(s, i === 0 || i === warmup - 1);
        pair.wire.pcap = null;
      }
    } catch (e) {
      if (!(e instanceof NotImplemented)) throw e;
      report.notImplemented.push({ semantics: name, reason: e.message });
      opts.progress?.(`wallclock ${name}: ${e.message}`);
      continue;
    }
    const wireBuf = new Uint8Array(bytes), dst = new Uint8Array(bytes);
    const copyTwice = (n: number) => {
      // A view made now: the kernel's memory may have grown (detaching older views) since.
      const ram = pair.a.ram, src = ram.subarray(ram.length >> 1, (ram.length >> 1) + bytes);
      for (let i = 0; i < n; i++) {
        wireBuf.set(src);
        dst.set(wireBuf);
      }
    };
    copyTwice(warmup * 10);
    const nics = [pair.a.nics[0], pair.b.nics[0]];
    // B: the byte work of one transfer, recorded as the adapters did it, replayed bare.
    const log = emptyDmaLog();
    for (const nic of nics) nic.dmaLog = log;
    pair.transfer(s, false, false);
    for (const nic of nics) nic.dmaLog = null;
    const replay = new BoundReplay(log, pair.a, pair.b);
    replay.run(warmup);
    // Replayed transfers per sample of B: at least `iterations`, and enough to last BOUND_SAMPLE_MS.
    const t0 = performance.now();
    replay.run(iterations);
    const boundIterations = Math.max(iterations, Math.ceil((iterations * BOUND_SAMPLE_MS) / Math.max(performance.now() - t0, 1e-3)));
    const wall: number[] = [], floor: number[] = [], device: number[] = [], bound: number[] = [], cpuWall: number[] = [], cpuBound: number[] = [];
    const roundBound: number[] = [], roundCpuBound: number[] = [];
    const perByte = (ms: number, n = iterations) => (ms * 1e6) / (n * bytes);
    /** sampleBound: one sample of B (wall and CPU), kept in bound and cpuBound. */
    const sampleBound = () => {
      const c = cpuClock(), t = performance.now();
      replay.run(boundIterations);
      bound.push(perByte(performance.now() - t, boundIterations));
      cpuBound.push(perByte(cpuClock() - c, boundIterations));
    };
    for (let r = 0; r < rounds; r++) {
      sampleBound();
      const c = cpuClock();
      let t = performance.now();
      for (let i = 0; i < iterations; i++) pair.transfer(s, false, false);
      wall.push(perByte(performance.now() - t));
      cpuWall.push(perByte(cpuClock() - c));
      sampleBound();
      t = performance.now();
      copyTwice(iterations);
      floor.push(perByte(performance.now() - t));
      // The same transfers with a clock lent to both adapters: their own share of the time.
      for (const nic of nics) (nic.meter = clock), (nic.deviceMs = 0), (nic.deviceSpans = 0);
      for (let i = 0; i < iterations; i++) pair.transfer(s, false, false);
      // Less what reading the lent clock twice per span costs (measured now, on this machine).
      const spans = nics.reduce((n, nic) => n + nic.deviceSpans, 0);
      device.push(perByte(Math.max(0, nics.reduce((ms, nic) => ms + nic.deviceMs, 0) - spans * spanCost())));
      for (const nic of nics) nic.meter = null;
      sampleBound();
      roundBound.push(median(bound.slice(3 * r)));
      roundCpuBound.push(median(cpuBound.slice(3 * r)));
    }
    pair.spoil();
    pair.transfer(s, true); // still delivering intact bytes after the timed rounds
    const w = median(wall), f = Math.max(median(floor), 1e-6), d = median(device), b = Math.max(median(bound), 1e-6);
    const row = {
      semantics: name, wallNsPerByte: sig(w), floorNsPerByte: sig(f), ratio: sig(w / f),
      deviceNsPerByte: sig(d), deviceRatio: sig(d / f), wallMBps: sig(1e3 / w), floorMBps: sig(1e3 / f),
      boundNsPerByte: sig(b), boundRatio: sig(w / b), deviceBoundRatio: sig(d / b),
      cpuBoundRatio: sig(median(cpuWall) / Math.max(median(cpuBound), 1e-6)),
      spread: {
        wallNsPerByte: spreadOf(wall), deviceNsPerByte: spreadOf(device), boundNsPerByte: spreadOf(bound),
        boundRatio: spreadOf(wall.map((x, r) => x / Math.max(roundBound[r], 1e-6))),
        deviceBoundRatio: spreadOf(device.map((x, r) => x / Math.max(roundBound[r], 1e-6))),
        cpuBoundRatio: spreadOf(cpuWall.map((x, r) => x / Math.max(roundCpuBound[r], 1e-6))),
      },
    };
    report.rows.push(row);
    opts.progress?.(`wallclock ${name}: ${row.wallMBps} MB/s simulated, floor ${row.floorMBps} MB/s, ratio ${row.ratio}; ${row.boundRatio} x B (rounds ${range(row, "boundRatio")}), ` +
      `devices ${row.deviceBoundRatio} x B (${range(row, "deviceBoundRatio")}), CPU time ${row.cpuBoundRatio} x B (${range(row, "cpuBoundRatio")}); ` +
      `B ${row.boundNsPerByte} ns/byte (${range(row, "boundNsPerByte")})`);
  }
  return report;
}
