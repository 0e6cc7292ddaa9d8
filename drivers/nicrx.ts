// drivers/nicrx.ts — receive: a completed packet off its queue's ring, as a Pkt owning its
// buffers, and a view of where its headers are for the network layer to parse.
//
// With header split the headers sit in the descriptor's header slot; without it they are the
// first bytes of the first buffer (copied to a scratch buffer if they straddle two). A packet
// in a receive plan's layout may carry header patching still to undo (drivers/headerpatch.ts):
// the view undoes it once the headers are parsed.

import { Counter, Ev, NIC_HDR_SLOT, NIC_RX_DESCS, NicRx, NicStatus, PAGE_MASK, PAGE_SHIFT } from "../base/abi";
import { count } from "../base/stats";
import { trace } from "../base/trace";
import { frameRelease } from "../vm/frame";
import { framePtr, paPtr } from "../vm/ram";
import { patchRestore, patchSaved } from "./headerpatch";
import { Nic, nics, rxDesc } from "./nicdev";
import { Pkt, pktAlloc, PKT_MAX_RUNS } from "./pkt";
import { planPlaced, RxPlan } from "./rxlayout";
import { spin } from "../base/panic";

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
    if (this.plan != null) patchRestore(this.plan!.hp, this.plan!.frames);
    this.plan = null;
  }

  /** patchedOver: would undoing header patching write over data of this packet, whose headers
   *  take hdr bytes (fewer than the plan saved)? */
  patchedOver(hdr: u32): bool {
    return this.plan != null && hdr < patchSaved(this.plan!.hp);
  }
}

/**
 * rxTake: the next complete packet on queue q as a Pkt owning its buffers (descriptors freed
 * for re-posting), with v describing where its headers are; null if none is complete.
 */
export function rxTake(n: Nic, q: i32, v: RxView): Pkt | null {
  const r = n.rx[q];
  if (r.head == r.tail) return null;
  // Complete only when the EOP descriptor is DONE.
  let i = r.head;
  for (;;) {
    spin("drivers/nicrx.ts rxTake");
    const st = load<u16>(rxDesc(r, i) + NicRx.STATUS);
    if ((st & NicStatus.DONE) == 0) return null;
    if ((st & NicStatus.EOP) != 0) break;
    i = (i + 1) % NIC_RX_DESCS;
    if (i == r.tail) return null;
  }
  const p = pktAlloc();
  p.nic = n.id;
  p.wire = true;
  const d0 = rxDesc(r, r.head);
  const st0 = load<u16>(d0 + NicRx.STATUS);
  v.split = (st0 & NicStatus.SPLIT) != 0;
  v.len = 0;
  if (v.split) {
    const h = load<u32>(d0 + NicRx.HDR_ADDR);
    v.hdr = framePtr(h >> PAGE_SHIFT) + (h & PAGE_MASK);
    v.hdrLen = load<u16>(d0 + NicRx.HDR_LEN);
    v.len = v.hdrLen;
  }
  p.csumValid = (st0 & NicStatus.CSUM) != 0;
  p.sum = load<u16>(d0 + NicRx.SUM);
  let first = true;
  for (;;) {
    spin("drivers/nicrx.ts rxTake");
    const d = rxDesc(r, r.head);
    const st = load<u16>(d + NicRx.STATUS);
    const pa = load<u32>(d + NicRx.BUF_ADDR);
    const len = <u32>load<u16>(d + NicRx.LEN);
    if (p.nframes < PKT_MAX_RUNS) {
      p.addFrame(r.posted[r.head]);
      if (first && !v.split) {
        v.hdr = framePtr(pa >> PAGE_SHIFT) + (pa & PAGE_MASK);
        v.hdrLen = len;
      }
      p.addRun(pa, len); // the network layer trims the headers off the front
      v.len += len;
    } else frameRelease(r.posted[r.head]); // beyond the largest IP packet (17 pages): padding only
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

/** rxMisplaced: did packet p, whose data starts at datagram data offset x, land in a layout of
 *  the application's own frames (share) somewhere else than where that layout put byte x? */
export function rxMisplaced(p: Pkt, x: u32): bool {
  if (!p.planned || p.nruns == 0) return false;
  const n = nics[p.nic];
  if (n == null) return false;
  const pl = n!.rx[p.queue].plan;
  return pl != null && pl!.wired && !planPlaced(pl!, x, p.runPa[0]);
}

/** rxInAppFrames: did packet p land in a layout of the application's own frames (share), which
 *  its process may store into while the datagram is still being put together? */
export function rxInAppFrames(p: Pkt): bool {
  if (!p.planned) return false;
  const n = nics[p.nic];
  if (n == null) return false;
  const pl = n!.rx[p.queue].plan;
  return pl != null && pl!.wired;
}
