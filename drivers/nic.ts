// drivers/nic.ts — the NIC driver: descriptor rings, doorbells, the interrupt handler.
//
// The device (tools/host/nic.ts) and this driver share only the layouts in base/abi.ts:
//
//   RAM                                         device registers (host.nicWrite)
//  +-----------------------+                   TX_RING  <- pa of the TX ring
//  | TX ring  (1 frame)    | 256 x 16 B        TX_TAIL  <- doorbell: "descriptors up to here"
//  | TX headers (4 frames) | 256 x 64 B slots  RX_RING q, RX_TAIL q, STEER port -> q
//  | RX ring q (1 frame)   | 128 x 32 B
//  | RX headers q (2 fr.)  | 128 x 64 B slots
//  | RX buffers            | one frame per posted descriptor (IOBUF)
//  +-----------------------+
//
// Transmit: the network layer queues packets (header fields + a slice of an OutReq's runs);
// the driver builds each packet's headers straight into the header slot of its first
// descriptor, adds the payload runs as further descriptors (gather: no payload byte is
// copied), and rings the doorbell. A packet waits in the software queue while the ring is full
// (a checksum group only enters the ring whole). When the device marks a packet DONE the
// driver drops the packet's hold on its OutReq; the last one completes the output.
//
// Receive: queue 0 always has buffers posted (one frame each). Steered queues (early demux)
// get buffers when a socket asks for them. The interrupt handler takes every DONE packet,
// gives its buffers to a Pkt, re-posts fresh frames, and passes the Pkt up (net/ipin.ts).

import { Counter, Ev, FrameKind, NIC_HDR_SLOT, NIC_QUEUES, NIC_RX_DESC, NIC_RX_DESCS, NIC_TX_DESC, NIC_TX_DESCS, NicFeature, NicReg, NicRx, NicStatus, NicTx, NicTxFlag, PAGE_SIZE } from "../base/abi";
import { count } from "../base/stats";
import { trace } from "../base/trace";
import { frameAlloc, frameRef, frameUnref } from "../vm/frame";
import { framePtr, paPtr } from "../vm/ram";
import { checkRegisterHolder } from "../vm/check";
import { OutReq } from "../kernel/io/outreq";
import { Pkt, pktAlloc, PKT_MAX_RUNS } from "../net/pkt";
import { pieceCap, pieceFrame, piecePa, pieces, planDescs, planHolds, planNew, planPost, planPlaced, planRelease, planRestore, planSaved, RxPlan } from "./rxplan";
import { nicWrite } from "../base/host";

export const MAX_NICS = 2;
const TX_HDR_FRAMES = (NIC_TX_DESCS * NIC_HDR_SLOT) / PAGE_SIZE;
const RX_HDR_FRAMES = (NIC_RX_DESCS * NIC_HDR_SLOT) / PAGE_SIZE;

/** A packet waiting to be sent: its headers are built when it enters the ring. */
export class TxPkt {
  req: OutReq | null = null;
  /** Builds the headers into the slot at ptr (slot pa for checksum offsets); returns their length. */
  build: (t: TxPkt, ptr: usize) => u32 = noHeaders;
  // header fields, for the builder
  src: u32 = 0;
  dst: u32 = 0;
  srcMac: u64 = 0;
  dstMac: u64 = 0;
  ipId: u32 = 0;
  ipOff: u32 = 0;
  ipLen: u32 = 0;
  more: bool = false;
  sport: u32 = 0;
  dport: u32 = 0;
  udpLen: u32 = 0;
  udpCsum: u32 = 0;
  /** Jumbogram payload length (net/jumbo.ts), 0 for an ordinary datagram. */
  jumboTotal: u32 = 0;
  /** Payload slice of req's runs carried by this packet. */
  dataOff: u32 = 0;
  dataLen: u32 = 0;
  /** Checksum offload: CSUM (and CSUM_END on the group's last packet); 0 without. */
  csumFlags: i32 = 0;
  csumStart: u32 = 0;
  csumOff: u32 = 0;

