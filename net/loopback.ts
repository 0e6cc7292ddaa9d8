// net/loopback.ts — datagrams a machine sends to itself: to the address of one of its NICs, or
// to 127.0.0.0/8. As real stacks do over their loopback interface, they never reach the wire:
//
//   sendto(own address) -> loopOutput: the payload is copied (CPU, counted) into system frames,
//       laid at the page offset of the receive waiting on the port (input alignment, as early
//       demultiplexing does on a NIC), else at offset 0
//   -> udpDeliver, as if it had arrived: the receive's semantics decides how the bytes reach
//       the application (a copy, full pages swapped in, a region of its own)
//
// The output is complete when the call returns (a weak semantics' token too). A port with no
// socket, or a full receive queue, drops the datagram and counts it (NoSocket, SocketFull), as
// for one from the wire. No frame for the copy: ENOBUFS, nothing is delivered.

import { Counter, Errno, FrameKind, PAGE_MASK, PAGE_SHIFT, PAGE_SIZE } from "../base/abi";
import { count } from "../base/stats";
import { frameAlloc } from "../vm/frame";
import { framePtr, paPtr } from "../vm/ram";
import { OutReq } from "../drivers/outreq";
import { MAX_NICS, nics } from "../drivers/nicdev";
import { pktAlloc, PKT_MAX_RUNS } from "../drivers/pkt";
import { dgramFree, dgramNew } from "./dgram";
import { sockWaitOffset, udpDeliver } from "./socket";

/** LOOPBACK_IP: 127.0.0.1, the source of datagrams sent to 127.0.0.0/8. */
export const LOOPBACK_IP: u32 = 0x7f000001;

/** loopSource: the machine's own address ip names (ip itself, or 127.0.0.1), or 0 if ip is
 *  not one of the machine's. */
export function loopSource(ip: u32): u32 {
  if (ip >>> 24 == 127) return LOOPBACK_IP;
  for (let k = 0; k < MAX_NICS; k++) {
    const n = nics[k];
    if (n != null && n.ip == ip) return ip;
  }
  return 0;
}

/** loopOutput: deliver r's payload from (src, sport) to port dport of this machine; 0 or
 *  -ENOBUFS. r is not released (the caller completes it). */
export function loopOutput(src: u32, sport: u32, dport: u32, r: OutReq): i32 {
  const off = sockWaitOffset(dport);
  const d = dgramNew();
  d.src = src;
  d.sport = sport;
  d.dport = dport;
  d.len = r.len;
  // Frames first (nothing is delivered if they run out), one packet per PKT_MAX_RUNS of them.
  const nframes = <i32>((<u64>off + r.len + PAGE_SIZE - 1) >> PAGE_SHIFT);
  for (let i = 0; i < nframes; i++) {
    if (i % PKT_MAX_RUNS == 0) d.pkts.push(pktAlloc());
    const f = frameAlloc(FrameKind.IOBUF, false);
    if (f == 0) { dgramFree(d); return -Errno.ENOBUFS; }
    d.pkts[d.pkts.length - 1].addFrame(f);
  }
  if (d.pkts.length == 0) d.pkts.push(pktAlloc());
  // Copy the payload run by run, frame by frame, from offset off of the first frame.
  let at: u32 = off; // position in the frames
  for (let i = 0; i < r.runPa.length; i++) {
    let pa = r.runPa[i], left = r.runLen[i];
    while (left > 0) {
      const k = <i32>(at >> PAGE_SHIFT);
      const pk = d.pkts[k / PKT_MAX_RUNS];
      const f = pk.frames[k % PKT_MAX_RUNS];
      const n = min(left, PAGE_SIZE - (at & PAGE_MASK));
      memory.copy(framePtr(f) + (at & PAGE_MASK), paPtr(pa), n);
      pk.addRun((f << PAGE_SHIFT) + (at & PAGE_MASK), n);
      at += n;
      pa += n;
      left -= n;
    }
  }
  count(Counter.BytesCopied, r.len);
  udpDeliver(d);
  return 0;
}
