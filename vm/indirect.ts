// vm/indirect.ts — indirections: pages of anonymous memory whose bytes are, for now, those of
// another frame (zIO's copy elision, kernel/io/zio.ts; docs/peers.md §2).
//
//   (object, page index) ---> source frame          the object's slot stays empty (no frame,
//                             (one reference held)   no mapping): the page is "owed" a copy
//
// An access to the page faults (vm/fault.ts) and materialises it: a new frame, 4 KiB copied
// from the source, the indirection gone. Anything that puts a frame in the slot (objectInstall)
// or releases the page (munmap, exit) drops the indirection. The source frame's bytes cannot
// change while it is held: every mapping of it is read-only, and its extra reference makes any
// writer copy it first (copy-on-write), so the owed bytes are those of the memcpy, always.

import { frameRef, frameUnref } from "./frame";
import { objectOwedRegister, VmObject } from "./object";

const table = new Map<u64, u32>();

// @ts-ignore: decorator
@inline function key(o: VmObject, idx: u32): u64 {
  return (<u64>o.id << 32) | <u64>idx;
}

/** indirectCount: indirections in the whole machine (0: no path needs to look). */
export function indirectCount(): i32 {
  return table.size;
}

/** indirectPeek: the source frame page idx of o is owed, 0 if none. */
export function indirectPeek(o: VmObject, idx: u32): u32 {
  if (o.indirect == 0) return 0;
  const k = key(o, idx);
  return table.has(k) ? table.get(k) : 0;
}

/** indirectSet: page idx of o (its slot empty) is owed the bytes of frame f, whose reference the
 *  table takes over; an indirection it had before is dropped. */
export function indirectSet(o: VmObject, idx: u32, f: u32): void {
  const k = key(o, idx);
  if (table.has(k)) frameUnref(table.get(k));
  else o.indirect++;
  table.set(k, f);
}

/** indirectTake: remove the indirection of page idx of o; its source frame (the reference passes
 *  to the caller), 0 if there was none. */
export function indirectTake(o: VmObject, idx: u32): u32 {
  if (o.indirect == 0) return 0;
  const k = key(o, idx);
  if (!table.has(k)) return 0;
  const f = table.get(k);
  table.delete(k);
  o.indirect--;
  return f;
}

/** indirectDrop: pages [lo, hi) of o owe nothing any more (released or overwritten). */
export function indirectDrop(o: VmObject, lo: u32, hi: u32): void {
  for (let i = lo; i < hi && o.indirect > 0; i++) {
    const f = indirectTake(o, i);
    if (f != 0) frameUnref(f);
  }
}

/** indirectFork: the private copy `to` of pages [lo, hi) of `from` (fork) owes what `from` owes. */
export function indirectFork(from: VmObject, to: VmObject, lo: u32, hi: u32): void {
  for (let i = lo; i < hi && from.indirect > 0; i++) {
    const f = indirectPeek(from, i);
    if (f == 0) continue;
    frameRef(f);
    indirectSet(to, i, f);
  }
}

/** indirectHolds: add one to expected[f] for each indirection holding frame f (vm/check.ts). */
export function indirectHolds(expected: StaticArray<u32>): void {
  const fs = table.values();
  for (let i = 0; i < fs.length; i++) expected[fs[i]]++;
}
objectOwedRegister(indirectDrop);
