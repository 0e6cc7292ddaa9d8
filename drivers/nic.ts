// drivers/nic.ts — the NIC driver: attaching a NIC, its interrupt handler.
//
// The driver, by mechanism: the state of each NIC and the shared layouts (drivers/nicdev.ts),
// transmit (drivers/nictx.ts), posting receive buffers (drivers/nicpost.ts), receive
// (drivers/nicrx.ts), input alignment (drivers/rxlayout.ts), header patching
// (drivers/headerpatch.ts).
//
// Receive: queue 0 always has buffers posted (one frame each), unless frames ran out: then a
// frame the adapter misses interrupts (receiver overrun), is counted (Drop.NoBuffer) and the
// driver posts again. Steered queues (early demux)
// get buffers when a socket asks for them. The interrupt handler takes every DONE packet,
// gives its buffers to a Pkt, re-posts fresh frames, and passes the Pkt up through the input
// function the kernel hands it (net/ipin.ts netInput): the driver never calls the network
// layer by name.

import { Counter, Drop, Errno, NIC_QUEUES, NIC_RX_DESCS, NicReg, PAGE_SHIFT } from "../base/abi";
import { dropCount, dropFrames } from "../base/drop";
import { nicRead, nicWrite } from "../base/host";
import { count } from "../base/stats";
import { checkRegisterHolder } from "../vm/check";
import { KEEP, kernelFrame, MAX_NICS, Nic, nics, RX_HDR_FRAMES, TX_HDR_FRAMES } from "./nicdev";
import { nicKick, txReclaim } from "./nictx";
import { nicRenew, rxRefill, rxSetup } from "./nicpost";
import { rxTake, RxView } from "./nicrx";
import { OutReq } from "./outreq";
import { Pkt } from "./pkt";
import { planHolds } from "./rxlayout";
import { hold, Tally } from "../vm/tally";

/** nicAttach: set up NIC id (rings, header slots, default receive buffers); 0 or -ENOMEM/-EBUSY. */
export function nicAttach(id: i32, mtu: u32, features: i32, ip: u32): i32 {
  if (nics[id] != null) return -Errno.EBUSY;
  const n = new Nic(id);
  n.mtu = mtu;
  n.features = features;
  n.ip = ip;
  n.txRing = kernelFrame();
  if (n.txRing == 0) return -Errno.ENOMEM;
  for (let i = 0; i < TX_HDR_FRAMES; i++) {
    n.txHdr[i] = kernelFrame();
    if (n.txHdr[i] == 0) return -Errno.ENOMEM;
  }
  nics[id] = n;
  nicWrite(id, NicReg.TX_RING, 0, <i32>(n.txRing << PAGE_SHIFT));
  if (rxSetup(n, 0, NIC_RX_DESCS - 1) < 0) return -Errno.ENOMEM;
  return 0;
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
  const starved = missed(id); // the adapter found a ring empty: post again below
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
    if ((got || starved || r.short) && r.renew == KEEP) rxRefill(n, q);
  }
  nicRenew(); // the layouts whose datagram was delivered, here or on another NIC
}

/** nicReplenish: post buffers on every queue that ran short of frames (any interrupt may find
 *  frames free again: the timer's calls this). */
export function nicReplenish(): void {
  for (let k = 0; k < MAX_NICS; k++) {
    const n = nics[k];
    if (n == null) continue;
    for (let q = 0; q < NIC_QUEUES; q++) {
      const r = n.rx[q];
      if (r.ring != 0 && r.short && r.renew == KEEP) rxRefill(n, q);
    }
  }
}

/** missed: count the frames the adapter missed for want of a posted buffer (Drop.NoBuffer);
 *  true if it missed any (a ring ran dry: out of frames, the driver could not post again). */
function missed(id: i32): bool {
  const m = nicRead(id, NicReg.RX_MISSED, 0);
  if (m <= 0) return false;
  dropCount(Drop.NoBuffer, <u64>m);
  dropFrames(Drop.NoBuffer, <u64>m);
  return true;
}

function holds(expected: Tally): void {
  for (let k = 0; k < MAX_NICS; k++) {
    const n = nics[k];
    if (n == null) continue;
    hold(expected, n.txRing);
    for (let i = 0; i < TX_HDR_FRAMES; i++) hold(expected, n.txHdr[i]);
    for (let q = 0; q < NIC_QUEUES; q++) {
      const r = n.rx[q];
      if (r.ring == 0) continue;
      hold(expected, r.ring);
      for (let i = 0; i < RX_HDR_FRAMES; i++) hold(expected, r.hdr[i]);
      for (let i = 0; i < NIC_RX_DESCS; i++) if (r.posted[i] != 0) hold(expected, r.posted[i]);
      if (r.plan != null) planHolds(r.plan!, expected);
    }
  }
}
checkRegisterHolder(holds);

