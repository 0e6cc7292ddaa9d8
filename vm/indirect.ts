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
//
//   source frame ---> the pages that owe it          kept beside the table, so that the copy a
//   (FrameFlag.OWED    (keys of the table)            write to a source costs is charged to the
//    while owed)                                      buffers whose elisions made it necessary
//                                                     (indirectChargeCopy, zIO's policy)

import { FrameFlag } from "../base/abi";
import { frame, frameRef, frameUnref } from "./frame";
import { objectOwedRegister, objects, VmObject } from "./object";
import { hold, Tally } from "./tally";

const table = new Map<u64, u32>();
const owers = new Map<u32, Array<u64>>();

/** owe: page key k now owes source frame f. */
function owe(f: u32, k: u64): void {
  if (owers.has(f)) {
    owers.get(f).push(k);
    return;
  }
  owers.set(f, [k]);
  frame(f).flags |= <u8>FrameFlag.OWED;
}

/** forgive: page key k no longer owes source frame f. */
function forgive(f: u32, k: u64): void {
  const ks = owers.get(f);
  const i = ks.indexOf(k);
  ks[i] = ks[ks.length - 1];
  ks.pop();
  if (ks.length > 0) return;
  owers.delete(f);
  frame(f).flags &= ~(<u8>FrameFlag.OWED);
}

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
  if (table.has(k)) {
    const old = table.get(k);
    forgive(old, k);
    frameUnref(old);
  } else o.indirect++;
  table.set(k, f);
  owe(f, k);
}

/** indirectTake: remove the indirection of page idx of o; its source frame (the reference passes
 *  to the caller), 0 if there was none. */
export function indirectTake(o: VmObject, idx: u32): u32 {
  if (o.indirect == 0) return 0;
  const k = key(o, idx);
  if (!table.has(k)) return 0;
  const f = table.get(k);
  table.delete(k);
  forgive(f, k);
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

/**
 * indirectChargeCopy: frame f is being copied for a writer (copy-on-write). If it is the source
 * of elided copies and they are why it must be copied (no output pending on it, no other
 * sharer), charge the copy to the buffers whose pages owe it, an equal share per owing page
 * (k copies of one buffer owe one source page: its one copy costs each of them 1/k), so that
 * what the buffers are charged adds up to the copies made (zIO's policy, kernel/io/zio.ts).
 */
export function indirectChargeCopy(f: u32): void {
  if (!owers.has(f)) return;
  const ks = owers.get(f);
  const m = frame(f);
  if (m.outRef != 0 || m.refs - <u32>ks.length > 1) return;
  const share = 1.0 / <f64>ks.length;
  for (let i = 0; i < ks.length; i++) {
    const o = objects[<i32>(ks[i] >> 32)];
    if (o != null) o.zioFaults += share;
  }
}

/** indirectHolds: add one to expected[f] for each indirection holding frame f (vm/check.ts). */
export function indirectHolds(expected: Tally): void {
  if (table.size == 0) return; // (values() makes an array: the check allocates only with indirections)
  const fs = table.values();
  for (let i = 0; i < fs.length; i++) hold(expected, fs[i]);
}
objectOwedRegister(indirectDrop);
