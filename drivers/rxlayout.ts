// drivers/rxlayout.ts — input alignment: receive buffers laid out so that a datagram lands
// where the application wants it (published mechanism, Genie). The exact posting algorithm is
// our reconstruction in the style of Genie; header patching is in drivers/headerpatch.ts.
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
//                      bytes of packet k-1 (header patching, drivers/headerpatch.ts, saves and
//                      restores them); packet 0's headers fall before the data (in a leading
//                      frame if o < h_0)
//
// The protocol decides the packets' geometry (net/udpout.ts, udpStep and udpIpHlen): every
// packet but the last carries `step` bytes of IP payload behind ETH_HLEN + ihl header bytes,
// and the first one also the thl-byte transport header.
//
// Whole pages of the layout then swap into the application (kernel/io/swapin.ts). A packet
// that does not fit the plan (another size, out of order) lands elsewhere in the layout: the
// delivery notices and copies those bytes instead. Share semantics posts the application's own
// (wired) frames, so the data lands in place.

import { Counter, ETH_HLEN, FrameKind, NIC_RX_DESCS, NicFeature, PAGE_MASK, PAGE_SHIFT, PAGE_SIZE } from "../base/abi";
import { count } from "../base/stats";
import { frameAlloc, frameIoDone, frameUnref, frameWire, IoRef } from "../vm/frame";
import { HeaderPatch, patchSave } from "./headerpatch";
import { panic, spin } from "../base/panic";
import { hold, Tally } from "../vm/tally";

export class RxPlan {
  o: u32 = 0; // page offset of data byte 0
  len: u32 = 0; // data bytes expected
  lead: u32 = 0; // 1 if a leading frame holds packet 0's headers (header patching, o < h_0)
  patch: bool = false; // no header split: header patching
  step: u32 = 0; // IP payload bytes per packet
  ihl: u32 = 0; // IP header bytes of each packet
  thl: u32 = 0; // transport header bytes, in packet 0
  npkts: i32 = 0;
  next: i32 = 0; // next packet to post
  taken: i32 = 0; // packets taken off the ring
  frames: Array<u32> = [];
  /** The frames are the application's, wired (share): released by unwiring, not unref. */
  wired: bool = false;
  /** Header patching: the bytes under the next packet's headers, saved. */
  hp: HeaderPatch = new HeaderPatch();
}

// Released plans, reused by later receives.
const pool = new Array<RxPlan>();

/** planNew: a plan for a receive of len bytes at page offset o, in packets of step bytes of IP
 *  payload with ihl-byte IP headers and a thl-byte transport header in packet 0, on a NIC with
 *  these features. */
export function planNew(o: u32, len: u32, step: u32, ihl: u32, thl: u32, features: i32): RxPlan {
  let p: RxPlan;
  if (pool.length > 0) {
    p = pool.pop();
    p.next = p.taken = 0;
    p.frames.length = 0;
    p.wired = false;
    p.hp.len = p.hp.v = 0;
  } else p = new RxPlan();
  p.o = o;
  p.len = len;
  p.patch = (features & NicFeature.HEADER_SPLIT) == 0;
  p.ihl = ihl;
  p.thl = thl;
  p.step = step;
  p.npkts = <i32>((len + thl + step - 1) / step);
  p.lead = p.patch && o < hdrLen(p, 0) ? 1 : 0;
  const nframes = (p.lead * PAGE_SIZE + o + len + PAGE_SIZE - 1) / PAGE_SIZE;
  for (let i: u32 = 0; i < nframes; i++) p.frames.push(0);
  return p;
}

/** planAgain: a plan like p (same receive, same geometry) for the next receive. */
export function planAgain(p: RxPlan, features: i32): RxPlan {
  return planNew(p.o, p.len, p.step, p.ihl, p.thl, features);
}

/** planUseFrames: the plan lays data straight into these (application) frames, one per page
 *  of the receive, which it wires. */
export function planUseFrames(p: RxPlan, frames: Array<u32>): void {
  if (frames.length != p.frames.length)
    panic("planUseFrames: " + frames.length.toString() + " frames for a receive of " + p.frames.length.toString() + " pages (one frame per page, or the plan's own)");
  p.wired = true;
  for (let i = 0; i < frames.length; i++) {
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
export function planHolds(p: RxPlan, expected: Tally): void {
  if (p.wired) return;
  for (let i = 0; i < p.frames.length; i++) if (p.frames[i] != 0) hold(expected, p.frames[i]);
}

function hdrLen(p: RxPlan, k: i32): u32 {
  return ETH_HLEN + p.ihl + (k == 0 ? p.thl : 0);
}

/** dataStart / dataEnd: the data bytes [start, end) packet k carries. */
function dataStart(p: RxPlan, k: i32): u32 {
  return k == 0 ? 0 : <u32>k * p.step - p.thl;
}
function dataEnd(p: RxPlan, k: i32): u32 {
  return min(<u32>(k + 1) * p.step, p.len + p.thl) - p.thl;
}

// @ts-ignore: decorator
@inline function layout(p: RxPlan, x: u32): u32 {
  return p.lead * PAGE_SIZE + p.o + x;
}

/** planPlaced: does data byte x lie at pa, where the plan laid it out? */
export function planPlaced(p: RxPlan, x: u32, pa: u32): bool {
  const v = layout(p, x);
  const i = <i32>(v >> PAGE_SHIFT);
  return i < p.frames.length && p.frames[i] != 0 && ((p.frames[i] << PAGE_SHIFT) | (v & PAGE_MASK)) == pa;
}

/** frameAt: the frame holding layout offset v (allocated on first use); 0 if out of frames. */
function frameAt(p: RxPlan, v: u32): u32 {
  const i = v >> PAGE_SHIFT;
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
  return ((e - 1) >> PAGE_SHIFT) - (s >> PAGE_SHIFT) + 1;
}

/** RxPieces: the buffers of one packet planPost laid out, for the driver to post: n of them,
 *  each a physical address, a capacity and a frame (a packet spans at most one buffer per
 *  descriptor of a ring). */
export class RxPieces {
  n: i32 = 0;
  pa: StaticArray<u32> = new StaticArray<u32>(NIC_RX_DESCS);
  cap: StaticArray<u32> = new StaticArray<u32>(NIC_RX_DESCS);
  frame: StaticArray<u32> = new StaticArray<u32>(NIC_RX_DESCS);
}

/**
 * planPost: lay out packet k's buffers in out; false if a frame could not be had. With header
 * patching, the bytes packet k's headers will cover are saved first.
 */
export function planPost(p: RxPlan, k: i32, out: RxPieces): bool {
  out.n = 0;
  const r = range(p, k);
  let s = <u32>(r >> 32);
  const e = <u32>r;
  if (p.patch && k > 0) patchSave(p.hp, p.frames, s, hdrLen(p, k));
  while (s < e) {
    spin("drivers/rxlayout.ts planPost");
    const f = frameAt(p, s);
    if (f == 0) return false;
    const cap = min(e - s, PAGE_SIZE - (s & PAGE_MASK));
    out.pa[out.n] = (f << PAGE_SHIFT) | (s & PAGE_MASK);
    out.cap[out.n] = cap;
    out.frame[out.n] = f;
    out.n++;
    s += cap;
  }
  return true;
}
