// net/ipin.ts — the receive path: from a packet in NIC buffers to a datagram for a socket.
//
//   nicIntr -> netInput(pkt)   Ethernet, IPv4 checked (each failure dropped and counted once)
//                  | fragment? -> reasm (pieces recorded, no copy) -> complete datagram
//                  v
//              udpInput(dgram)  UDP length and checksum (device sums with checksum offload,
//                               else the CPU sums the data where it lies) -> udpDeliver
//
// Nothing here copies payload: packets stay in the frames the NIC wrote them into, described
// by runs; the receiving semantics (kernel/io) decides how the bytes reach the application.

import { Drop, ETH_HLEN, Ev } from "../base/abi";
import { trace } from "../base/trace";
import { alarmSet, nowNs } from "../base/clock";
import { Pkt, pktFree, pktGet, pktMoveOut } from "../drivers/pkt";
import { Dgram, dgramFate, dgramFree, dgramNew } from "./dgram";
import { dropCount, dropFrames } from "../base/drop";
import { etherCheck } from "./ether";
import { ip4Check, ip4Dst, ip4FragOff, ip4HdrLen, ip4Id, ip4More, ip4Proto, ip4Src, ip4TotLen, IP4_HLEN, IPPROTO_UDP } from "./ipv4";
import { IP_MAXPAYLOAD } from "./frag";
import { jumboBad, jumboOff, jumboParse, jumboPseudo, jumboTotal, JUMBO_MAX_PAYLOAD } from "./jumbo";
import { udpCsum, udpDport, udpLen, udpSport, udpVerify, UDP_HLEN } from "./udp";
import { paPtr } from "../vm/ram";
import { csumAdd, csumRange, csumU32 } from "./checksum";
import { pieceHandle, reasmAdd, reasmDeadline, reasmExpire, reasmFirst, reasmNext, reasmReclaim, reasmRelease, reclaimedWhy } from "./reasm";
import { udpDeliver } from "./socket";
import { nics } from "../drivers/nicdev";
import { rxInAppFrames, rxMisplaced, RxView } from "../drivers/nicrx";
import { PAGE_SHIFT } from "../base/abi";

/** drop: packet p goes, for reason why (already counted by the check that found it, if
 *  counted); its frame's fate is why. */
function drop(p: Pkt, why: Drop, counted: bool): void {
  if (!counted) dropCount(why);
  if (p.wire) dropFrames(why, 1);
  trace(Ev.NetDrop, p.nic, why, 0);
  pktFree(p);
}