  /** clear: every field back to its initial value (a packet taken from the pool). */
  clear(): void {
    this.req = null;
    this.build = noHeaders;
    this.src = this.dst = this.ipId = this.ipOff = this.ipLen = 0;
    this.srcMac = this.dstMac = 0;
    this.more = false;
    this.sport = this.dport = this.udpLen = this.udpCsum = this.jumboTotal = 0;
    this.dataOff = this.dataLen = 0;
    this.csumFlags = 0;
    this.csumStart = this.csumOff = 0;
  }
}

function noHeaders(t: TxPkt, ptr: usize): u32 {
  return 0;
}

// Packets come from a pool and go back to it once their descriptors are in the ring: no
// allocation per packet.
const txPool = new Array<TxPkt>();

/** txPktNew: a packet with every field at its initial value. */
export function txPktNew(): TxPkt {
  if (txPool.length == 0) return new TxPkt();
  const t = txPool.pop();
  t.clear();
  return t;
}

const KEEP: u8 = 0;
const RENEW: u8 = 1;
const END: u8 = 2;

class RxQueue {
  /** Buffers laid out for an expected receive (drivers/rxplan.ts), or null: one frame each. */
  plan: RxPlan | null = null;
  /** What becomes of the plan at the next nicRenew: KEEP it, RENEW it (its receive completed:
   *  lay out the next one), or END it (nobody waits: plain buffers). */
  renew: u8 = KEEP;
  ring: u32 = 0; // frame of the descriptor ring (0 = queue not set up)
  hdr: StaticArray<u32> = new StaticArray<u32>(RX_HDR_FRAMES);
  head: u32 = 0; // next descriptor the device completes
  tail: u32 = 0; // next descriptor to post
  posted: StaticArray<u32> = new StaticArray<u32>(NIC_RX_DESCS); // buffer frame per descriptor
  want: u32 = 0; // buffers to keep posted
}

export class Nic {
  features: i32 = 0;
  mtu: u32 = 1500;
  ip: u32 = 0;
  txRing: u32 = 0;
  txHdr: StaticArray<u32> = new StaticArray<u32>(TX_HDR_FRAMES);
  txHead: u32 = 0; // oldest descriptor not yet reclaimed
  txTail: u32 = 0; // next free descriptor
  txReq: StaticArray<OutReq | null> = new StaticArray<OutReq | null>(NIC_TX_DESCS); // on each packet's last descriptor
  txEop: StaticArray<bool> = new StaticArray<bool>(NIC_TX_DESCS);
  txq: Array<TxPkt> = []; // waiting for ring space: txq[txqHead ..]
  txqHead: i32 = 0;
  rx: StaticArray<RxQueue> = new StaticArray<RxQueue>(NIC_QUEUES);
  constructor(public id: i32) {
    for (let q = 0; q < NIC_QUEUES; q++) this.rx[q] = new RxQueue();
  }
  has(f: NicFeature): bool {
    return (this.features & f) != 0;
  }
}

export const nics = new StaticArray<Nic | null>(MAX_NICS);

function kernelFrame(): u32 {
  return frameAlloc(FrameKind.KERNEL, true);
}

/** nicAttach: set up NIC id (rings, header slots, default receive buffers); 0 or -ENOMEM/-EBUSY. */
export function nicAttach(id: i32, mtu: u32, features: i32, ip: u32): i32 {
  if (nics[id] != null) return -16;
  const n = new Nic(id);
  n.mtu = mtu;
  n.features = features;
  n.ip = ip;
  n.txRing = kernelFrame();
  if (n.txRing == 0) return -12;
  for (let i = 0; i < TX_HDR_FRAMES; i++) {
    n.txHdr[i] = kernelFrame();
    if (n.txHdr[i] == 0) return -12;
  }
  nics[id] = n;
  nicWrite(id, NicReg.TX_RING, 0, <i32>(n.txRing << 12));
  if (rxSetup(n, 0, NIC_RX_DESCS - 1) < 0) return -12;
  return 0;
}

