// kernel/io/tcow.ts — output straight from the application's frames: emulated copy (TCOW) and
// emulated share. Published mechanism (Brustoloni & Steenkiste): transient copy-on-write.
//
//   for each page of the buffer:
//     few bytes of the buffer on it?   copy them to a kernel buffer (cheaper than protecting)
//     otherwise                        fault it in; outRef++; with TCOW, write-protect every
//                                      mapping of the frame (shootdowns counted); the device
//                                      gathers from the frame itself
//   completion: outRef-- (outReqRelease). Write permission returns lazily: the next write
//   fault finds outRef == 0 and just restores it; a write while outRef > 0 copies the page
//   (vm/fault.ts), so the bytes sent are the buffer as it was at the call.
//
// Emulated share takes the same I/O references (so the frame is never freed or reused under
// the device) but protects nothing: the application must not touch the buffer until done.

import { Access, Counter, Errno, FrameKind, PAGE_SHIFT, PAGE_SIZE, Pte } from "../../base/abi";
import { panic, spin } from "../../base/panic";
import { costOf } from "../../base/stats";
import { Proc } from "../proc";
import { pageBytes, userPa } from "../uio";
import { frame, frameOutput } from "../../vm/frame";
import { pmapPageProtect, pmapWritable } from "../../vm/pmap";
import { copyPiece } from "./copy";
import { OutReq } from "../../drivers/outreq";

/** tcowCopyBelow: pages holding fewer bytes of a buffer than this are copied, not protected:
 *  below it, copying costs less than a write-protection and its TLB invalidation. */
export function tcowCopyBelow(): u32 {
  const per = costOf(Counter.BytesCopied);
  if (per <= 0) return 0;
  return <u32>min<f64>(PAGE_SIZE, (costOf(Counter.PteWrites) + costOf(Counter.TlbInvalLocal)) / per);
}

/** refOutput: fill r from [va, va+len) of p by reference (protect: TCOW); 0 or -errno. */
export function refOutput(p: Proc, va: u32, len: u32, r: OutReq, protect: bool): i32 {
  r.protect = protect;
  const small = tcowCopyBelow();
  let done: u32 = 0;
  while (done < len) {
    spin("kernel/io/tcow.ts refOutput");
    const at = va + done;
    const n = pageBytes(at, len - done);
    if (n < small) {
      const e = copyPiece(p, at, n, r);
      if (e < 0) return e;
    } else {
      const e = refPage(p, at, n, r, protect);
      if (e < 0) return e;
    }
    done += n;
  }
  return 0;
}

/**
 * refPage: add the n bytes at va (all on one page) to r by reference: fault the page in, take
 * an output reference on its frame (never freed or reused under the device) and, for TCOW,
 * write-protect every mapping of it the first time; the device gathers from the frame itself.
 * 0 or -errno.
 */
function refPage(p: Proc, va: u32, n: u32, r: OutReq, protect: bool): i32 {
  // @solution tcow begin
  const pa = userPa(p, va, Access.READ);
  if (pa < 0) return <i32>pa;
  const f = <u32>pa >> PAGE_SHIFT;
  // Protect at the first output; and again if an unprotected output (emulated share) left
  // the frame writable.
  const first = frame(f).outRef == 0;
  if (protect && (first || pmapWritable(f))) pmapPageProtect(f, Pte.TCOW);
  frameOutput(f);
  r.outFrames.push(f);
  r.addRun(<u32>pa, n);
  return 0;
  // @solution tcow stub
  // panic("assignment tcow: implement refPage (kernel/io/tcow.ts)");
  // return -Errno.ENOSYS;
  // @solution tcow end
}
