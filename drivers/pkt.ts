// drivers/pkt.ts — received packets, as they sit in the frames the NIC wrote them into.
//
// A received packet owns the frames the NIC wrote it into. Its UDP data (everything after the
// UDP header in a first fragment, the whole IP payload in a later one) is a list of physical
// runs inside those frames: nothing is copied to describe it.
//
//   Pkt                                   frames (IOBUF)          runs (pa, len) of UDP data
//  +-----------------------------+       +----------------+
//  | src dst id fragOff more     |       | f0: eth ip udp |---->  (f0*4096 + 42, 4054)
//  | sport dport udpLen udpCsum  |       |     data...    |
//  | sum (as it came, csumValid) |       | f1: data...    |---->  (f1*4096, 4096)
//  | frames[], runs[]            |       | f2: data       |---->  (f2*4096, 850)
//  +-----------------------------+       +----------------+
//
// Packets come from a pool and go back to it: no allocation per packet. The network layer
// fills in the header fields and trims the runs to the UDP data; net/dgram.ts strings the
// packets of one datagram together.

import { Counter, FrameKind, PAGE_SHIFT, PAGE_SIZE } from "../base/abi";
import { count } from "../base/stats";
import { frameAlloc, frameUnref, frameRelease } from "../vm/frame";
import { framePtr, paPtr } from "../vm/ram";
import { checkRegisterHolder } from "../vm/check";
import { hold, Tally } from "../vm/tally";

export const PKT_MAX_RUNS = 24;

export class Pkt {
  id: u32 = 0;
  live: bool = false;
  nic: i32 = 0;
  queue: i32 = 0; // the NIC receive queue it came from
  src: u32 = 0;
  dst: u32 = 0;
  ipId: u32 = 0;
  fragOff: u32 = 0; // offset of this packet's IP payload in the datagram's, bytes
  ipLen: u32 = 0; // IP payload bytes in this packet
  more: bool = false;
  sport: u32 = 0;
  dport: u32 = 0;
  udpLen: u32 = 0;
  udpCsum: u32 = 0;
  jumboTotal: u32 = 0; // jumbogram payload length (net/jumbo.ts), 0 for an ordinary datagram
  /** One's-complement sum of the IP payload as it arrived: the device's (checksum offload), or
   *  the CPU's at arrival for a packet laid in the application's own frames (net/ipin.ts). */
  sum: u32 = 0;
  csumValid: bool = false;
  /** It landed in a receive plan's layout (drivers/rxlayout.ts): its frames are the plan's,
   *  shared with its neighbours and bounded by the posted receive, not pinned by it alone. */
  planned: bool = false;
  /** It came off the wire (a NIC received it), not from loopback: its fate is counted
   *  (base/drop.ts). */
  wire: bool = false;
  nframes: i32 = 0;
  frames: StaticArray<u32> = new StaticArray<u32>(PKT_MAX_RUNS);
  nruns: i32 = 0;
  runPa: StaticArray<u32> = new StaticArray<u32>(PKT_MAX_RUNS);
  runLen: StaticArray<u32> = new StaticArray<u32>(PKT_MAX_RUNS);

  /** UDP data bytes in this packet. */
  get dataLen(): u32 {
    let n: u32 = 0;
    for (let i = 0; i < this.nruns; i++) n += unchecked(this.runLen[i]);
    return n;
  }

  /** addRun: UDP data bytes [pa, pa+len) belong to this packet (merged with the previous run if adjacent). */
  addRun(pa: u32, len: u32): void {
    if (len == 0) return;
    const k = this.nruns;
    if (k > 0 && unchecked(this.runPa[k - 1]) + unchecked(this.runLen[k - 1]) == pa) {
      unchecked((this.runLen[k - 1] += len));
      return;
    }
    unchecked((this.runPa[k] = pa));
    unchecked((this.runLen[k] = len));
    this.nruns = k + 1;
  }

  /** trim: keep only bytes [skip, skip+keep) of the runs (drop headers in front, padding behind). */
  trim(skip: u32, keep: u32): void {
    let out = 0;
    let at: u32 = 0;
    const end = skip + keep;
    for (let i = 0; i < this.nruns; i++) {
      const pa = unchecked(this.runPa[i]), len = unchecked(this.runLen[i]);
      const s = max(at, skip), e = min(at + len, end);
      if (s < e) {
        unchecked((this.runPa[out] = pa + (s - at)));
        unchecked((this.runLen[out] = e - s));
        out++;
      }
      at += len;
    }
    this.nruns = out;
  }

