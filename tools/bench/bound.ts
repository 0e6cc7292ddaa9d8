// tools/bench/bound.ts — B, the faithful-device bound of one transfer (genie bench wallclock).
//
// What any faithful model of these adapters must do for a transfer, whatever simulates around
// it: gather each packet out of the sender's frames, sum it once (Internet checksum), scatter
// it into the receiver's frames. The frame lists are not invented: they are the (pa, length)
// lists the NIC model really used for one transfer (Nic.dmaLog), and the sums run on the same
// checksum engine (tools/host/hw/csum.ts) over the same RAM. The replay is straight-line code:
//
//   for each packet k:   gather   pieces (pa, n) of the sender's RAM -> buf[at ..)
//                        sum      pieces (pa, n) where they lie (the sender's sums; the
//                                 receiver's only for packets the sender did not sum)
//                        scatter  buf[from, from + n) -> the receiver's RAM at pa
//
// Nothing here is simulated: no descriptors, no events, no kernel. It only reads the sender's
// RAM; the scatter writes a scratch memory laid out as the receiver's (the same offsets, the
// same size), never the receiver's RAM, whose frames may hold other things by the time the
// replay runs: replaying changes nothing the simulation sees.

import { csumEngine, type CsumEngine } from "../host/hw/csum";
import type { DmaLog, Machine } from "../host/index";

/** One packet's byte work: flat (pa, n) pairs, and scatter triples (from, n, pa). */
interface PacketWork {
  gather: Int32Array;
  sum: Int32Array;
  sumOnReceiver: boolean;
  scatter: Int32Array;
  bytes: number;
}

/** BoundReplay: the recorded byte work of one transfer from machine a to machine b, replayable
 *  (reading a's RAM, writing a scratch copy of b's layout). */
export class BoundReplay {
  private readonly packets: PacketWork[] = [];
  private readonly buf: Uint8Array;
  private readonly engineA: CsumEngine;
  private readonly engineB: CsumEngine;
  private readonly scratch: WebAssembly.Memory; // the receiver's memory's stand-in
  private readonly scratchRam: Uint8Array;
  /** Payload bytes the replayed transfer moved (for per-byte figures). */
  readonly wireBytes: number;
  /** A checksum of every sum taken (kept so that no engine call is dead code). */
  sink = 0;

  constructor(log: DmaLog, readonly a: Machine, readonly b: Machine) {
    const pick = (list: number[], stride: number, k: number) => {
      const out: number[] = [];
      for (let i = 0; i < list.length; i += stride) if (list[i] === k) out.push(...list.slice(i + 1, i + stride));
      return Int32Array.from(out);
    };
    if (log.txPackets === 0 || log.txPackets !== log.rxPackets)
      throw new Error(`bound: the recorded transfer sent ${log.txPackets} packets and received ${log.rxPackets}`);
    let largest = 0, total = 0;
    for (let k = 0; k < log.txPackets; k++) {
      const gather = pick(log.gather, 3, k);
      let bytes = 0;
      for (let i = 1; i < gather.length; i += 2) bytes += gather[i];
      const txSum = pick(log.txSum, 3, k);
      const sumOnReceiver = txSum.length === 0;
      this.packets.push({ gather, sum: sumOnReceiver ? pick(log.rxSum, 3, k) : txSum, sumOnReceiver, scatter: pick(log.scatter, 4, k), bytes });
      largest = Math.max(largest, bytes);
      total += bytes;
    }
    this.buf = new Uint8Array(largest);
    this.wireBytes = total;
    this.engineA = csumEngine(a.k.memory);
    const ramB = b.ram;
    this.scratch = new WebAssembly.Memory({ initial: b.k.memory.buffer.byteLength >>> 16 });
    this.scratchRam = new Uint8Array(this.scratch.buffer, ramB.byteOffset, ramB.length);
    this.engineB = csumEngine(this.scratch);
  }

  /** run: the byte work of one transfer, n times over. */
  run(n: number): void {
    const ramA = this.a.ram, ramB = this.scratchRam, buf = this.buf;
    const bufA = ramA.buffer, offA = ramA.byteOffset, offB = ramB.byteOffset;
    let sink = 0;
    for (let it = 0; it < n; it++) {
      for (const p of this.packets) {
        const g = p.gather;
        let at = 0;
        for (let i = 0; i < g.length; i += 2) {
          buf.set(new Uint8Array(bufA, offA + g[i], g[i + 1]), at);
          at += g[i + 1];
        }
        const s = p.sum;
        if (!p.sumOnReceiver) for (let i = 0; i < s.length; i += 2) sink += this.engineA.sum(offA + s[i], s[i + 1]);
        const sc = p.scatter;
        for (let i = 0; i < sc.length; i += 3) ramB.set(new Uint8Array(buf.buffer, sc[i], sc[i + 1]), sc[i + 2]);
        if (p.sumOnReceiver) for (let i = 0; i < s.length; i += 2) sink += this.engineB.sum(offB + s[i], s[i + 1]);
      }
    }
    this.sink = (this.sink + sink) | 0;
  }
}
