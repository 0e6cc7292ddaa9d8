// drivers/nictx.ts — transmit: packets into the descriptor ring, the doorbell, completions.
//
// The network layer queues packets (header fields + a slice of an OutReq's runs); the driver
// builds each packet's headers straight into the header slot of its first descriptor, adds the
// payload runs as further descriptors (gather: no payload byte is copied), and rings the
// doorbell. A packet waits in the software queue while the ring is full (a checksum group only
// enters the ring whole). When the device marks a packet DONE the driver drops the packet's
// hold on its OutReq; the last one completes the output.

import { Counter, Ev, NIC_TX_DESC, NIC_TX_DESCS, NicReg, NicStatus, NicTx, NicTxFlag, PAGE_MASK, PAGE_SHIFT } from "../base/abi";
import { nicWrite } from "../base/host";
import { count } from "../base/stats";
import { trace } from "../base/trace";
import { framePtr } from "../vm/ram";
import { hdrSlotPa, Nic } from "./nicdev";
import { OutReq } from "./outreq";
import { TxPkt, txPktFree } from "./txpkt";
import { spin } from "../base/panic";

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
    spin("drivers/nictx.ts nicKick");
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
      txPktFree(t);
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
  const hlen = t.build(t, framePtr(slot >> PAGE_SHIFT) + (slot & PAGE_MASK));
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
export function txReclaim(n: Nic, done: (r: OutReq) => void): void {
  while (n.txHead != n.txTail) {
    spin("drivers/nictx.ts txReclaim");
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

