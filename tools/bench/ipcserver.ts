// tools/bench/ipcserver.ts — I/O-oriented IPC (the thesis's result 3: with it, user-level
// servers approach kernel-level ones). Our reconstruction, in the style of Genie (docs/data-passing.md §6):
// the protocol server is the kernel's UDP/IP path; placed in the kernel, the client calls it
// directly; placed in a process, every datagram takes one more hop on each machine, a channel
// between the client and the server process, which owns the socket.
//
//   kernel   a: client --sendto(sock)--> NIC ~~~ NIC --> b: client recvfrom(sock)
//   process  a: client --sendto(chan)--> server --sendto(sock)--> NIC ~~~ NIC -->
//            b: server recvfrom(sock) --sendto(chan)--> client recvfrom(chan)
//
// The clients use the row's semantics. The server is I/O-oriented: its own hops use the same
// semantics, except that copy becomes emulated copy (a channel carries the client's copy send
// as an emulated copy anyway: kernel/ipc.ts); it receives into its own buffer (or the region
// the kernel gives it, for the move family) and forwards exactly that. Latency runs from a's client call to the return of
// b's client receive. The only differences are the domain crossings: the extra calls, and the
// data-passing work of the extra hop. To see how the gap moves with CPU speed, every CPU cost of
// the profile is divided by a speed-up factor (the wire stays as it is).

import { COUNTER_NAMES, getProfile, PAGE_SIZE, semanticsByName, type Process, type Profile } from "../host/index";
import { firstDifference } from "../host/pattern";
import { DatagramPair } from "./datagram";
import { round3 } from "./format";

/** One row: the contract course tools read (keep names and order). */
export interface IpcRow {
  semantics: string;
  bytes: number;
  cpuSpeedup: number;
  kernelUs: number;
  processUs: number;
  ratio: number;
}
export const IPC_ROW_KEYS: readonly (keyof IpcRow)[] = ["semantics", "bytes", "cpuSpeedup", "kernelUs", "processUs", "ratio"];
export const IPC_HEADERS = ["semantics", "bytes", "CPU speed-up", "kernel server µs", "process server µs", "process / kernel"];

/** ipcCells: a row's cells, in IPC_HEADERS order. */
export function ipcCells(r: IpcRow): (string | number)[] {
  return [r.semantics, r.bytes, r.cpuSpeedup, r.kernelUs, r.processUs, r.ratio];
}

/** scaledProfile: profile with every CPU cost divided by speedup (a faster CPU, the same wire). */
export function scaledProfile(p: Profile, speedup: number): Profile {
  if (!(speedup > 0)) throw new RangeError(`ipc bench: the CPU speed-up must be > 0, got ${speedup}`);
  const costs = Object.fromEntries(COUNTER_NAMES.map((k) => [k, { ...p.costs[k], ns: p.costs[k].ns / speedup }])) as Profile["costs"];
  return { ...p, name: speedup === 1 ? p.name : `${p.name} (CPU ×${speedup})`, costs };
}

const B_IP = 0x0a000002;

interface Hop {
  p: Process;
  fd: number;
  buf: number;
}

