// tools/scenarios/peers/relay.ts — what the proxy and modify workloads share: b sends a message
// to a, a does its work on it and sends the result back to b, message after message.
//
//   b (port 3000) --- message ---> a: receive under the scheme into inBuf (move family: a region
//                                     the kernel picks), work(...) returns the buffer to send
//   b (port 2000) <--- result ---- a: sent under the scheme
//
// Under io-lite, a receives each message into a buffer of its pool (in place), the work returns
// the aggregate to send (new buffers chained with the received slices), and a sends it by reference.

import { PAGE_SIZE, Sem, ioLite, pattern, type Aggregate, type Process } from "../../host/index";
import { A_IP, Measure, verify, verifyAt } from "./pair";
import { postBuf, sendBuf, systemBuffers } from "./schemes";
import type { PeerRun } from "./workload";
import type { SettingSpec } from "../settings";

/** The setting of how many messages a relaying workload relays. */
export const MESSAGES: SettingSpec = { key: "messages", label: "Messages", kind: "number", min: 1, max: 64, default: 4, help: "messages relayed" };

export interface Relay {
  /** Messages relayed. */
  messages: number;
  /** Buffers of the message's size the work uses besides the receive buffer. */
  buffers: number;
  /** work: a's work on the message at inBuf; the address of what it sends. */
  work(p: Process, inBuf: number, bufs: number[], n: number): number;
  /** workIoLite: the same work under io-lite, on the received aggregate; the aggregate it sends
   *  (scratch() gives a new page-sized buffer of a's pool, freed after the message). */
  workIoLite(p: Process, agg: Aggregate, n: number, scratch: () => number): Aggregate;
  /** expect: what b must receive for the message data. */
  expect(data: Uint8Array): Uint8Array;
}

/** relay: run r.messages messages through a under run's scheme; the metrics. */
export async function relay(run: PeerRun, r: Relay): Promise<Record<string, number>> {
  const { scheme, bytes: n } = run;
  if (scheme === "io-lite") return relayIoLite(run, r);
  const e = await run.pair(n * (r.buffers + 2));
  if (scheme === "zio") e.pa.zioConfig({});
  const fromB = e.pb.socket();
  e.pb.bind(fromB, 3000);
  e.pb.connect(fromB, A_IP, 1000);
  const inBuf = e.pa.mmap(n), bufs = Array.from({ length: r.buffers }, () => e.pa.mmap(n));
  const cb = e.pb.mmap(n), vb = e.pb.mmap(n);
  bufs.forEach((b) => e.pa.load(b, n));
  e.pa.load(inBuf, n);
  const m = new Measure(e);
  for (let i = 0; i < r.messages; i++) {
    const data = pattern(n, 400 + i);
    e.pb.store(cb, data);
    const rin = postBuf(e.pa, e.fa, inBuf, n, scheme);
    e.pb.sendto(fromB, cb, n, { sem: Sem.COPY });
    const got = rin.wait();
    const at = systemBuffers(scheme) ? got.va : inBuf;
    e.pa.clock = Math.max(e.pa.clock, got.at);
    const outVa = r.work(e.pa, at, bufs, n);
    const rout = e.pb.postRecv(e.fb, vb, n);
    sendBuf(e.pa, e.fa, outVa, n, scheme);
    rout.wait();
    verifyAt(`${run.name} ${scheme} message ${i}`, e.pb, vb, n, r.expect(data));
  }
  return m.metrics(n * r.messages);
}

/** relayIoLite: relay under io-lite; b sends and receives with copy, as in relay. */
async function relayIoLite(run: PeerRun, r: Relay): Promise<Record<string, number>> {
  const n = run.bytes;
  const e = await run.pair(n * 4);
  const io = ioLite(e.pa);
  const fromB = e.pb.socket();
  e.pb.bind(fromB, 3000);
  e.pb.connect(fromB, A_IP, 1000);
  const cb = e.pb.mmap(n), vb = e.pb.mmap(n);
  const pool = io.pool();
  const made: Aggregate = []; // the buffers the work made, freed after each message
  const scratch = () => {
    const va = io.alloc(pool, PAGE_SIZE);
    made.push({ va, len: PAGE_SIZE });
    return va;
  };
  const m = new Measure(e);
  for (let i = 0; i < r.messages; i++) {
    const data = pattern(n, 400 + i);
    e.pb.store(cb, data);
    const rin = io.postRead(e.fa, { pool, len: n });
    e.pb.sendto(fromB, cb, n, { sem: Sem.COPY });
    const got = rin.wait()!;
    if (got.len !== n) throw new Error(`${run.name} io-lite: a receive returned ${got.len} of ${n} bytes`);
    const out = r.workIoLite(e.pa, got.agg, n, scratch);
    const rout = e.pb.postRecv(e.fb, vb, n);
    io.write(e.fa, out);
    io.free(got.agg);
    io.free(made.splice(0));
    rout.wait();
    verify(`${run.name} io-lite message ${i}`, e.pb.load(vb, n), r.expect(data));
  }
  return m.metrics(n * r.messages);
}
