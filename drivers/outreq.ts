// drivers/outreq.ts — an output in progress: the payload as the device will read it.
//
// Every output semantics turns the caller's buffer into the same thing: a list of physical
// runs the NIC gathers from (kernel buffers for copy, the application's own frames for the
// emulated semantics), plus whatever it must undo when the device is done (free the kernel
// buffers, drop output references, unwire). The network path never looks at the semantics.
//
//   OutReq ---- runs: (pa, len) (pa, len) ...   what the device reads, in payload order
//          ---- frames: f f ...      references held (kernel buffers: copy, move)
//          ---- outFrames: f f ...   output references held (TCOW, emulated share)
//          ---- wired: f f ...       pins held (share)
//          ---- pending: packets not yet sent; at 0 everything held is released
//
// What a request holds is data, so completing any semantics is the same code (outReqRelease).

import { Counter, Sem } from "../base/abi";
import { count } from "../base/stats";
import { checkRegisterHolder, checkRegisterProtector } from "../vm/check";
import { frameIoDone, frameRelease, IoRef } from "../vm/frame";
import { hold, Tally } from "../vm/tally";

export class OutReq {
  id: i32 = 0;
  sem: Sem = Sem.COPY;
  pid: i32 = 0;
  len: u32 = 0;
  runPa: Array<u32> = [];
  runLen: Array<u32> = [];
  /** Frames this request holds one reference on. */
  frames: Array<u32> = [];
  /** Frames this request holds one output reference (outRef) on. */
  outFrames: Array<u32> = [];
  /** Frames this request has wired. */
  wired: Array<u32> = [];
  /** Its outFrames are write-protected (TCOW) until it completes. */
  protect: bool = false;
  /** Completion token for weak semantics (0 = none): the process may wait for it. */
  token: i32 = 0;
  /** Weak move: the region [leaveVa, leaveEnd) leaves the process at completion (hidden if leaveHide). */
  leaveVa: u32 = 0;
  leaveEnd: u32 = 0;
  leaveHide: bool = false;
  /** Packets handed to the device and not yet sent. */
  pending: i32 = 0;
  /** MSG_ZEROCOPY (kernel/io/zerocopy.ts keeps the socket to notify): a zero-copy send?, its
   *  id, and whether the kernel copied every byte after all. */
  zc: bool = false;
  zcId: u32 = 0;
  zcCopied: bool = false;
  /** The payload's one's-complement sum if its sender knows it without touching the bytes (an
   *  IO-Lite send: checksum cache, kernel/io/iolite.ts), or -1: the network sums the runs. */
  paySum: (r: OutReq) => i32 = sumUnknown;

  /** addRun: payload bytes [pa, pa+len) come next (merged with the previous run if adjacent). */
  addRun(pa: u32, len: u32): void {
    const k = this.runPa.length;
    if (k > 0 && this.runPa[k - 1] + this.runLen[k - 1] == pa) {
      this.runLen[k - 1] += len;
      return;
    }
    this.runPa.push(pa);
    this.runLen.push(len);
  }
}

function sumUnknown(r: OutReq): i32 {
  return -1;
}

const live = new Array<OutReq | null>();
const freeIds = new Array<i32>();
// Released requests, reused (with their arrays' capacity) by later outputs.
const pool = new Array<OutReq>();

/** outReqNew: a registered, empty output request. */
export function outReqNew(sem: Sem, pid: i32, len: u32): OutReq {
  let r: OutReq;
  if (pool.length > 0) {
    r = pool.pop();
    r.runPa.length = 0;
    r.runLen.length = 0;
    r.token = 0;
    r.protect = false;
    r.leaveVa = r.leaveEnd = 0;
    r.leaveHide = false;
    r.pending = 0;
    r.zc = false;
    r.paySum = sumUnknown;
  } else r = new OutReq();
  r.sem = sem;
  r.pid = pid;
  r.len = len;
  if (freeIds.length > 0) r.id = freeIds.pop();
  else { r.id = live.length; live.push(null); }
  live[r.id] = r;
  return r;
}

/** outReqForget: process pid is gone: no weak move of its takes a region from anyone when it
 *  completes (a process given the pid later keeps its own). */
export function outReqForget(pid: i32): void {
  for (let i = 0; i < live.length; i++) {
    const r = live[i];
    if (r != null && r.pid == pid) r.leaveEnd = 0;
  }
}

/** outReqRelease: r is finished: drop every reference, output reference and pin it holds. */
export function outReqRelease(r: OutReq): void {
  for (let i = 0; i < r.frames.length; i++) frameRelease(r.frames[i]);
  for (let i = 0; i < r.outFrames.length; i++) frameIoDone(r.outFrames[i], IoRef.OUT);
  for (let i = 0; i < r.wired.length; i++) { frameIoDone(r.wired[i], IoRef.WIRE); count(Counter.Unwires); }
  r.frames.length = 0;
  r.outFrames.length = 0;
  r.wired.length = 0;
  live[r.id] = null;
  freeIds.push(r.id);
  pool.push(r); // r's fields stay readable until the next outReqNew
}

/** outReqsLive: requests still in flight. */
export function outReqsLive(): i32 {
  return live.length - freeIds.length;
}

function holds(expected: Tally): void {
  for (let i = 0; i < live.length; i++) {
    const r = live[i];
    if (r == null) continue;
    for (let k = 0; k < r.frames.length; k++) hold(expected, r.frames[k]);
  }
}
checkRegisterHolder(holds);

function protects(guarded: Tally): void {
  for (let i = 0; i < live.length; i++) {
    const r = live[i];
    if (r == null || !r.protect) continue;
    for (let k = 0; k < r.outFrames.length; k++) hold(guarded, r.outFrames[k]);
  }
}
checkRegisterProtector(protects);
