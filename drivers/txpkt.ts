// drivers/txpkt.ts — a packet waiting to be sent: the header fields the network layer chose
// (drivers/nictx.ts builds the headers into a descriptor's header slot with t.build) and the
// slice of an output's runs (drivers/outreq.ts) that is its payload.

import { OutReq } from "./outreq";

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

/** txPktFree: t's descriptors are in the ring: it goes back to the pool (its request is not held). */
export function txPktFree(t: TxPkt): void {
  t.req = null;
  txPool.push(t);
}