/** rxSetup: give receive queue q a ring and keep `want` buffers posted; 0 or -ENOMEM. */
export function rxSetup(n: Nic, q: i32, want: u32): i32 {
  const r = n.rx[q];
  if (r.ring == 0) {
    r.ring = kernelFrame();
    if (r.ring == 0) return -12;
    for (let i = 0; i < RX_HDR_FRAMES; i++) {
      r.hdr[i] = kernelFrame();
      if (r.hdr[i] == 0) return -12;
    }
    r.head = r.tail = 0;
    nicWrite(n.id, NicReg.RX_RING, q, <i32>(r.ring << 12));
  }
  r.want = min(want, NIC_RX_DESCS - 1);
  rxRefill(n, q);
  return 0;
}

// @ts-ignore: decorator
@inline function rxDesc(r: RxQueue, i: u32): usize {
  return framePtr(r.ring) + <usize>i * NIC_RX_DESC;
}

function hdrSlotPa(frames: StaticArray<u32>, i: u32): u32 {
  const perFrame = PAGE_SIZE / NIC_HDR_SLOT;
  return (frames[i / perFrame] << 12) + (i % perFrame) * NIC_HDR_SLOT;
}

/** rxPosted: buffers posted on queue q and not yet filled. */
export function rxPosted(r: RxQueue): u32 {
  return (r.tail + NIC_RX_DESCS - r.head) % NIC_RX_DESCS;
}

/** rxPost: post one buffer (pa, cap) in frame f (whose reference the descriptor takes). */
function rxPost(n: Nic, r: RxQueue, pa: u32, cap: u32, f: u32): void {
  const d = rxDesc(r, r.tail);
  store<u32>(d + NicRx.HDR_ADDR, n.has(NicFeature.HEADER_SPLIT) ? hdrSlotPa(r.hdr, r.tail) : 0);
  store<u32>(d + NicRx.BUF_ADDR, pa);
  store<u16>(d + NicRx.BUF_CAP, <u16>cap);
  store<u16>(d + NicRx.HDR_CAP, <u16>NIC_HDR_SLOT);
  store<u16>(d + NicRx.STATUS, 0);
  r.posted[r.tail] = f;
  r.tail = (r.tail + 1) % NIC_RX_DESCS;
}

/** rxRefill: post buffers on queue q: the next packets of its plan, or fresh frames until
 *  `want` are posted (or frames run out). */
export function rxRefill(n: Nic, q: i32): void {
  const r = n.rx[q];
  if (r.plan != null) return planRefill(n, q);
  let posted = false;
  while (rxPosted(r) < r.want) {
    const f = frameAlloc(FrameKind.IOBUF, false);
    if (f == 0) break;
    const d = rxDesc(r, r.tail);
    store<u32>(d + NicRx.HDR_ADDR, n.has(NicFeature.HEADER_SPLIT) ? hdrSlotPa(r.hdr, r.tail) : 0);
    store<u32>(d + NicRx.BUF_ADDR, f << 12);
    store<u16>(d + NicRx.BUF_CAP, <u16>PAGE_SIZE & 0xffff); // 4096 fits in 16 bits
    store<u16>(d + NicRx.HDR_CAP, <u16>NIC_HDR_SLOT);
    store<u16>(d + NicRx.STATUS, 0);
    r.posted[r.tail] = f;
    r.tail = (r.tail + 1) % NIC_RX_DESCS;
    posted = true;
  }
  if (posted) nicWrite(n.id, NicReg.RX_TAIL, q, <i32>r.tail);
}

/** planRefill: post the plan's next packets while they fit. With header patching, one packet
 *  at a time: its headers overwrite bytes of the packet before, saved as it is posted, so it is
 *  posted only once no descriptor of the one before is left (a shorter frame than planned
 *  leaves some, and the device must never hold two buffers over the same bytes). */
