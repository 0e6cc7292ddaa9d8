// vm/object.ts — memory objects: what a region maps.
//
// A memory object is an array of pages, page index -> frame (0 = not yet materialised).
// Anonymous objects materialise pages as zero-filled frames on demand. An object may be
// private (one address space: its regions cover disjoint page ranges) or shared (MAP_SHARED,
// and every address space that inherited it by fork). Each page slot holds one reference on
// its frame; frames shared copy-on-write after fork sit in several objects at once.
//
// File-backed objects (the unified page cache) plug in through `kind`: their missing pages are
// filled by the file system rather than zeroed.

import { FrameKind } from "../base/abi";
import { frame, frameUnref } from "./frame";

export enum ObjKind {
  ANON = 1,
  FILE = 2,
}

export class VmObject {
  id: u32 = 0;
  kind: ObjKind = ObjKind.ANON;
  shared: bool = false;
  /** Regions that map this object (and, for a file's object, the file system itself). */
  refs: i32 = 0;
  pages: StaticArray<u32>;
  /** A private file mapping: the file's object, whose page backOff + i a missing page i starts
   *  as (copy-on-write), or null. */
  backing: VmObject | null = null;
  backOff: u32 = 0;
  /** Pages owed a copy (vm/indirect.ts): their slots are empty until an access materialises them. */
  indirect: i32 = 0;
  /** zIO's policy for this buffer (kernel/io/zio.ts): pages elided into it; page copies its
   *  elisions caused (a fault on an owed page: one; a write to a source page it owed: its share
   *  of the copy, vm/indirect.ts); whether eliding stopped because those made it lose. */
  zioElided: u32 = 0;
  zioFaults: f64 = 0;
  zioOff: bool = false;

  constructor(npages: u32) {
    this.pages = new StaticArray<u32>(<i32>npages);
  }

  get npages(): u32 {
    return <u32>this.pages.length;
  }
}

/** objectPage: the frame at page idx of o, 0 if none (a file's object may be shorter than the
 *  regions mapping it: its pages array grows as the file does). */
// @ts-ignore: decorator
@inline export function objectPage(o: VmObject, idx: u32): u32 {
  return idx < o.npages ? unchecked(o.pages[idx]) : 0;
}

/** Live objects by id (id 0 is never used, so a frame's owner 0 means none). */
export const objects = new Array<VmObject | null>(1);
const freeIds = new Array<u32>();

/** objectNew: a new anonymous object of npages pages with one reference. */
export function objectNew(npages: u32, shared: bool): VmObject {
  const o = new VmObject(npages);
  o.shared = shared;
  o.refs = 1;
  if (freeIds.length > 0) {
    o.id = freeIds.pop();
    objects[o.id] = o;
  } else {
    o.id = objects.length;
    objects.push(o);
  }
  return o;
}

/** objectGrow: give file object o at least npages page slots (the new ones empty). Files grow
 *  as they are written; anonymous objects keep the size they were made with. */
export function objectGrow(o: VmObject, npages: u32): void {
  if (npages <= o.npages) return;
  const a = new StaticArray<u32>(<i32>npages);
  memory.copy(changetype<usize>(a), changetype<usize>(o.pages), <usize>o.npages << 2);
  o.pages = a;
}

/** objectOwedDrop: pages [lo, hi) of o owe no elided copy any more (vm/indirect.ts registers it). */
export let objectOwedDrop: (o: VmObject, lo: u32, hi: u32) => void = noOwed;
function noOwed(o: VmObject, lo: u32, hi: u32): void {}
/** objectOwedRegister: the indirection table's drop (vm/indirect.ts, at boot). */
export function objectOwedRegister(fn: (o: VmObject, lo: u32, hi: u32) => void): void {
  objectOwedDrop = fn;
}

/** objectInstall: put frame f (whose reference the slot takes over) at page idx of o. */
export function objectInstall(o: VmObject, idx: u32, f: u32): void {
  if (o.indirect > 0) objectOwedDrop(o, idx, idx + 1); // the page gets bytes of its own
  unchecked((o.pages[idx] = f));
  const m = frame(f);
  if (m.owner == 0) {
    m.owner = o.id;
    m.index = idx;
    if (m.kind == FrameKind.IOBUF) m.kind = <u8>FrameKind.ANON;
  }
}

/** objectRelease: drop the pages [lo, hi) of o, releasing their frames. */
export function objectRelease(o: VmObject, lo: u32, hi: u32): void {
  if (o.indirect > 0) objectOwedDrop(o, lo, hi);
  for (let i = lo; i < hi; i++) {
    const f = unchecked(o.pages[i]);
    if (f == 0) continue;
    unchecked((o.pages[i] = 0));
    const m = frame(f);
    if (m.owner == o.id && m.index == i) { m.owner = 0; m.index = 0; }
    frameUnref(f);
  }
}

/** objectDrop: one region fewer maps o; at zero its pages are released and the id reused.
 *  Returns the object o was backed by (a file), whose hold by o the caller must drop, or null. */
export function objectDrop(o: VmObject): VmObject | null {
  o.refs--;
  if (o.refs > 0) return null;
  objectRelease(o, 0, o.npages);
  objects[o.id] = null;
  freeIds.push(o.id);
  const b = o.backing;
  o.backing = null;
  return b;
}
