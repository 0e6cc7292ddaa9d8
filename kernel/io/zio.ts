// kernel/io/zio.ts — transparent copy elision in the style of zIO (Stamler, Hwang, Kim, Kolli,
// Saltzer, Sadasivam, Peter; OSDI '22; docs/peers.md §2). The application's memcpy is the
// interposed library's: the host calls umemcpy (kernel/index.ts) for it, and no system call is
// charged, as none is made.
//
//   memcpy(dst, src, len), len >= the process's threshold, dst and src page-congruent:
//     head and tail partial pages ........ copied
//     each whole page of dst ............. not copied: the dst page is unmapped and its frame let
//                                          go; the page is owed src's frame (vm/indirect.ts),
//                                          which is held and write-protected in every mapping
//   an access to an owed dst page ........ fault: one page materialised (4 KiB copied), the
//                                          indirection gone (the rest of the buffer stays elided)
//   a write to a held src page ........... fault: copy-on-write, the writer gets the copy (one
//                                          page copied); the owed bytes do not change
//   a plain copy over a whole owed page .. the debt is dropped, not paid (no copy for nothing)
//   send (copy semantics) of a dst buffer  an owed page goes into the NIC's gather list straight
//                                          from the source frame (zioGather): no copy at all
//   policy (per destination buffer: its memory object): once ZIO_POLICY_MIN pages were elided
//          into it, if its elisions have cost more page copies than the break-even fraction of
//          them (from the cost profile: what an elision saves against what a materialisation
//          costs), stop eliding into it; its later copies are plain copies. A page copy its
//          elisions cost: a fault on one of its owed pages, or a write to a source page one of
//          them owes (shared among the buffers owing that page: vm/indirect.ts)
//
// Published (zIO): the threshold, elision into an indirection table, unmapping the destination,
// protecting the source, materialising one page per fault and splitting the entry, resolving
// indirections on the I/O path, a policy that stops eliding when it loses. Ours: the page-frame
// representation of an entry (the source frame is held, not its address), the exact policy rule,
// the default threshold.

import { Access, Counter, Errno, PAGE_MASK, PAGE_SHIFT, PAGE_SIZE, Prot, Pte } from "../../base/abi";
import { count, costOf } from "../../base/stats";
import { Proc } from "../proc";
import { pageBytes } from "../uio";
import { asFind } from "../../vm/aspace";
import { frame, frameRef } from "../../vm/frame";
import { indirectCount, indirectDrop, indirectPeek, indirectSet } from "../../vm/indirect";
import { translate } from "../../vm/mmu";
import { objectPage, objectRelease, ObjKind, VmObject } from "../../vm/object";
import { pmapPageProtect } from "../../vm/pmap";
import { unmapThrough } from "../../vm/swap";
import { paPtr } from "../../vm/ram";
import { OutReq } from "../../drivers/outreq";

/** Pages elided into a buffer before the policy judges it. */
export const ZIO_POLICY_MIN: u32 = 16;

/** zioConfig: p's memcpy elides copies of at least threshold bytes (0: never); policy on/off. */
export function zioConfig(p: Proc, threshold: u32, policy: bool): i32 {
  p.zioThreshold = threshold;
  p.zioPolicy = policy;
  return 0;
}

/** zioBreakEven: the fraction of elided pages that may be materialised by faults before eliding
 *  costs more than copying (from the cost profile). */
export function zioBreakEven(): f64 {
  const copy = <f64>PAGE_SIZE * costOf(Counter.BytesCopied);
  const elide = costOf(Counter.ZioElided) + costOf(Counter.PteWrites) + costOf(Counter.TlbInvalLocal);
  const materialise = costOf(Counter.Faults) + copy + costOf(Counter.FramesAllocated) + costOf(Counter.PteWrites);
  return materialise <= 0 ? 1 : max<f64>(0, (copy - elide) / materialise);
}

/** losing: has eliding into buffer o lost (policy)? Marks it so. */
function losing(p: Proc, o: VmObject): bool {
  if (o.zioOff) return true;
  if (!p.zioPolicy || o.zioElided < ZIO_POLICY_MIN) return false;
  if (o.zioFaults > <f64>o.zioElided * zioBreakEven()) o.zioOff = true;
  return o.zioOff;
}