function planRefill(n: Nic, q: i32): void {
  const r = n.rx[q];
  const p = r.plan!;
  let posted = false;
  while (p.next < p.npkts) {
    if (p.patch && (p.next > p.taken || rxPosted(r) > 0)) break;
    const need = planDescs(p, p.next);
    if (rxPosted(r) + need > <u32>NIC_RX_DESCS - 1) break;
    if (!planPost(p, p.next)) break;
    for (let i = 0; i < pieces; i++) {
      frameRef(pieceFrame[i]);
      rxPost(n, r, piecePa[i], pieceCap[i], pieceFrame[i]);
    }
    p.next++;
    posted = true;
  }
  if (posted) nicWrite(n.id, NicReg.RX_TAIL, q, <i32>r.tail);
}

/** rxReset: take back every buffer posted on queue q (the device forgets them) and end its plan. */
function rxReset(n: Nic, q: i32): void {
  const r = n.rx[q];
  for (let i = r.head; i != r.tail; i = (i + 1) % NIC_RX_DESCS) {
    if (r.posted[i] != 0) frameUnref(r.posted[i]);
    r.posted[i] = 0;
  }
  r.head = r.tail = 0;
  nicWrite(n.id, NicReg.RX_RING, q, <i32>(r.ring << 12));
  if (r.plan != null) planRelease(r.plan!);
  r.plan = null;
  r.renew = KEEP;
}

/**
 * nicPlan: lay out queue q's buffers for plan p (replacing a plan no packet has reached yet;
 * a plan with packets in flight is kept, and p released). Queue 0 is never planned.
 */
export function nicPlan(n: Nic, q: i32, p: RxPlan): void {
  const r = n.rx[q];
  if (q == 0 || r.ring == 0 || (r.plan != null && r.plan!.taken > 0)) {
    planRelease(p);
    return;
  }
  rxReset(n, q);
  r.plan = p;
  planRefill(n, q);
}

/** nicPlanDone: the receive queue q's plan was laid out for has completed: at the next
 *  nicRenew, lay out the next one (same offset and length: the next receive will likely look
 *  the same). */
export function nicPlanDone(n: Nic, q: i32): void {
  const r = n.rx[q];
  if (q > 0 && r.plan != null && r.renew == KEEP) r.renew = RENEW;
}

/** nicPlanEnd: nobody waits for queue q's plan any more (the receiver died, the socket
 *  closed): at the next nicRenew, take its buffers back and post plain ones. */
export function nicPlanEnd(n: Nic, q: i32): void {
  const r = n.rx[q];
  if (q > 0 && r.plan != null) r.renew = END;
}

/**
 * nicRenew: renew or end the plans marked so, on every NIC (a receive's plan may hold the
 * application's own frames: the device must not keep them once the receive is over). A queue
 * with a completed packet its interrupt has not taken yet is left for that interrupt, which
 * calls this again.
 */
export function nicRenew(): void {
  for (let k = 0; k < MAX_NICS; k++) {
    const n = nics[k];
    if (n == null) continue;
    for (let q = 1; q < NIC_QUEUES; q++) {
      const r = n!.rx[q];
      const what = r.renew;
      if (what == KEEP || (r.head != r.tail && (load<u16>(rxDesc(r, r.head) + NicRx.STATUS) & NicStatus.DONE) != 0)) continue;
      const pl = r.plan!;
      const o = pl.o, len = pl.len;
      rxReset(n!, q);
      if (what == RENEW) nicPlan(n!, q, planNew(o, len, n!.mtu, n!.features));
      else rxRefill(n!, q);
    }
  }
}

/** rxMisplaced: did packet p, whose data starts at datagram data offset x, land in a layout of
 *  the application's own frames (share) somewhere else than where that layout put byte x? */
export function rxMisplaced(p: Pkt, x: u32): bool {
  if (!p.planned || p.nruns == 0) return false;
  const n = nics[p.nic];
  if (n == null) return false;
  const pl = n!.rx[p.queue].plan;
  return pl != null && pl!.wired && !planPlaced(pl!, x, p.runPa[0]);
}

/** nicSteer: early demultiplexing: packets for UDP port go to queue q (0 = default). */
export function nicSteer(n: Nic, port: u32, q: i32): void {
  nicWrite(n.id, NicReg.STEER, <i32>port, q);
}

// ---- transmit ----------------------------------------------------------------------------------

