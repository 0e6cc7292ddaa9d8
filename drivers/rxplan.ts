// drivers/rxplan.ts — receive plans: buffers posted so that a datagram lands where the
// application wants it (input alignment; published mechanism, Genie). The exact posting
// algorithm, header patching included, is our reconstruction in the style of Genie.
//
// A socket with its own receive queue (early demultiplexing) knows, before any packet comes,
// the page offset o and length of the receive it expects. The driver lays the datagram's data
// out over a row of frames as the application's buffer lies over its pages:
//
//   data byte x  ->  layout offset V(x) = lead*4096 + o + x  ->  frame frames[V >> 12], V & 4095
//
// and posts, for each packet k the sender's MTU implies, descriptors covering exactly that
// packet's bytes in the layout (split at frame boundaries):
//
//   header split:      [ header slot ] + data [V(d_k), V(d_k + n_k))
//   no header split:   [V(d_k) - h_k, V(d_k + n_k))   the headers land on the last h_k data
//                      bytes of packet k-1: header patching saves those bytes before packet k
//                      is posted and puts them back once k's headers are parsed (2 h_k bytes
//                      copied per packet, whatever its size); packet 0's headers fall before
//                      the data (in a leading frame if o < h_0)
//
// Whole pages of the layout then swap into the application (kernel/io/swapin.ts). A packet
// that does not fit the plan (another size, out of order) lands elsewhere in the layout: the
// delivery notices and copies those bytes instead. Share semantics posts the application's own
// (wired) frames, so the data lands in place.

import { Counter, ETH_HLEN, FrameKind, NIC_RX_DESCS, NicFeature, PAGE_SIZE } from "../base/abi";
import { count } from "../base/stats";
import { frameAlloc, frameIoDone, frameUnref, frameWire, IoRef } from "../vm/frame";
import { framePtr } from "../vm/ram";
import { fragStep, IP_MAXPAYLOAD } from "../net/frag";
import { IP4_HLEN } from "../net/ipv4";
import { jumboStep, JUMBO_HLEN } from "../net/jumbo";
import { UDP_HLEN } from "../net/udp";

export const PATCH_MAX = 64;

export class RxPlan {
  o: u32 = 0; // page offset of data byte 0
  len: u32 = 0; // data bytes expected
  lead: u32 = 0; // 1 if a leading frame holds packet 0's headers (header patching, o < h_0)
  jumbo: bool = false;
  patch: bool = false; // no header split: header patching
  step: u32 = 0; // IP payload bytes per packet
  ihl: u32 = IP4_HLEN;
  npkts: i32 = 0;
  next: i32 = 0; // next packet to post
  taken: i32 = 0; // packets taken off the ring
  frames: Array<u32> = [];
  /** The frames are the application's, wired (share): released by unwiring, not unref. */
  wired: bool = false;
  saved: StaticArray<u8> = new StaticArray<u8>(PATCH_MAX);
  savedLen: u32 = 0;
  savedV: u32 = 0;
}

// Released plans, reused by later receives.
const pool = new Array<RxPlan>();

/** planNew: a plan for a receive of len bytes at page offset o on a NIC with this MTU. */
export function planNew(o: u32, len: u32, mtu: u32, features: i32): RxPlan {
  let p: RxPlan;
  if (pool.length > 0) {
    p = pool.pop();
    p.next = p.taken = 0;
    p.frames.length = 0;
    p.wired = false;
    p.savedLen = p.savedV = 0;
  } else p = new RxPlan();
  p.o = o;
  p.len = len;
  p.jumbo = len + UDP_HLEN > IP_MAXPAYLOAD;
  p.patch = (features & NicFeature.HEADER_SPLIT) == 0;
  p.ihl = p.jumbo ? JUMBO_HLEN : IP4_HLEN;
  p.step = p.jumbo ? jumboStep(mtu) : fragStep(mtu);
  const ipLen = len + UDP_HLEN;
  if (!p.jumbo && ipLen + IP4_HLEN <= mtu) p.step = ipLen;
  p.npkts = <i32>((ipLen + p.step - 1) / p.step);
  p.lead = p.patch && o < hdrLen(p, 0) ? 1 : 0;
  const nframes = (p.lead * PAGE_SIZE + o + len + PAGE_SIZE - 1) / PAGE_SIZE;
  for (let i: u32 = 0; i < nframes; i++) p.frames.push(0);
  return p;
}

/** planUseFrames: the plan lays data straight into these (application) frames, which it wires. */
export function planUseFrames(p: RxPlan, frames: Array<u32>): void {
  p.wired = true;
  for (let i = 0; i < frames.length && i < p.frames.length; i++) {
    frameWire(frames[i]);
    count(Counter.Wires);
    p.frames[i] = frames[i];
  }
}

/** planRelease: the plan is over: drop its hold on its frames (p goes back to the pool). */
export function planRelease(p: RxPlan): void {
  for (let i = 0; i < p.frames.length; i++) {
    const f = p.frames[i];
    if (f == 0) continue;
    if (p.wired) { frameIoDone(f, IoRef.WIRE); count(Counter.Unwires); }
    else frameUnref(f);
    p.frames[i] = 0;
  }
  pool.push(p);
}

