// drivers/nicpost.ts — keeping receive buffers posted: plain frames on every queue, or the
// layout of a receive plan (drivers/rxlayout.ts) on a steered queue, renewed when its
// receive completes and ended when nobody waits for it any more; and early demultiplexing
// (steering a UDP port to a queue of its own).

import { Errno, FrameKind, NIC_HDR_SLOT, NIC_QUEUES, NIC_RX_DESCS, NicFeature, NicReg, NicRx, NicStatus, PAGE_SHIFT, PAGE_SIZE } from "../base/abi";
import { nicWrite } from "../base/host";
import { frameAlloc, frameRef, frameRelease } from "../vm/frame";
import { END, hdrSlotPa, KEEP, kernelFrame, MAX_NICS, Nic, nics, RENEW, RX_HDR_FRAMES, rxDesc, RxQueue } from "./nicdev";
import { planAgain, planDescs, planPost, planRelease, RxPieces, RxPlan } from "./rxlayout";
import { spin } from "../base/panic";

/** The buffers of the packet being posted (one posting at a time). */
const rxPieces = new RxPieces();

/** rxSetup: give receive queue q a ring and keep `want` buffers posted; 0 or -ENOMEM. */
export function rxSetup(n: Nic, q: i32, want: u32): i32 {
  const r = n.rx[q];
  if (r.ring == 0) {
    r.ring = kernelFrame();
    if (r.ring == 0) return -Errno.ENOMEM;
    for (let i = 0; i < RX_HDR_FRAMES; i++) {
      r.hdr[i] = kernelFrame();
      if (r.hdr[i] == 0) return -Errno.ENOMEM;
    }
    r.head = r.tail = 0;
    nicWrite(n.id, NicReg.RX_RING, q, <i32>(r.ring << PAGE_SHIFT));
  }
  r.want = min(want, NIC_RX_DESCS - 1);
  rxRefill(n, q);
  return 0;
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
    spin("drivers/nicpost.ts rxRefill");
    const f = frameAlloc(FrameKind.IOBUF, false);
    if (f == 0) break;
    const d = rxDesc(r, r.tail);
    store<u32>(d + NicRx.HDR_ADDR, n.has(NicFeature.HEADER_SPLIT) ? hdrSlotPa(r.hdr, r.tail) : 0);
    store<u32>(d + NicRx.BUF_ADDR, f << PAGE_SHIFT);
    store<u16>(d + NicRx.BUF_CAP, <u16>PAGE_SIZE & 0xffff); // 4096 fits in 16 bits
    store<u16>(d + NicRx.HDR_CAP, <u16>NIC_HDR_SLOT);
    store<u16>(d + NicRx.STATUS, 0);
    r.posted[r.tail] = f;
    r.tail = (r.tail + 1) % NIC_RX_DESCS;
    posted = true;
  }
  r.short = rxPosted(r) < r.want;
  if (posted) nicWrite(n.id, NicReg.RX_TAIL, q, <i32>r.tail);
}

/** planRefill: post the plan's next packets while they fit. With header patching, one packet
 *  at a time: its headers overwrite bytes of the packet before, saved as it is posted, so it is
 *  posted only once no descriptor of the one before is left (a shorter frame than planned
 *  leaves some, and the device must never hold two buffers over the same bytes). */
function planRefill(n: Nic, q: i32): void {
  const pieces = rxPieces;
  const r = n.rx[q];
  const p = r.plan!;
  let posted = false;
  while (p.next < p.npkts) {
    spin("drivers/nicpost.ts planRefill");
    if (p.patch && (p.next > p.taken || rxPosted(r) > 0)) break;
    const need = planDescs(p, p.next);
    if (rxPosted(r) + need > <u32>NIC_RX_DESCS - 1) break;
    if (!planPost(p, p.next, pieces)) break;
    for (let i = 0; i < pieces.n; i++) {
      frameRef(pieces.frame[i]);
      rxPost(n, r, pieces.pa[i], pieces.cap[i], pieces.frame[i]);
    }
    p.next++;
    posted = true;
  }
  if (posted) nicWrite(n.id, NicReg.RX_TAIL, q, <i32>r.tail);
}

/** rxCompleted: does ring r hold a packet the device completed that no interrupt has taken? */
function rxCompleted(r: RxQueue): bool {
  return r.head != r.tail && (load<u16>(rxDesc(r, r.head) + NicRx.STATUS) & NicStatus.DONE) != 0;
}

/** rxReset: take back every buffer posted on queue q (the device forgets them) and end its plan. */
function rxReset(n: Nic, q: i32): void {
  const r = n.rx[q];
  for (let i = r.head; i != r.tail; i = (i + 1) % NIC_RX_DESCS) {
    if (r.posted[i] != 0) frameRelease(r.posted[i]);
    r.posted[i] = 0;
  }
  r.head = r.tail = 0;
  nicWrite(n.id, NicReg.RX_RING, q, <i32>(r.ring << PAGE_SHIFT));
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
  // A packet the device has completed and the interrupt not yet taken stays in the ring (a
  // reset would lose it uncounted); the plan waits for the next receive.
  if (q == 0 || r.ring == 0 || (r.plan != null && r.plan!.taken > 0) || rxCompleted(r)) {
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
      if (what == KEEP || rxCompleted(r)) continue;
      const next = what == RENEW ? planAgain(r.plan!, n!.features) : null;
      rxReset(n!, q);
      if (next != null) nicPlan(n!, q, next);
      else rxRefill(n!, q);
    }
  }
}

/** nicSteer: early demultiplexing: packets for UDP port go to queue q (0 = default). */
export function nicSteer(n: Nic, port: u32, q: i32): void {
  nicWrite(n.id, NicReg.STEER, <i32>port, q);
}