/** netInput: a packet the NIC received (v: where its headers are); consumed. */
export function netInput(p: Pkt, v: RxView): void {
  let why = etherCheck(v.hdr, v.hdrLen);
  if (why != Drop.None) return drop(p, why, true);
  const ip = v.hdr + ETH_HLEN;
  why = ip4Check(ip, v.len - <u32>ETH_HLEN);
  if (why != Drop.None) return drop(p, why, true);
  const hl = ip4HdrLen(ip);
  if (v.hdrLen < <u32>ETH_HLEN + hl) return drop(p, Drop.Truncated, false);
  if (ip4Proto(ip) != IPPROTO_UDP) return drop(p, Drop.BadProto, false);
  const n = nics[p.nic];
  if (n != null && ip4Dst(ip) != n.ip && ip4Dst(ip) != 0xffffffff) return drop(p, Drop.NotForUs, false);
  p.src = ip4Src(ip);
  p.dst = ip4Dst(ip);
  p.ipId = ip4Id(ip);
  p.fragOff = ip4FragOff(ip);
  p.more = ip4More(ip);
  p.ipLen = ip4TotLen(ip) - hl;
  if (hl > IP4_HLEN) {
    if (jumboParse(ip, hl)) {
      if (p.fragOff != 0 || jumboTotal <= IP_MAXPAYLOAD || jumboTotal > JUMBO_MAX_PAYLOAD) return drop(p, Drop.BadIpHeader, false);
      p.jumboTotal = jumboTotal;
      p.fragOff = jumboOff;
    } else if (jumboBad != Drop.None) return drop(p, jumboBad, false);
  }
  let skip: u32 = <u32>ETH_HLEN + hl; // bytes before the UDP data in this packet
  if (p.fragOff == 0) {
    if (p.ipLen < UDP_HLEN || v.hdrLen < skip + UDP_HLEN) return drop(p, Drop.Truncated, false);
    const u = ip + hl;
    p.sport = udpSport(u);
    p.dport = udpDport(u);
    p.udpLen = udpLen(u);
    p.udpCsum = udpCsum(u);
    skip += UDP_HLEN;
  }
  // Runs held the whole packet (header split: only what followed the headers).
  const dataLen = p.ipLen - (p.fragOff == 0 ? UDP_HLEN : 0);
  p.trim(v.split ? 0 : skip, dataLen);
  // Header patching: the bytes of the packet before that lie under these headers go back now.
  // Headers shorter than the plan's (an ordinary datagram where it laid out a jumbogram) let
  // this packet's data start among those bytes: it moves out of the layout first (a miss,
  // delivered by copy).
  if (v.patchedOver(skip) && !pktMoveOut(p)) return drop(p, Drop.NoMemory, false);
  v.parsed();
  // Share lays packets straight into the application's frames: one that landed in another's
  // place (out of order) moves out, or a later copy into the buffer could overwrite it first.
  if (rxMisplaced(p, p.fragOff == 0 ? 0 : p.fragOff - UDP_HLEN) && !pktMoveOut(p)) return drop(p, Drop.NoMemory, false);
  if (p.dataLen != dataLen) return drop(p, Drop.Truncated, false);
  // In the application's own frames the data is the adapter's only until its process stores
  // into its buffer (share lets it): sum what the adapter wrote now, before the process runs
  // again, so that such a store can spoil only its own bytes, never the datagram's checksum
  // (docs/data-passing.md §4.4).
  if (!p.csumValid && rxInAppFrames(p)) {
    p.sum = pktSum(p);
    p.csumValid = true;
  }

  if (p.more || p.fragOff != 0) {
    const limit = p.jumboTotal != 0 ? p.jumboTotal : IP_MAXPAYLOAD;
    // A fragment pins whole frames: count them, or tiny fragments could exhaust memory. A
    // fragment in a receive plan's layout pins only its bytes: the plan's frames, shared by
    // neighbouring fragments, are the posted receive's, bounded by its length.
    const pins = p.planned ? 0 : <u32>p.nframes << PAGE_SHIFT;
    const r = reasmAdd(<u64>nowNs, p.src, p.dst, IPPROTO_UDP, p.ipId, p.fragOff, p.ipLen, p.more, p.id, 0, limit, pins);
    reclaim();
    if (r < 0) return drop(p, <Drop>(-r), true);
    if (r == 0) return;
    const d = dgramNew();
    for (let pc = reasmFirst(r); pc != -1; pc = reasmNext(pc)) d.pkts.push(pktGet(pieceHandle(pc)));
    reasmRelease(r);
    udpInput(d);
    return;
  }
  const d = dgramNew();
  d.pkts.push(p);
  udpInput(d);
}

/** netExpire: drop datagrams whose reassembly time ran out (every interrupt calls it). */
export function netExpire(): void {
  reasmExpire(<u64>nowNs);
  reclaim();
}

/** netAlarm: set the timer for the first pending datagram's reassembly timeout (none if no
 *  datagram is pending), so that its fragments are freed even if nothing more arrives. */
export function netAlarm(): void {
  alarmSet(reasmDeadline());
}

/** reclaim: free the packets of datagrams reassembly dropped or expired (their fate: the
 *  reason reassembly dropped their datagram). */
function reclaim(): void {
  for (let h = reasmReclaim(); h >= 0; h = reasmReclaim()) {
    const p = pktGet(<u32>h);
    if (p.wire) dropFrames(reclaimedWhy, 1);
    pktFree(p);
  }
}