/** planHolds: add the plan's frame references to expected (invariant check). */
export function planHolds(p: RxPlan, expected: StaticArray<u32>): void {
  if (p.wired) return;
  for (let i = 0; i < p.frames.length; i++) if (p.frames[i] != 0) expected[p.frames[i]]++;
}

function hdrLen(p: RxPlan, k: i32): u32 {
  return ETH_HLEN + p.ihl + (k == 0 ? UDP_HLEN : 0);
}

/** dataStart / dataEnd: the data bytes [start, end) packet k carries. */
function dataStart(p: RxPlan, k: i32): u32 {
  return k == 0 ? 0 : <u32>k * p.step - UDP_HLEN;
}
function dataEnd(p: RxPlan, k: i32): u32 {
  return min(<u32>(k + 1) * p.step, p.len + UDP_HLEN) - UDP_HLEN;
}

// @ts-ignore: decorator
@inline function layout(p: RxPlan, x: u32): u32 {
  return p.lead * PAGE_SIZE + p.o + x;
}

/** planPlaced: does data byte x lie at pa, where the plan laid it out? */
export function planPlaced(p: RxPlan, x: u32, pa: u32): bool {
  const v = layout(p, x);
  const i = <i32>(v >> 12);
  return i < p.frames.length && p.frames[i] != 0 && ((p.frames[i] << 12) | (v & 4095)) == pa;
}

/** frameAt: the frame holding layout offset v (allocated on first use); 0 if out of frames. */
function frameAt(p: RxPlan, v: u32): u32 {
  const i = v >> 12;
  if (p.frames[i] == 0) p.frames[i] = frameAlloc(FrameKind.IOBUF, false);
  return p.frames[i];
}

/** range: packet k's layout range [s, e), packed as s << 32 | e. */
function range(p: RxPlan, k: i32): u64 {
  let s = layout(p, dataStart(p, k));
  if (p.patch) s -= hdrLen(p, k);
  const e = layout(p, dataEnd(p, k));
  return (<u64>s << 32) | e;
}

/** planDescs: descriptors packet k needs (its layout range split at frame boundaries). */
export function planDescs(p: RxPlan, k: i32): u32 {
  const r = range(p, k);
  const s = <u32>(r >> 32), e = <u32>r;
  return ((e - 1) >> 12) - (s >> 12) + 1;
}

/** The buffers of the packet planPost laid out: `pieces` of them, each a physical address,
 *  a capacity and a frame (a packet spans at most one buffer per descriptor of a ring). */
export const piecePa = new StaticArray<u32>(NIC_RX_DESCS);
export const pieceCap = new StaticArray<u32>(NIC_RX_DESCS);
export const pieceFrame = new StaticArray<u32>(NIC_RX_DESCS);
export let pieces = 0;

/**
 * planPost: lay out packet k's buffers in piecePa / pieceCap / pieceFrame (for the driver to
 * post); false if a frame could not be had. With header patching, the bytes packet k's headers
 * will cover are saved first.
 */
export function planPost(p: RxPlan, k: i32): bool {
  pieces = 0;
  const r = range(p, k);
  let s = <u32>(r >> 32);
  const e = <u32>r;
  if (p.patch && k > 0) {
    // Save the bytes of packet k-1 that k's headers will overwrite.
    const h = hdrLen(p, k);
    p.savedV = s;
    p.savedLen = h;
    copyLayout(p, s, changetype<usize>(p.saved), h, true);
  }
  while (s < e) {
    const f = frameAt(p, s);
    if (f == 0) return false;
    const cap = min(e - s, PAGE_SIZE - (s & 4095));
    piecePa[pieces] = (f << 12) | (s & 4095);
    pieceCap[pieces] = cap;
    pieceFrame[pieces] = f;
    pieces++;
    s += cap;
  }
  return true;
}

/** planSaved: header patching: bytes saved from under the next packet's headers (0: none). */
export function planSaved(p: RxPlan): u32 {
  return p.savedLen;
}

/** planRestore: header patching: put back the saved bytes over packet k's headers (k > 0). */
export function planRestore(p: RxPlan): void {
  if (p.savedLen == 0) return;
  copyLayout(p, p.savedV, changetype<usize>(p.saved), p.savedLen, false);
  p.savedLen = 0;
}

/** copyLayout: copy n bytes between layout offset v and buf (out: layout -> buf), counted. */
function copyLayout(p: RxPlan, v: u32, buf: usize, n: u32, out: bool): void {
  let done: u32 = 0;
  while (done < n) {
    const at = v + done;
    const f = p.frames[at >> 12];
    const k = min(n - done, PAGE_SIZE - (at & 4095));
    const ptr = framePtr(f) + (at & 4095);
    if (out) memory.copy(buf + done, ptr, k);
    else memory.copy(ptr, buf + done, k);
    done += k;
  }
  count(Counter.BytesCopied, n);
}
