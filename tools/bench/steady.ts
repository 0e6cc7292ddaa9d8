// tools/bench/steady.ts — steady state: many transfers on the same buffers and sockets, where
// the one-datagram benchmark (tools/bench/datagram.ts) measures a single shot on fresh machines.
//
//   a ---- datagram ----> b          rounds x 2 transfers: a to b, then b sends back what it
//   a <--- datagram ----- b          received, from the same buffer (the application-buffer
//                                    semantics) or from the region the kernel gave it (the
//                                    move family: what it received is what it sends)
//
// Region hiding and region caching (kernel/io/move.ts, in the style of Genie) pay off only
// here: an emulated move hides the region it sends, and the next receive reuses it instead of
// making a new one; a move unmaps it and maps a fresh one. In a single shot both do the same.
//
// A row: the single shot (the first transfer, on fresh machines, as `genie bench datagram`) and
// the steady state (the mean of the transfers after the first round trip), with the steady
// state's counters per transfer (both machines). The last datagram is checked byte for byte.

import { diffCounters, semanticsByName, type Counters } from "../host/index";
import { firstDifference } from "../host/pattern";
import { DatagramPair, type DatagramOptions } from "./datagram";
import { round3 } from "./format";

/** One row: the contract course tools read (keep names and order). */
export interface SteadyRow {
  semantics: string;
  bytes: number;
  transfers: number;
  singleUs: number;
  steadyUs: number;
  cpuBytesCopied: number;
  pteWrites: number;
  regionOps: number;
}
export const STEADY_ROW_KEYS: readonly (keyof SteadyRow)[] = ["semantics", "bytes", "transfers", "singleUs", "steadyUs", "cpuBytesCopied", "pteWrites", "regionOps"];
export const STEADY_HEADERS = ["semantics", "bytes", "transfers", "single shot µs", "steady µs", "CPU bytes copied", "PTE writes", "region ops"];

/** steadyCells: a row's cells, in STEADY_HEADERS order. */
export function steadyCells(r: SteadyRow): (string | number)[] {
  return [r.semantics, r.bytes, r.transfers, r.singleUs, r.steadyUs, r.cpuBytesCopied, r.pteWrites, r.regionOps];
}

/** Round trips of a steady-state run (the first is the warm-up). */
export const STEADY_ROUNDS = 8;

const B_IP = 0x0a000002, A_IP = 0x0a000001;

/** runSteady: rounds round trips of one datagram under opts.semantics on one pair; its row. */
export async function runSteady(opts: DatagramOptions & { rounds?: number }): Promise<SteadyRow> {
  const s = semanticsByName(opts.semantics);
  const rounds = opts.rounds ?? STEADY_ROUNDS;
  if (!Number.isInteger(rounds) || rounds < 2) throw new RangeError(`steady bench: rounds must be an integer >= 2, got ${rounds}`);
  const pair = await DatagramPair.create(opts);
  const { world, a, b, pa, pb, bytes } = pair;
  const system = s.buffers === "system";
  const ends = [
    { p: pa, fd: pair.fa, buf: pair.va, ip: A_IP, port: 1000 },
    { p: pb, fd: pair.fb, buf: pair.vb, ip: B_IP, port: 2000 },
  ];
  let src = pair.va;
  if (system) {
    src = pa.mmap(bytes);
    pa.store(src, pair.data);
  }
  const lat: number[] = [];
  let c0: [Counters, Counters] | null = null;
  let last = { at: 0, p: pb };
  for (let i = 0; i < 2 * rounds; i++) {
    const from = ends[i & 1], to = ends[1 - (i & 1)];
    if (i === 2) c0 = [a.counters(), b.counters()];
    world.run();
    const rx = to.p.postRecv(to.fd, system ? 0 : to.buf, bytes, { sem: s.sem });
    world.run();
    const t0 = Math.max(from.p.clock, world.now);
    from.p.clock = t0;
    from.p.sendto(from.fd, src, bytes, { ip: to.ip, port: to.port, sem: s.sem });
    const got = rx.wait();
    if (s.integrity === "weak") from.p.iowait();
    if (got.len !== bytes) throw new Error(`steady bench: ${s.name}, ${bytes} bytes: transfer ${i} delivered ${got.len} bytes`);
    lat.push(got.at - t0);
    src = system ? got.va : to.buf;
    last = { at: src, p: to.p };
  }
  world.run();
  const diff = firstDifference(last.p.load(last.at, bytes), pair.data);
  if (diff >= 0) throw new Error(`steady bench: ${s.name}, ${bytes} bytes: the last datagram differs from the first, at byte ${diff}`);
  const n = lat.length - 2;
  const da = diffCounters(c0![0], a.counters()), db = diffCounters(c0![1], b.counters());
  const per = (k: keyof Counters) => round3((da[k] + db[k]) / n);
  return {
    semantics: s.name,
    bytes,
    transfers: lat.length,
    singleUs: round3(lat[0] / 1000),
    steadyUs: round3(lat.slice(2).reduce((x, y) => x + y, 0) / n / 1000),
    cpuBytesCopied: per("bytesCopied"),
    pteWrites: per("pteWrites"),
    regionOps: per("regionOps"),
  };
}