function txFree(n: Nic): u32 {
  return NIC_TX_DESCS - 1 - (n.txTail + NIC_TX_DESCS - n.txHead) % NIC_TX_DESCS;
}

/** descriptors packet t needs: one for its headers, one per run piece of its payload slice. */
function txDescsNeeded(t: TxPkt): u32 {
  let need: u32 = 1;
  const r = t.req;
  if (r == null || t.dataLen == 0) return need;
  let off = t.dataOff, end = t.dataOff + t.dataLen, at: u32 = 0;
  for (let i = 0; i < r.runPa.length && at < end; i++) {
    const len = r.runLen[i];
    if (at + len > off) need += (min(at + len, end) - max(at, off) + 0xffff) / 0x10000;
    at += len;
  }
  return need;
}

/** nicQueue: queue packet t for sending (it holds one pending count on its request). */
export function nicQueue(n: Nic, t: TxPkt): void {
  if (t.req != null) t.req!.pending++;
  n.txq.push(t);
}

/** nicKick: move queued packets into the ring while they fit, then ring the doorbell. */
export function nicKick(n: Nic): void {
  const q = n.txq;
  let moved = 0;
  while (n.txqHead < q.length) {
    // A checksum group enters the ring whole: packets txq[txqHead .. k).
    let k = n.txqHead, need: u32 = 0;
    do {
      need += txDescsNeeded(q[k]);
      k++;
    } while (k < q.length && (q[k - 1].csumFlags & NicTxFlag.CSUM) != 0 && (q[k - 1].csumFlags & NicTxFlag.CSUM_END) == 0);
    if (need > txFree(n)) break;
    for (; n.txqHead < k; n.txqHead++) {
      const t = q[n.txqHead];
      txPut(n, t);
      t.req = null;
      txPool.push(t);
      moved++;
    }
  }
  // Drop the packets sent from the front of the queue (all at once: no shifting per packet).
  if (n.txqHead == q.length) {
    q.length = 0;
    n.txqHead = 0;
  } else if (n.txqHead >= 64) {
    q.copyWithin(0, n.txqHead);
    q.length -= n.txqHead;
    n.txqHead = 0;
  }
  if (moved > 0) nicWrite(n.id, NicReg.TX_TAIL, 0, <i32>n.txTail);
}

function txDesc(n: Nic, i: u32): usize {
  return framePtr(n.txRing) + <usize>i * NIC_TX_DESC;
}

function txAdd(n: Nic, pa: u32, len: u32, flags: i32): u32 {
  const i = n.txTail;
  const d = txDesc(n, i);
  store<u32>(d + NicTx.ADDR, pa);
  store<u16>(d + NicTx.LEN, <u16>len); // 65536 is written as 0
  store<u16>(d + NicTx.FLAGS, <u16>flags);
  store<u16>(d + NicTx.CSUM_START, 0);
  store<u16>(d + NicTx.CSUM_OFF, 0);
  store<u32>(d + NicTx.STATUS, 0);
  n.txReq[i] = null;
  n.txEop[i] = false;
  n.txTail = (i + 1) % NIC_TX_DESCS;
  return i;
}

function txPut(n: Nic, t: TxPkt): void {
  const first = n.txTail;
  const slot = hdrSlotPa(n.txHdr, first);
  const hlen = t.build(t, framePtr(slot >> 12) + (slot & 4095));
  let last = txAdd(n, slot, hlen, 0);
  let descs = 1;
  const r = t.req;
  if (r != null && t.dataLen > 0) {
    const off = t.dataOff, end = t.dataOff + t.dataLen;
    let at: u32 = 0;
    for (let i = 0; i < r.runPa.length && at < end; i++) {
      const len = r.runLen[i];
      if (at + len > off) {
        let s = max(at, off);
        const e = min(at + len, end);
        while (s < e) {
          const piece = min(e - s, 0x10000);
          last = txAdd(n, r.runPa[i] + (s - at), piece, 0);
          descs++;
          s += piece;
        }
      }
      at += len;
    }
  }
  const d0 = txDesc(n, first);
  if (t.csumFlags != 0) {
    store<u16>(d0 + NicTx.CSUM_START, <u16>t.csumStart);
    store<u16>(d0 + NicTx.CSUM_OFF, <u16>t.csumOff);
  }
  const dl = txDesc(n, last);
  store<u16>(dl + NicTx.FLAGS, <u16>(load<u16>(dl + NicTx.FLAGS) | NicTxFlag.EOP | t.csumFlags));
  n.txReq[last] = t.req;
  n.txEop[last] = true;
  count(Counter.PacketsSent);
  trace(Ev.NetTx, n.id, <i32>(hlen + t.dataLen), descs);
}

