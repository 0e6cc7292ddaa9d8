// vm/pswap.ts — user-directed page swapping: pswap(a, b, len) exchanges the contents of two
// page-congruent ranges of one address space. Purpose published (Genie: move data received
// into an anonymous buffer into a mapped file without a copy); this algorithm is ours.
//
//   a: |..part..|    page    |    page    |..part..|       whole pages: the two memory objects
//   b: |..part..|    page    |    page    |..part..|       exchange frames (no byte moves);
//                                                          partial pages: bytes copied both ways
//
// A file page that receives a frame becomes dirty (writeback persists it); a hole of the file
// (no disk block yet) is exchanged by copying, which a mapping cannot do (write() it first). A
// frame shared copy-on-write with another object is never moved into a shared or file object
// (writes there happen in place): such a page is exchanged by copying instead.

import { Access, Counter, Errno, FrameFlag, FrameKind, PAGE_MASK, PAGE_SIZE, Prot, USER_TOP } from "../base/abi";
import { panic, spin } from "../base/panic";
import { count } from "../base/stats";
import { AddrSpace, asFind, Region } from "./aspace";
import { frame } from "./frame";
import { objectPage, ObjKind, VmObject } from "./object";
import { translate } from "./mmu";
import { paPtr } from "./ram";
import { unmapThrough } from "./swap";
import { indirectSettle } from "./settle";
import { pagerCanDirty, pagerDirty } from "./pager";

/** writableRange: every page of [va, va+len) lies in a visible, writable region. */
function writableRange(as: AddrSpace, va: u32, len: u32): bool {
  if (<u64>va + len > <u64>USER_TOP) return false;
  let at = va;
  const end = va + len;
  while (at < end) {
    spin("vm/pswap.ts writableRange");
    const r = asFind(as, at);
    if (r == null || r.hidden || (r.prot & Prot.WRITE) == 0) return false;
    at = r.end;
  }
  return true;
}

/** movable: may frame f (0: a page never touched) be placed into object o as it is? */
function movable(f: u32, o: VmObject, idx: u32): bool {
  if (o.kind == ObjKind.FILE && (f == 0 || !pagerCanDirty(o, idx))) return false; // holes: copy
  if (f == 0) return true;
  const m = frame(f);
  if (m.wired != 0) return false; // pinned for I/O (share semantics)
  return !(o.shared || o.kind == ObjKind.FILE) || m.refs == 1;
}

function place(o: VmObject, idx: u32, f: u32): void {
  unchecked((o.pages[idx] = f));
  if (f == 0) return;
  const m = frame(f);
  m.owner = o.id;
  m.index = idx;
  if (o.kind == ObjKind.FILE) {
    m.kind = <u8>FrameKind.PAGECACHE;
    pagerDirty(o, idx, f);
  } else {
    m.kind = <u8>FrameKind.ANON;
    m.flags &= ~(<u8>FrameFlag.DIRTY);
  }
}

/** exchange: swap the frames behind page ia of ra and page ib of rb (mappings removed; the next
 *  accesses fault the new frames in). */
function exchange(ra: Region, ia: u32, rb: Region, ib: u32): void {
  // @solution mapfile begin
  const fa = objectPage(ra.obj, ia), fb = objectPage(rb.obj, ib);
  if (fa != 0) unmapThrough(ra.obj, ia, fa);
  if (fb != 0) unmapThrough(rb.obj, ib, fb);
  place(ra.obj, ia, fb);
  place(rb.obj, ib, fa);
  count(Counter.PageSwaps);
  // @solution mapfile stub
  // panic("assignment mapfile: implement exchange (vm/pswap.ts)");
  // @solution mapfile end
}

/** swapBytes: exchange n bytes at a and b through the MMU (copy-on-write and TCOW honoured). */
function swapBytes(asid: i32, cpu: i32, a: u32, b: u32, n: u32): i32 {
  const tmp = new StaticArray<u8>(<i32>n);
  const pa = translate(asid, cpu, a, Access.WRITE);
  if (pa < 0) return -Errno.EFAULT;
  const pb = translate(asid, cpu, b, Access.WRITE);
  if (pb < 0) return -Errno.EFAULT;
  const t = changetype<usize>(tmp);
  memory.copy(t, paPtr(<u32>pa), n);
  memory.copy(paPtr(<u32>pa), paPtr(<u32>pb), n);
  memory.copy(paPtr(<u32>pb), t, n);
  count(Counter.BytesCopied, 2 * n);
  return 0;
}

/**
 * pswap: exchange [a, a+len) and [b, b+len) of address space as (running on cpu): 0, or
 * -EINVAL (not page-congruent, overlapping, empty), -EFAULT (not mapped writable), -EBUSY (a
 * page is wired for I/O). Nothing changes when it fails.
 */
export function pswap(as: AddrSpace, cpu: i32, a: u32, b: u32, len: u32): i32 {
  if (len == 0 || ((a ^ b) & PAGE_MASK) != 0) return -Errno.EINVAL;
  if (<u64>a < <u64>b + len && <u64>b < <u64>a + len) return -Errno.EINVAL;
  if (!writableRange(as, a, len) || !writableRange(as, b, len)) return -Errno.EFAULT;
  // Pages owed an elided copy (vm/indirect.ts) get their bytes before frames change hands.
  if (!indirectSettle(as, cpu, a, len) || !indirectSettle(as, cpu, b, len)) return -Errno.EFAULT;
  const end = a + len;
  for (let pa = a & ~PAGE_MASK; pa < end; pa += PAGE_SIZE) {
    spin("vm/pswap.ts pswap");
    const whole = pa >= a && pa + PAGE_SIZE <= end;
    if (!whole) continue;
    const pb = b + (pa - a);
    const ra = asFind(as, pa)!, rb = asFind(as, pb)!;
    const fa = objectPage(ra.obj, ra.index(pa)), fb = objectPage(rb.obj, rb.index(pb));
    if ((fa != 0 && frame(fa).wired != 0) || (fb != 0 && frame(fb).wired != 0)) return -Errno.EBUSY;
  }
  for (let pa = a & ~PAGE_MASK; pa < end; pa += PAGE_SIZE) {
    spin("vm/pswap.ts pswap");
    const s = max(pa, a), e = min(pa + PAGE_SIZE, end);
    const pb = b + (s - a);
    if (e - s < <u32>PAGE_SIZE) {
      const r = swapBytes(as.asid, cpu, s, pb, e - s);
      if (r < 0) return r;
      continue;
    }
    const ra = asFind(as, pa)!, rb = asFind(as, pb)!;
    const ia = ra.index(pa), ib = rb.index(pb);
    const fa = objectPage(ra.obj, ia), fb = objectPage(rb.obj, ib);
    if (movable(fa, rb.obj, ib) && movable(fb, ra.obj, ia)) exchange(ra, ia, rb, ib);
    else {
      const r = swapBytes(as.asid, cpu, pa, pb, PAGE_SIZE);
      if (r < 0) return r;
    }
  }
  return 0;
}
