// drivers/nicdev.ts — the driver's state of each NIC: its rings, header slots and receive queues.
//
// The device (tools/host/nic.ts) and the driver share only the layouts in base/abi.ts:
//
//   RAM                                         device registers (host.nicWrite)
//  +-----------------------+                   TX_RING  <- pa of the TX ring
//  | TX ring  (1 frame)    | 256 x 16 B        TX_TAIL  <- doorbell: "descriptors up to here"
//  | TX headers (4 frames) | 256 x 64 B slots  RX_RING q, RX_TAIL q, STEER port -> q
//  | RX ring q (1 frame)   | 128 x 32 B
//  | RX headers q (2 fr.)  | 128 x 64 B slots
//  | RX buffers            | one frame per posted descriptor (IOBUF)
//  +-----------------------+

import { FrameKind, NIC_HDR_SLOT, NIC_QUEUES, NIC_RX_DESC, NIC_RX_DESCS, NIC_TX_DESCS, NicFeature, PAGE_SHIFT, PAGE_SIZE } from "../base/abi";
import { frameAlloc } from "../vm/frame";
import { framePtr } from "../vm/ram";
import { OutReq } from "./outreq";
import { TxPkt } from "./txpkt";
import { RxPlan } from "./rxlayout";

export const MAX_NICS = 2;
export const TX_HDR_FRAMES = (NIC_TX_DESCS * NIC_HDR_SLOT) / PAGE_SIZE;
export const RX_HDR_FRAMES = (NIC_RX_DESCS * NIC_HDR_SLOT) / PAGE_SIZE;

/** What becomes of a receive queue's plan at the next nicRenew (drivers/nicpost.ts). */
export const KEEP: u8 = 0;
export const RENEW: u8 = 1;
export const END: u8 = 2;

export class RxQueue {
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
  short: bool = false; // frames ran out before `want` were posted: post again at the next chance
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

/** The attached NICs, by id. */
export const nics = new StaticArray<Nic | null>(MAX_NICS);

/** kernelFrame: a zeroed frame for the driver's own use (rings, header slots); 0 if none. */
export function kernelFrame(): u32 {
  return frameAlloc(FrameKind.KERNEL, true);
}

/** rxDesc: pointer to descriptor i of receive queue r's ring. */
// @ts-ignore: decorator
@inline export function rxDesc(r: RxQueue, i: u32): usize {
  return framePtr(r.ring) + <usize>i * NIC_RX_DESC;
}

/** hdrSlotPa: physical address of header slot i in the slot frames. */
export function hdrSlotPa(frames: StaticArray<u32>, i: u32): u32 {
  const perFrame = PAGE_SIZE / NIC_HDR_SLOT;
  return (frames[i / perFrame] << PAGE_SHIFT) + (i % perFrame) * NIC_HDR_SLOT;
}

