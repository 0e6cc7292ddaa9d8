// net/udpout.ts — the send path: a datagram's payload (an OutReq's runs) onto the wire.
//
//   udpOutput(nic, src port, dst, dst port, req)
//     checksum: the CPU sums the payload where it lies (no copy), or with checksum offload the
//               device does, seeded with the pseudo-header sum
//     fragments: the plan of net/frag.ts; each packet = [headers built in its descriptor's
//                header slot] + [its slice of the payload runs], a gather list
//     -> nicQueue each packet, nicKick
//
// Packets hold their request until the device has sent them (drivers/nic.ts completes it).

import { ETH_HLEN, MAC_PREFIX, NIC_TX_DESCS, NicFeature, NicTxFlag, PAGE_SIZE } from "../base/abi";
import { OutReq } from "../drivers/outreq";
import { Nic } from "../drivers/nicdev";
import { nicKick, nicQueue } from "../drivers/nictx";
import { TxPkt, txPktNew } from "../drivers/txpkt";
import { jumboBuild, jumboCount, jumboPseudo, jumboStep, JUMBO_HLEN } from "./jumbo";
import { etherBuild, ETHERTYPE_IPV4 } from "./ether";
import { fragCount, fragLen, fragMore, fragOff, fragStep, IP_MAXPAYLOAD } from "./frag";
import { ip4Build, IP4_HLEN, IPPROTO_UDP } from "./ipv4";
import { udpBuild, udpCsumField, udpPseudo, udpSetCsum, UDP_HLEN } from "./udp";
import { csumAdd, csumRange, csumU32 } from "./checksum";
import { paPtr } from "../vm/ram";

let nextIpId: u32 = 1;

/** ipMac: the MAC address of an IPv4 address (02:00:a.b.c.d; there is no ARP). */
export function ipMac(ip: u32): u64 {
  return (<u64>MAC_PREFIX << 32) | <u64>ip;
}

/** buildHeaders: Ethernet + IPv4 (+ UDP for the first fragment) of t at ptr; their length. */
function buildHeaders(t: TxPkt, ptr: usize): u32 {
  etherBuild(ptr, t.dstMac, t.srcMac, ETHERTYPE_IPV4);
  let ihl = IP4_HLEN;
  if (t.jumboTotal != 0) {
    jumboBuild(ptr + ETH_HLEN, t.src, t.dst, IPPROTO_UDP, t.ipId, t.ipLen, t.ipOff, t.jumboTotal, t.more);
    ihl = JUMBO_HLEN;
  } else ip4Build(ptr + ETH_HLEN, t.src, t.dst, IPPROTO_UDP, t.ipId, IP4_HLEN + t.ipLen, t.ipOff, t.more, false);
  if (t.ipOff != 0) return ETH_HLEN + ihl;
  const u = ptr + ETH_HLEN + ihl;
  udpBuild(u, t.sport, t.dport, t.udpLen);
  udpSetCsum(u, t.udpCsum);
  return ETH_HLEN + ihl + UDP_HLEN;
}

/** payloadSum: one's-complement sum of r's payload, which starts at UDP message offset 8. */
function payloadSum(r: OutReq): u32 {
  let sum: u32 = 0;
  let at: u32 = UDP_HLEN;
  for (let i = 0; i < r.runPa.length; i++) {
    sum = csumRange(sum, paPtr(r.runPa[i]), r.runLen[i], at);
    at += r.runLen[i];
  }
  return sum;
}

/** udpIpHlen: IP header bytes of each packet of a datagram of len data bytes (a jumbogram's
 *  carry its length option). */
export function udpIpHlen(len: u32): u32 {
  return UDP_HLEN + len > IP_MAXPAYLOAD ? JUMBO_HLEN : IP4_HLEN;
}

/** udpStep: IP payload bytes each packet but the last of a datagram of len data bytes carries
 *  at this MTU (all of them if it needs no fragments): the receive layout's packet geometry. */
export function udpStep(len: u32, mtu: u32): u32 {
  const ipLen = len + UDP_HLEN;
  if (ipLen > IP_MAXPAYLOAD) return jumboStep(mtu);
  return ipLen + IP4_HLEN <= mtu ? ipLen : fragStep(mtu);
}

/** udpOutput: send r's payload as one UDP datagram from sport to (dst, dport) through nic;
 *  0 or -EMSGSIZE. The packets hold r until sent. */
export function udpOutput(n: Nic, sport: u32, dst: u32, dport: u32, r: OutReq): i32 {
  const ipLen = UDP_HLEN + r.len;
  const jumbo = ipLen > IP_MAXPAYLOAD;
  const cnt = jumbo ? jumboCount(ipLen, n.mtu) : fragCount(ipLen, n.mtu);
  if (cnt < 0) return cnt;
  const step = jumbo ? jumboStep(n.mtu) : fragStep(n.mtu);
  const ihl = jumbo ? JUMBO_HLEN : IP4_HLEN;
  const lenField = jumbo ? 0 : ipLen; // a jumbogram's length travels in its IP option
  const id = nextIpId;
  nextIpId = (nextIpId + 1) & 0xffff;
  // The device can sum a datagram only if all its packets fit in the ring at once.
  const descs = <u32>cnt * (2 + (step + PAGE_SIZE - 1) / PAGE_SIZE);
  const offload = n.has(NicFeature.CSUM_OFFLOAD) && descs < <u32>NIC_TX_DESCS;
  const pseudo = jumbo ? jumboPseudo(n.ip, dst, ipLen) : udpPseudo(n.ip, dst, ipLen);
  let field: u32;
  if (offload) {
    field = pseudo; // the device adds header and data, then complements
  } else {
    let sum = csumU32(pseudo, (sport << 16) | dport);
    sum = csumU32(sum, lenField << 16);
    const known = r.paySum(r); // an IO-Lite send's cached sums (kernel/io/iolite.ts)
    field = udpCsumField(csumAdd(sum, known >= 0 ? <u32>known : payloadSum(r)));
  }
  for (let i = 0; i < cnt; i++) {
    const t = txPktNew();
    t.req = r;
    t.build = buildHeaders;
    t.src = n.ip;
    t.dst = dst;
    t.srcMac = ipMac(n.ip);
    t.dstMac = ipMac(dst);
    t.ipId = id;
    if (jumbo) {
      t.ipOff = <u32>i * step;
      t.ipLen = min(step, ipLen - t.ipOff);
      t.more = i < cnt - 1;
      t.jumboTotal = ipLen;
    } else {
      t.ipOff = fragOff(ipLen, n.mtu, i);
      t.ipLen = fragLen(ipLen, n.mtu, i);
      t.more = fragMore(ipLen, n.mtu, i);
    }
    t.sport = sport;
    t.dport = dport;
    t.udpLen = lenField;
    t.udpCsum = field;
    t.dataOff = i == 0 ? 0 : t.ipOff - UDP_HLEN;
    t.dataLen = i == 0 ? t.ipLen - UDP_HLEN : t.ipLen;
    if (offload) {
      t.csumFlags = NicTxFlag.CSUM | (i == cnt - 1 ? NicTxFlag.CSUM_END : 0);
      t.csumStart = ETH_HLEN + ihl;
      t.csumOff = ETH_HLEN + ihl + 6;
    }
    nicQueue(n, t);
  }
  nicKick(n);
  return 0;
}