/** udpInput: a whole datagram (its packets in order): check UDP, then deliver. */
function udpInput(d: Dgram): void {
  const first = d.pkts[0];
  let ipTotal: u32 = 0;
  for (let i = 0; i < d.pkts.length; i++) ipTotal += d.pkts[i].ipLen;
  const jumbo = first.jumboTotal != 0;
  const ulen = jumbo ? (first.udpLen == 0 ? first.jumboTotal : 0) : first.udpLen;
  if (ulen < UDP_HLEN || ulen > ipTotal) {
    dropCount(Drop.BadUdpLength);
    trace(Ev.NetDrop, first.nic, Drop.BadUdpLength, <i32>ulen);
    dgramFate(d, Drop.BadUdpLength);
    dgramFree(d);
    return;
  }
  if (first.udpCsum != 0 && !checksumOk(d, ulen, ipTotal)) {
    trace(Ev.NetDrop, first.nic, Drop.BadUdpChecksum, <i32>ulen);
    dgramFate(d, Drop.BadUdpChecksum);
    dgramFree(d);
    return;
  }
  if (ulen != ipTotal) trimData(d, ulen - UDP_HLEN);
  d.src = first.src;
  d.sport = first.sport;
  d.dport = first.dport;
  d.len = ulen - UDP_HLEN;
  udpDeliver(d);
}

/** checksumOk: verify the UDP checksum of d (counted as BadUdpChecksum if wrong): each packet's
 *  sum as it arrived if known (device, or CPU at arrival), else the CPU sums it where it lies. */
function checksumOk(d: Dgram, ulen: u32, ipTotal: u32): bool {
  const first = d.pkts[0];
  let sum: u32 = 0;
  if (ulen == ipTotal) {
    // Fragments start at multiples of 8: each packet's sum adds in unshifted.
    for (let i = 0; i < d.pkts.length; i++) {
      const k = d.pkts[i];
      sum = csumAdd(sum, k.csumValid ? k.sum : pktSum(k));
    }
  } else {
    // UDP padding behind the datagram: only its first ulen bytes count.
    sum = csumU32(sum, (first.sport << 16) | first.dport);
    sum = csumU32(sum, (first.udpLen << 16) | first.udpCsum);
    let at: u32 = UDP_HLEN;
    const end = ulen;
    for (let i = 0; i < d.pkts.length && at < end; i++) {
      const k = d.pkts[i];
      for (let j = 0; j < k.nruns && at < end; j++) {
        const n = min(k.runLen[j], end - at);
        sum = csumRange(sum, paPtr(k.runPa[j]), n, at);
        at += n;
      }
    }
  }
  if (first.jumboTotal == 0) return udpVerify(first.src, first.dst, ulen, sum) == Drop.None;
  if (csumAdd(jumboPseudo(first.src, first.dst, ulen), sum) == 0xffff) return true;
  dropCount(Drop.BadUdpChecksum);
  return false;
}

/** pktSum: the CPU's sum of packet p's IP payload (its UDP header, if first, and its data where
 *  it lies). */
function pktSum(p: Pkt): u32 {
  let sum: u32 = 0;
  let at = p.fragOff; // its first byte's offset in the UDP datagram
  if (p.fragOff == 0) {
    sum = csumU32(sum, (p.sport << 16) | p.dport);
    sum = csumU32(sum, (p.udpLen << 16) | p.udpCsum);
    at = UDP_HLEN;
  }
  for (let j = 0; j < p.nruns; j++) {
    sum = csumRange(sum, paPtr(p.runPa[j]), p.runLen[j], at);
    at += p.runLen[j];
  }
  return sum;
}

/** trimData: keep only the first len data bytes of d (the IP datagram had padding after UDP). */
function trimData(d: Dgram, len: u32): void {
  let at: u32 = 0;
  for (let i = 0; i < d.pkts.length; i++) {
    const k = d.pkts[i];
    const n = k.dataLen;
    k.trim(0, at >= len ? 0 : min(n, len - at));
    at += n;
  }
}

