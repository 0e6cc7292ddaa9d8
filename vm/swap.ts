// vm/swap.ts — putting a different frame behind a page of a memory object.
//
// The one primitive behind TCOW and copy-on-write faults (a copy replaces the frame), page
// swapping on input (a received system frame replaces the application's frame) and pswap:
//
//   object o, page idx:   old frame  ---->  new frame
//   every mapping of old through o is removed (sharers re-fault onto new); old loses the
//   object's reference: freed (and scrubbed before reuse), or kept as an orphan while I/O on
//   it is pending, or kept by the other objects that still share it copy-on-write.

import { FrameKind } from "../base/abi";
import { asFind, spaces } from "./aspace";
import { frame, frameUnref } from "./frame";
import { objectInstall, objectPage, ObjKind, VmObject } from "./object";
import { pmapRemove, pvAsid, pvFirst, pvNext, pvVa } from "./pmap";

/** unmapThrough: remove every mapping of frame f that maps page idx of object o. */
export function unmapThrough(o: VmObject, idx: u32, f: u32): void {
  for (let i = pvFirst(f); i != 0; ) {
    const next = pvNext(i);
    const as = spaces[pvAsid(i)];
    const va = pvVa(i);
    if (as != null) {
      const r = asFind(as, va);
      if (r != null && r.obj == o && r.index(va) == idx) pmapRemove(as.asid, va);
    }
    i = next;
  }
}

/**
 * objectReplacePage: make frame f (a reference the caller owns, passed to the object) page idx
 * of o, in place of whatever frame was there. Returns the old frame (0 if none), already
 * released by the object.
 */
export function objectReplacePage(o: VmObject, idx: u32, f: u32): u32 {
  const old = objectPage(o, idx);
  if (old != 0) unmapThrough(o, idx, old);
  const m = frame(f);
  m.owner = 0; // objectInstall claims it
  m.kind = <u8>(o.kind == ObjKind.FILE ? FrameKind.PAGECACHE : FrameKind.ANON);
  objectInstall(o, idx, f);
  if (old != 0) {
    const om = frame(old);
    if (om.owner == o.id && om.index == idx) { om.owner = 0; om.index = 0; }
    frameUnref(old);
  }
  return old;
}