/** copyBytes: copy n bytes from s to d (same page each) through the MMU; 0 or -Kill / SYS_RESTART. */
function copyBytes(p: Proc, d: u32, s: u32, n: u32): i32 {
  const ps = translate(p.pid, p.cpu, s, Access.READ);
  if (ps < 0) return <i32>ps;
  const pd = translate(p.pid, p.cpu, d, Access.WRITE);
  if (pd < 0) return <i32>pd;
  memory.copy(paPtr(<u32>pd), paPtr(<u32>ps), n);
  count(Counter.BytesCopied, n);
  return 0;
}

/** elidePage: make whole page d of p owe the bytes of page s instead of copying them; false if
 *  this page must be copied (not an anonymous private buffer, the policy says stop, the source
 *  is pinned), or -Kill / SYS_RESTART as i32 in elideErr. */
let elideErr: i32 = 0;
function elidePage(p: Proc, d: u32, s: u32): bool {
  elideErr = 0;
  const as = p.as!;
  const rd = asFind(as, d);
  if (rd == null || (rd.prot & Prot.WRITE) == 0 || rd.hidden) return false;
  const od = rd.obj;
  if (od.kind != ObjKind.ANON || od.shared || od.backing != null || losing(p, od)) return false;
  const rs = asFind(as, s);
  if (rs == null) return false;
  // The source: a page owed itself passes on its own source (no copy made to read it).
  let g = objectPage(rs.obj, rs.index(s)) == 0 ? indirectPeek(rs.obj, rs.index(s)) : 0;
  if (g == 0) {
    const pa = translate(p.pid, p.cpu, s, Access.READ);
    if (pa < 0) { elideErr = <i32>pa; return false; }
    g = <u32>pa >> PAGE_SHIFT;
  }
  if (frame(g).wired != 0) return false; // pinned for I/O: it may change under the device
  const idx = rd.index(d);
  const old = objectPage(od, idx);
  if (old == g) return true; // already the same frame
  frameRef(g);
  pmapPageProtect(g, Pte.COW);
  if (old != 0) {
    unmapThrough(od, idx, old);
    objectRelease(od, idx, idx + 1);
  }
  indirectSet(od, idx, g);
  od.zioElided++;
  count(Counter.ZioElided);
  return true;
}

/** forgetOwed: whole page d of p is about to be overwritten by a copy: if it is owed an elided
 *  copy, the debt is dropped rather than paid (materialising it would copy 4 KiB for nothing). */
function forgetOwed(p: Proc, d: u32): void {
  const r = asFind(p.as!, d);
  if (r == null || (r.prot & Prot.WRITE) == 0 || r.obj.indirect == 0) return;
  const idx = r.index(d);
  if (objectPage(r.obj, idx) == 0) indirectDrop(r.obj, idx, idx + 1);
}

/**
 * zioMemcpy: the application p copies len bytes from src to dst (memcpy, through zIO). 0,
 * -EINVAL (overlapping), -Kill reason of a fatal access, or SYS_RESTART (a file page is being
 * read: the copy is made again then; what was done is done again, harmlessly).
 */
export function zioMemcpy(p: Proc, dst: u32, src: u32, len: u32): i32 {
  if (len == 0) return 0;
  if (<u64>dst < <u64>src + len && <u64>src < <u64>dst + len) return -Errno.EINVAL;
  const elide = p.zioThreshold > 0 && len >= p.zioThreshold && ((dst ^ src) & PAGE_MASK) == 0;
  elideErr = 0;
  for (let done: u32 = 0; done < len; ) {
    const d = dst + done, s = src + done;
    const n = min(pageBytes(d, len - done), pageBytes(s, len - done));
    if (elide && n == <u32>PAGE_SIZE && elidePage(p, d, s)) {
      done += n;
      continue;
    }
    if (elideErr != 0) return elideErr;
    if (n == <u32>PAGE_SIZE) forgetOwed(p, d);
    const r = copyBytes(p, d, s, n);
    if (r < 0) return r;
    done += n;
  }
  return 0;
}

/** zioGather: if [at, at+n) (on one page) of p is owed an elided copy, add its bytes to r by
 *  reference to the source frame and say true; else false (the caller copies). */
export function zioGather(p: Proc, at: u32, n: u32, r: OutReq): bool {
  if (indirectCount() == 0) return false;
  const reg = asFind(p.as!, at);
  if (reg == null || (reg.prot & Prot.READ) == 0) return false;
  const idx = reg.index(at);
  if (objectPage(reg.obj, idx) != 0) return false;
  const g = indirectPeek(reg.obj, idx);
  if (g == 0) return false;
  frameRef(g);
  r.frames.push(g);
  r.addRun((g << PAGE_SHIFT) + (at & PAGE_MASK), n);
  count(Counter.ZioSendResolved);
  return true;
}