/** txReclaim: take back descriptors the device is done with; complete finished outputs. */
function txReclaim(n: Nic, done: (r: OutReq) => void): void {
  while (n.txHead != n.txTail) {
    const d = txDesc(n, n.txHead);
    if ((load<u32>(d + NicTx.STATUS) & NicStatus.DONE) == 0) break;
    count(Counter.DmaBytesOut, <u64>(load<u16>(d + NicTx.LEN) == 0 ? 0x10000 : load<u16>(d + NicTx.LEN)));
    if (n.txEop[n.txHead]) {
      const r = n.txReq[n.txHead];
      n.txReq[n.txHead] = null;
      n.txEop[n.txHead] = false;
      if (r != null && --r.pending == 0) done(r);
    }
    n.txHead = (n.txHead + 1) % NIC_TX_DESCS;
  }
}

// ---- receive ----------------------------------------------------------------------------------

/** Where a received packet's bytes are, for the network layer to parse. */
export class RxView {
  hdr: usize = 0; // pointer to the first header byte (Ethernet)
  hdrLen: u32 = 0; // header bytes contiguous at hdr
  split: bool = false; // headers came in the header buffer; data starts at the first buffer
  len: u32 = 0; // whole packet length
  /** Header patching still to undo once the headers are parsed (see parsed()). */
  plan: RxPlan | null = null;
  scratch: StaticArray<u8> = new StaticArray<u8>(NIC_HDR_SLOT);

  /** parsed: the network layer is done with the headers (or with the packet): undo header
   *  patching if any. */
  parsed(): void {
    if (this.plan != null) planRestore(this.plan!);
    this.plan = null;
  }

  /** patchedOver: would undoing header patching write over data of this packet, whose headers
   *  take hdr bytes (fewer than the plan saved)? */
  patchedOver(hdr: u32): bool {
    return this.plan != null && hdr < planSaved(this.plan!);
  }
}

/**
 * rxTake: the next complete packet on queue q as a Pkt owning its buffers (descriptors freed
 * for re-posting), with v describing where its headers are; null if none is complete.
 */
function rxTake(n: Nic, q: i32, v: RxView): Pkt | null {
  const r = n.rx[q];
  if (r.head == r.tail) return null;
  // Complete only when the EOP descriptor is DONE.
  let i = r.head;
  for (;;) {
    const st = load<u16>(rxDesc(r, i) + NicRx.STATUS);
    if ((st & NicStatus.DONE) == 0) return null;
    if ((st & NicStatus.EOP) != 0) break;
    i = (i + 1) % NIC_RX_DESCS;
    if (i == r.tail) return null;
  }
  const p = pktAlloc();
  p.nic = n.id;
  const d0 = rxDesc(r, r.head);
  const st0 = load<u16>(d0 + NicRx.STATUS);
  v.split = (st0 & NicStatus.SPLIT) != 0;
  v.len = 0;
  if (v.split) {
    const h = load<u32>(d0 + NicRx.HDR_ADDR);
    v.hdr = framePtr(h >> 12) + (h & 4095);
    v.hdrLen = load<u16>(d0 + NicRx.HDR_LEN);
    v.len = v.hdrLen;
  }
  p.csumValid = (st0 & NicStatus.CSUM) != 0;
  p.sum = load<u16>(d0 + NicRx.SUM);
  let first = true;
  for (;;) {
    const d = rxDesc(r, r.head);
    const st = load<u16>(d + NicRx.STATUS);
    const pa = load<u32>(d + NicRx.BUF_ADDR);
    const len = <u32>load<u16>(d + NicRx.LEN);
    if (p.nframes < PKT_MAX_RUNS) {
      p.addFrame(r.posted[r.head]);
      if (first && !v.split) {
        v.hdr = framePtr(pa >> 12) + (pa & 4095);
        v.hdrLen = len;
      }
      p.addRun(pa, len); // the network layer trims the headers off the front
      v.len += len;
    } else frameUnref(r.posted[r.head]); // beyond the largest IP packet (17 pages): padding only
    r.posted[r.head] = 0;
    count(Counter.DmaBytesIn, len);
    store<u16>(d + NicRx.STATUS, 0);
    r.head = (r.head + 1) % NIC_RX_DESCS;
    first = false;
    if ((st & NicStatus.EOP) != 0) break;
  }
  p.queue = q;
  v.plan = null;
  if (r.plan != null) {
    const pl = r.plan!;
    if (pl.patch && pl.taken > 0) v.plan = pl;
    pl.taken++;
    p.planned = true;
  }
  if (!v.split && v.hdrLen < <u32>NIC_HDR_SLOT && v.hdrLen < v.len) gatherHeaders(p, v);
  count(Counter.PacketsReceived);
  trace(Ev.NetRx, n.id, q, <i32>v.len);
  return p;
}

