// kernel/io/outreq.ts — an output in progress: the payload as the device will read it.
//
// Every output semantics turns the caller's buffer into the same thing: a list of physical
// runs the NIC gathers from (kernel buffers for copy, the application's own frames for the
// emulated semantics), plus whatever it must undo when the device is done (free the kernel
// buffers, drop output references, unwire). The network path never looks at the semantics.
//
//   OutReq ---- runs: (pa, len) (pa, len) ...   what the device reads, in payload order
//          ---- frames: f f f ...               what this request holds until done
//          ---- pending: packets not yet sent   at 0 the semantics' done step runs

import { Sem } from "../abi";
import { checkRegisterHolder } from "../../vm/check";

export class OutReq {
  id: i32 = 0;
  sem: Sem = Sem.COPY;
  pid: i32 = 0;
  len: u32 = 0;
  runPa: Array<u32> = [];
  runLen: Array<u32> = [];
  /** Frames this request holds one reference on (released by its semantics' done step). */
  frames: Array<u32> = [];
  /** Packets handed to the device and not yet sent. */
  pending: i32 = 0;

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

const live = new Array<OutReq | null>();
const freeIds = new Array<i32>();

/** outReqNew: a registered, empty output request. */
export function outReqNew(sem: Sem, pid: i32, len: u32): OutReq {
  const r = new OutReq();
  r.sem = sem;
  r.pid = pid;
  r.len = len;
  if (freeIds.length > 0) r.id = freeIds.pop();
  else { r.id = live.length; live.push(null); }
  live[r.id] = r;
  return r;
}

/** outReqForget: r is finished (its frames already released). */
export function outReqForget(r: OutReq): void {
  live[r.id] = null;
  freeIds.push(r.id);
}

/** outReqsLive: requests still in flight. */
export function outReqsLive(): i32 {
  return live.length - freeIds.length;
}

function holds(expected: StaticArray<u32>): void {
  for (let i = 0; i < live.length; i++) {
    const r = live[i];
    if (r == null) continue;
    for (let k = 0; k < r.frames.length; k++) expected[r.frames[k]]++;
  }
}
checkRegisterHolder(holds);
