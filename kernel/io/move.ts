// kernel/io/move.ts — the system-allocated semantics: buffers are regions the system hands out
// and takes back. (Taxonomy published; region hiding and caching are our reconstruction, in
// the style of Genie.)
//
//   output  move ............... the pages leave the address space at the call (unmapped, the
//                                region removed); the device sends from the frames
//           emulated move ...... region hiding: the pages leave, but the addresses stay
//                                reserved and inaccessible, for an input to reuse
//           weak move .......... the region stays mapped until the output completes (the
//                                application must not touch it), then it is removed
//           emulated weak move . as weak move, but at completion the region is hidden (pooled)
//   input   every one .......... the system picks the region: a cached (hidden) one of the
//                                right size for the emulated semantics, else a new one; whole
//                                pages of the datagram are mapped there as they lie in system
//                                frames (no copy), a partial last page is copied; the region's
//                                address is the call's third result
//
// Buffers must start on a page boundary: a region is made of whole pages.

import { Access, Errno, PAGE_MASK, PAGE_SHIFT, PAGE_SIZE, Prot, Pte, Sem } from "../../base/abi";
import { Proc } from "../proc";
import { copyout, userPa } from "../uio";
import { asCovered, asFind, asHide, asMapAnon, asTakeHidden, asUnmap, Region, spaces } from "../../vm/aspace";
import { frame, frameRef } from "../../vm/frame";
import { objectReplacePage } from "../../vm/swap";
import { pmapEnter } from "../../vm/pmap";
import { paPtr } from "../../vm/ram";
import { Counter } from "../../base/abi";
import { count } from "../../base/stats";
import { Dgram, dgramFree } from "../../net/dgram";
import { OutReq } from "../../drivers/outreq";
import { runsOf } from "./swapin";
import { spin } from "../../base/panic";

/** moveFamily: does sem hand buffers between application and system (move semantics)? */
export function moveFamily(sem: Sem): bool {
  return sem == Sem.MOVE || sem == Sem.EMULATED_MOVE || sem == Sem.WEAK_MOVE || sem == Sem.EMULATED_WEAK_MOVE;
}

function roundUp(n: u32): u32 {
  return (n + PAGE_MASK) & ~(<u32>PAGE_MASK);
}

/** moveOutput: fill r from the region pages [va, va+len) of p, which leave p per sem; 0 or -errno. */
export function moveOutput(p: Proc, va: u32, len: u32, r: OutReq, sem: Sem): i32 {
  if ((va & PAGE_MASK) != 0) return -Errno.EINVAL;
  const end = va + roundUp(len);
  const as = p.as!;
  if (!asCovered(as, va, end)) return -Errno.EFAULT;
  for (let at = va; at < end; ) {
    const reg = asFind(as, at)!;
    if (reg.obj.shared || reg.hidden) return -Errno.EINVAL; // only private, visible memory moves
    at = reg.end;
  }
  for (let done: u32 = 0; done < len; done += PAGE_SIZE) {
    const pa = userPa(p, va + done, Access.READ);
    if (pa < 0) return <i32>pa;
    const f = <u32>pa >> PAGE_SHIFT;
    frameRef(f);
    r.frames.push(f);
    r.addRun(<u32>pa, min(PAGE_SIZE, len - done));
  }
  switch (sem) {
    case Sem.MOVE: asUnmap(as, va, end); break;
    case Sem.EMULATED_MOVE: asHide(as, va, end); break;
    default: // weak: the region leaves when the output completes
      r.leaveVa = va;
      r.leaveEnd = end;
      r.leaveHide = sem == Sem.EMULATED_WEAK_MOVE;
  }
  return 0;
}

/** moveOutputDone: a weak move completed: its region leaves the (still living) process now. A
 *  sender that died has forgotten it (outReqForget): a process given its pid keeps its regions. */
export function moveOutputDone(r: OutReq): void {
  if (r.leaveEnd == 0) return;
  const as = spaces[r.pid];
  if (as != null) {
    if (r.leaveHide) asHide(as!, r.leaveVa, r.leaveEnd);
    else asUnmap(as!, r.leaveVa, r.leaveEnd);
  }
  r.leaveEnd = 0;
}

// The pages moveInput maps, reused from call to call.
const mapVa = new Array<u32>();
const mapFrame = new Array<u32>();

/**
 * moveInput: give p a region holding datagram d (at most len bytes) from page offset o of its
 * first page (input alignment: the offset the data should have, e.g. the final consumer's); the
 * data's address in p.ret2, the bytes delivered as result, -ENOMEM if no room. d is consumed.
 */
export function moveInput(p: Proc, o: u32, len: u32, d: Dgram, sem: Sem): i32 {
  const n = min(len, d.len);
  p.ret2 = 0;
  if (n == 0) { dgramFree(d); return 0; }
  const as = p.as!;
  const size = roundUp(o + n);
  let reg: Region | null = null;
  if (sem == Sem.EMULATED_MOVE || sem == Sem.EMULATED_WEAK_MOVE) reg = asTakeHidden(as, size);
  if (reg == null) {
    const at = asMapAnon(as, 0, size, Prot.READ | Prot.WRITE, false, false);
    if (at < 0) { dgramFree(d); return <i32>at; }
    reg = asFind(as, <u32>at);
  }
  const r = reg!;
  const va = r.start + o;
  const runs = runsOf(d);
  mapVa.length = 0;
  mapFrame.length = 0;
  for (let s: u32 = 0; s < n; ) {
    const e = min(n, ((va + s) & ~(<u32>PAGE_MASK)) + PAGE_SIZE - va); // data [s, e) on one page
    const f = e - s == <u32>PAGE_SIZE ? runs.inOneFrame(va, s, e) : 0;
    if (f != 0 && !mapFrame.includes(f)) {
      frameRef(f);
      objectReplacePage(r.obj, r.index(va + s), f);
      mapVa.push(va + s);
      mapFrame.push(f);
      s = e;
      continue;
    }
    // Not page-aligned in system frames, or a partial last page: copy into the region.
    let i = runs.find(s);
    let at = s;
    while (at < e) {
      spin("kernel/io/move.ts moveInput");
      const off = at - runs.at[i];
      const k = min(runs.len[i] - off, e - at);
      const err = copyout(p, va + at, paPtr(runs.pa[i] + off), k);
      if (err < 0) { dgramFree(d); return err; }
      at += k;
      i++;
    }
    s = e;
  }
  dgramFree(d);
  for (let k = 0; k < mapVa.length; k++) {
    const w = frame(mapFrame[k]).refs == 1 && frame(mapFrame[k]).outRef == 0;
    pmapEnter(p.pid, mapVa[k], mapFrame[k], Pte.U | (w ? Pte.W | Pte.D : 0));
    count(Counter.PageSwaps);
  }
  p.ret2 = <i32>va;
  return <i32>n;
}