/** gatherHeaders: the headers straddle buffers: copy the packet's first bytes to v.scratch. */
function gatherHeaders(p: Pkt, v: RxView): void {
  const dst = changetype<usize>(v.scratch);
  let got: u32 = 0;
  const want = min(<u32>NIC_HDR_SLOT, v.len);
  for (let i = 0; i < p.nruns && got < want; i++) {
    const n = min(p.runLen[i], want - got);
    memory.copy(dst + got, paPtr(p.runPa[i]), n);
    got += n;
  }
  count(Counter.BytesCopied, got);
  v.hdr = dst;
  v.hdrLen = got;
}

/** One view serves every interrupt (interrupt handlers do not nest). */
const rxView = new RxView();

/**
 * nicIntr: the interrupt handler of NIC id: complete sent packets (calling done for each
 * finished output), then hand every received packet to input, and re-post buffers.
 */
export function nicIntr(id: i32, done: (r: OutReq) => void, input: (p: Pkt, v: RxView) => void): void {
  const n = nics[id];
  if (n == null) return;
  count(Counter.Interrupts);
  txReclaim(n, done);
  nicKick(n);
  const v = rxView;
  // The steered queues first: a packet there may still hold, under its headers, bytes of the
  // datagram that a fragment on queue 0 (a fallback, a duplicate) would complete: header
  // patching puts them back as the packet is parsed, before anything is delivered.
  for (let i = 1; i <= NIC_QUEUES; i++) {
    const q = i % NIC_QUEUES;
    const r = n.rx[q];
    if (r.ring == 0) continue;
    let got = false;
    for (let p = rxTake(n, q, v); p != null; p = rxTake(n, q, v)) {
      input(p, v);
      v.parsed(); // (a packet dropped before its headers were parsed)
      got = true;
    }
    if (got && r.renew == KEEP) rxRefill(n, q);
  }
  nicRenew(); // the layouts whose datagram was delivered, here or on another NIC
}

function holds(expected: StaticArray<u32>): void {
  for (let k = 0; k < MAX_NICS; k++) {
    const n = nics[k];
    if (n == null) continue;
    expected[n.txRing]++;
    for (let i = 0; i < TX_HDR_FRAMES; i++) expected[n.txHdr[i]]++;
    for (let q = 0; q < NIC_QUEUES; q++) {
      const r = n.rx[q];
      if (r.ring == 0) continue;
      expected[r.ring]++;
      for (let i = 0; i < RX_HDR_FRAMES; i++) expected[r.hdr[i]]++;
      for (let i = 0; i < NIC_RX_DESCS; i++) if (r.posted[i] != 0) expected[r.posted[i]]++;
      if (r.plan != null) planHolds(r.plan!, expected);
    }
  }
}
checkRegisterHolder(holds);