  /** addFrame: this packet owns frame f (one reference, released by pktFree). */
  addFrame(f: u32): void {
    unchecked((this.frames[this.nframes++] = f));
  }
}

const pool = new Array<Pkt>();
const freeIds = new Array<u32>();

/** pktAlloc: an empty packet from the pool. */
export function pktAlloc(): Pkt {
  let p: Pkt;
  if (freeIds.length > 0) p = pool[freeIds.pop()];
  else {
    p = new Pkt();
    p.id = pool.length;
    pool.push(p);
  }
  p.live = true;
  p.nframes = 0;
  p.nruns = 0;
  p.csumValid = false;
  p.planned = false;
  p.wire = false;
  p.more = false;
  p.fragOff = 0;
  p.sport = p.dport = p.udpLen = p.udpCsum = p.jumboTotal = 0;
  return p;
}

const moved = new StaticArray<u32>(PKT_MAX_RUNS);

/** pktMoveOut: copy the packet's data into frames of its own (CPU work, counted), runs from
 *  offset 0, and let go of the frames it lay in; false, nothing changed, if frames run out. */
export function pktMoveOut(p: Pkt): bool {
  const n = p.dataLen;
  const k = <i32>((n + PAGE_SIZE - 1) >> PAGE_SHIFT);
  for (let i = 0; i < k; i++) {
    const f = frameAlloc(FrameKind.IOBUF, false);
    if (f == 0) {
      for (let j = 0; j < i; j++) frameUnref(moved[j]);
      return false;
    }
    moved[i] = f;
  }
  let at: u32 = 0;
  for (let r = 0; r < p.nruns; r++) {
    let pa = unchecked(p.runPa[r]), len = unchecked(p.runLen[r]);
    while (len > 0) {
      const c = min(len, PAGE_SIZE - (at & (PAGE_SIZE - 1)));
      memory.copy(framePtr(moved[at >> PAGE_SHIFT]) + (at & (PAGE_SIZE - 1)), paPtr(pa), c);
      at += c;
      pa += c;
      len -= c;
    }
  }
  count(Counter.BytesCopied, n);
  for (let i = 0; i < p.nframes; i++) if (unchecked(p.frames[i]) != 0) frameRelease(unchecked(p.frames[i]));
  p.nframes = 0;
  p.nruns = 0;
  for (let i = 0; i < k; i++) {
    p.addFrame(moved[i]);
    p.addRun(moved[i] << PAGE_SHIFT, min<u32>(PAGE_SIZE, n - (<u32>i << PAGE_SHIFT)));
  }
  p.planned = false;
  return true;
}

/** pktGet: packet by id (a reassembly handle). */
export function pktGet(id: u32): Pkt {
  return pool[id];
}

/** pktFree: release the packet's frames (those not taken by pktTakeFrame) and return it to the pool. */
export function pktFree(p: Pkt): void {
  for (let i = 0; i < p.nframes; i++) {
    const f = unchecked(p.frames[i]);
    if (f != 0) frameRelease(f);
  }
  p.nframes = 0;
  p.nruns = 0;
  p.live = false;
  freeIds.push(p.id);
}

/** pktTakeFrame: the caller takes over the packet's reference on frame f (page swapping); false if not its own. */
export function pktTakeFrame(p: Pkt, f: u32): bool {
  for (let i = 0; i < p.nframes; i++) {
    if (unchecked(p.frames[i]) == f) {
      unchecked((p.frames[i] = 0));
      return true;
    }
  }
  return false;
}

/** pktsLive: packets not yet freed (leak checks). */
export function pktsLive(): i32 {
  return pool.length - freeIds.length;
}

function holds(expected: Tally): void {
  for (let i = 0; i < pool.length; i++) {
    const p = pool[i];
    if (!p.live) continue;
    for (let k = 0; k < p.nframes; k++) {
      const f = p.frames[k];
      if (f != 0) hold(expected, f);
    }
  }
}
checkRegisterHolder(holds);