/** runIpc: the datagram through a kernel-level and a process-level protocol server; its row. */
export async function runIpc(opts: { profile: string; semantics: string; bytes: number; cpuSpeedup?: number; seed?: number; kernel?: WebAssembly.Module }): Promise<IpcRow> {
  const s = semanticsByName(opts.semantics);
  const speedup = opts.cpuSpeedup ?? 1;
  const profile = scaledProfile(getProfile(opts.profile), speedup);
  const base = { profile, bytes: opts.bytes, seed: opts.seed, kernel: opts.kernel };
  const kernel = (await DatagramPair.create(base)).transfer(s).latencyUs;

  const pair = await DatagramPair.create(base);
  const { world, pa, pb, bytes, data } = pair;
  const system = s.buffers === "system";
  // Each client opens a channel and forks its server, which keeps the other end and the socket.
  const [ca, cas] = pa.channel();
  const sa = pa.fork();
  const [cb, cbs] = pb.channel();
  const sb = pb.fork();
  const sbuf = (p: Process) => (system ? 0 : p.mmap(bytes + PAGE_SIZE));
  const serverA: Hop = { p: sa, fd: cas, buf: sbuf(sa) }, serverB: Hop = { p: sb, fd: cbs, buf: sbuf(sb) };
  world.run();
  let src = pair.va;
  if (system) {
    src = pa.mmap(bytes);
    pa.store(src, data);
  }
  const sem = { sem: s.sem };
  const server = { sem: (s.name === "copy" ? semanticsByName("emulated-copy") : s).sem };
  const client = pb.postRecv(cb, system ? 0 : pair.vb, bytes, sem);
  const inB = sb.postRecv(pair.fb, serverB.buf, bytes, server);
  const inA = sa.postRecv(serverA.fd, serverA.buf, bytes, server);
  world.run();
  const t0 = Math.max(pa.clock, world.now);
  pa.clock = t0;
  pa.sendto(ca, src, bytes, sem);
  const gotA = inA.wait();
  sa.sendto(pair.fa, system ? gotA.va : serverA.buf, bytes, { ...server, ip: B_IP, port: 2000 });
  const gotB = inB.wait();
  sb.sendto(serverB.fd, system ? gotB.va : serverB.buf, bytes, server);
  const got = client.wait();
  if (got.len !== bytes) throw new Error(`ipc bench: ${s.name}, ${bytes} bytes: the client received ${got.len} bytes`);
  const diff = firstDifference(pb.load(system ? got.va : pair.vb, bytes), data);
  if (diff >= 0) throw new Error(`ipc bench: ${s.name}, ${bytes} bytes: the client's bytes differ from those sent, first at byte ${diff}`);
  const processUs = round3((got.at - t0) / 1000);
  return { semantics: s.name, bytes, cpuSpeedup: speedup, kernelUs: kernel, processUs, ratio: round3(processUs / kernel) };
}

// ---- Extensible kernels (the thesis's result 2), our reconstruction -----------------------------
//
// An application handler downloaded into the kernel runs where the kernel-placed server runs:
// on the datagram as it lies in system frames, the moment UDP input hands it over, with no
// domain crossing and no delivery (no page swapped, no receiver woken, no call returning). We
// take that moment from b's trace (the NetDeliver event) and set it beside the same datagram
// delivered to an application process by emulated copy. The handler's own work is left out on
// both sides (it is the same code either way).

/** One row of the extensible-kernel comparison. */
export interface HandlerRow {
  bytes: number;
  handlerUs: number;
  appUs: number;
  ratio: number;
}
export const HANDLER_ROW_KEYS: readonly (keyof HandlerRow)[] = ["bytes", "handlerUs", "appUs", "ratio"];
export const HANDLER_HEADERS = ["bytes", "handler in the kernel µs", "emulated copy to the application µs", "application / handler"];

/** handlerCells: a row's cells, in HANDLER_HEADERS order. */
export function handlerCells(r: HandlerRow): (string | number)[] {
  return [r.bytes, r.handlerUs, r.appUs, r.ratio];
}

/** runHandler: the datagram to an in-kernel handler against emulated copy to the application. */
export async function runHandler(opts: { profile: string; bytes: number; seed?: number; kernel?: WebAssembly.Module }): Promise<HandlerRow> {
  const pair = await DatagramPair.create({ profile: opts.profile, bytes: opts.bytes, seed: opts.seed, kernel: opts.kernel });
  pair.b.setTrace(true);
  const from = pair.b.traceLog.length;
  const row = pair.transfer(semanticsByName("emulated-copy"));
  const deliver = pair.b.traceLog.slice(from).find((e) => e.kind === "NetDeliver");
  if (!deliver) throw new Error("handler bench: the datagram never reached UDP input on b");
  const handlerUs = round3((deliver.t - pair.sentAt) / 1000);
  return { bytes: opts.bytes, handlerUs, appUs: row.latencyUs, ratio: round3(row.latencyUs / handlerUs) };
}
