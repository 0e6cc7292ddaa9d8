// net/dgram.ts — a UDP datagram ready for a socket: its packets (drivers/pkt.ts) in datagram
// order, one packet or the fragments reassembly put together. Datagrams come from a pool and
// go back to it: no allocation per datagram.

import { Drop } from "../base/abi";
import { dropFrames } from "../base/drop";
import { Pkt, pktFree } from "../drivers/pkt";

/** A UDP datagram ready for a socket: its packets in datagram order. */
export class Dgram {
  pkts: Array<Pkt> = [];
  src: u32 = 0;
  sport: u32 = 0;
  dport: u32 = 0;
  len: u32 = 0; // UDP data bytes
  free: bool = false; // back in the pool
}

const dgrams = new Array<Dgram>();

/** dgramNew: an empty datagram, from the pool (dgramFree returns it). */
export function dgramNew(): Dgram {
  if (dgrams.length == 0) return new Dgram();
  const d = dgrams.pop();
  d.free = false;
  d.src = d.sport = d.dport = d.len = 0;
  return d;
}

/** dgramFree: release every packet of d, and d itself (do not use it afterwards). */
export function dgramFree(d: Dgram): void {
  if (d.free) return;
  for (let i = 0; i < d.pkts.length; i++) pktFree(d.pkts[i]);
  d.pkts.length = 0;
  d.free = true;
  dgrams.push(d);
}

/** dgramFate: d's frames from the wire met fate why: dropped for it, or None (reached a
 *  socket); see base/drop.ts. */
export function dgramFate(d: Dgram, why: Drop): void {
  let n: u64 = 0;
  for (let i = 0; i < d.pkts.length; i++) if (d.pkts[i].wire) n++;
  if (n != 0) dropFrames(why, n);
}
