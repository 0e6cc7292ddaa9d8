// kernel/io/copy.ts — copy semantics: the baseline every other semantics is measured against.
//
//   output: copy the application's bytes into fresh kernel buffers (copyin), DMA from those;
//           the request holds them until the device is done. The application may reuse its
//           buffer at once.
//   input:  the NIC DMAs into kernel buffers; copy the datagram out to the application's
//           buffer (copyout, page by page) and free the buffers.
// Cost: every payload byte crosses the CPU twice end to end (once per side).

import { Errno, FrameKind, PAGE_SHIFT, PAGE_SIZE } from "../../base/abi";
import { Proc } from "../proc";
import { copyin, copyout, pageBytes } from "../uio";
import { indirectCount } from "../../vm/indirect";
import { zioGather } from "./zio";
import { frameAlloc } from "../../vm/frame";
import { framePtr } from "../../vm/ram";
import { OutReq } from "../../drivers/outreq";
import { Dgram } from "../../net/dgram";
import { swapInput } from "./swapin";

/** copyOutput: fill r with a kernel copy of [va, va+len); 0, -ENOMEM or -EFAULT. */
export function copyOutput(p: Proc, va: u32, len: u32, r: OutReq): i32 {
  if (indirectCount() > 0) return copyOutputOwed(p, va, len, r);
  for (let done: u32 = 0; done < len; done += PAGE_SIZE) {
    const e = copyPiece(p, va + done, min(PAGE_SIZE, len - done), r);
    if (e < 0) return e; // the caller releases what r holds
  }
  return 0;
}

/** copyPiece: r sends a copy of [at, at+n) of p (n <= PAGE_SIZE) in a kernel buffer it holds;
 *  0, -ENOMEM or -EFAULT. */
export function copyPiece(p: Proc, at: u32, n: u32, r: OutReq): i32 {
  const f = frameAlloc(FrameKind.IOBUF, false);
  if (f == 0) return -Errno.ENOMEM;
  r.frames.push(f);
  const e = copyin(p, at, framePtr(f), n);
  if (e < 0) return e;
  r.addRun(f << PAGE_SHIFT, n);
  return 0;
}

/** copyOutputOwed: copyOutput page by page, where pages owed an elided copy (zIO) go to the
 *  device straight from their source frames (zioGather) and the rest is copied. */
function copyOutputOwed(p: Proc, va: u32, len: u32, r: OutReq): i32 {
  for (let done: u32 = 0; done < len; ) {
    const at = va + done;
    const n = pageBytes(at, len - done);
    done += n;
    if (zioGather(p, at, n, r)) continue;
    const e = copyPiece(p, at, n, r);
    if (e < 0) return e;
  }
  return 0;
}

/** copyInput: copy datagram d into [va, va+len) (the excess of a longer datagram is lost, as
 *  UDP does): swapInput without swapping (kernel/io/swapin.ts: a whole page of a file not in
 *  memory is filled in a new frame instead of being read first). Bytes delivered, -errno, or
 *  SYS_RESTART with d untouched. */
export function copyInput(p: Proc, va: u32, len: u32, d: Dgram): i32 {
  return swapInput(p, va, len, d, false);
}
