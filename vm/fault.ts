// vm/fault.ts — the page-fault handler.
//
// A fault is resolved from the region and its memory object, never from the PTE alone:
//
//   no region / forbidden access  -> fatal (SEGV_UNMAPPED, SEGV_PROT)
//   object page owed a copy       -> materialise it: a new frame, the bytes copied from the
//                                    source frame of the indirection (vm/indirect.ts, zIO)
//   object page missing           -> demand zero: a zeroed frame, installed and mapped; for a
//                                    file, the page cache's frame (the pager: vm/pager.ts), which
//                                    may first have to be read (the access waits: Kill.BLOCKED),
//                                    or SIGBUS beyond the end of the file
//   file page present, still being read -> the access waits for the read (Kill.BLOCKED);
//                                    SIGBUS if the read failed
//   page present, not mapped      -> minor fault: map it (read-only if shared copy-on-write
//                                    or under output)
//   write to a read-only mapping  -> one of
//       frame under output (outRef > 0)      TCOW: copy it, replace it in the object, orphan
//                                            the old frame until its output completes
//       frame shared with another object     COW: copy it into this object (after fork, a
//                                            private file mapping, an emulated-copy file read)
//       frame stranded under a pin           COW as well: it was shared when wired, or became
//                                            shared and a holder let go of it since (share
//                                            output); the one left may not be the sender, whose
//                                            datagram the frame still is (frameStranded)
//       otherwise                            just restore write permission
//
// A TCOW replacement unmaps the old frame from every mapping of the same object, so every
// sharer sees the new frame on its next access; the bytes under output never change.

import { Access, Counter, Ev, FrameKind, Kill, PAGE_MASK, Prot, Pte } from "../base/abi";
import { panic } from "../base/panic";
import { count } from "../base/stats";
import { trace } from "../base/trace";
import { AddrSpace, asFind, Region } from "./aspace";
import { Frame, frame, frameAlloc, frameCopy, frameRef, frameStranded, frameUnref } from "./frame";
import { indirectChargeCopy, indirectPeek, indirectTake } from "./indirect";
import { objectInstall, objectPage, ObjKind, VmObject } from "./object";
import { pagerDirty, pagerPage, pagerReady, PAGER_EIO, PAGER_WAIT } from "./pager";
import { pteFrame } from "./pagetable";
import { pmapEnter, pmapProtect, pmapPte, pmapRemove } from "./pmap";
import { objectReplacePage } from "./swap";

/** writable: may a mapping of frame f in region r be writable now? Not while output is pending
 *  on it (TCOW), nor while another object shares it (copy-on-write: after fork, a private file
 *  mapping, or an emulated-copy file read), nor while it is stranded under a pin. */
function writable(r: Region, f: u32): bool {
  if ((r.prot & Prot.WRITE) == 0) return false;
  const m = frame(f);
  return m.outRef == 0 && m.refs == 1 && !frameStranded(m);
}

/** softBits: the reason a mapping of f in r is read-only though r is writable. */
function softBits(r: Region, f: u32): u32 {
  if ((r.prot & Prot.WRITE) == 0) return 0;
  const m = frame(f);
  if (m.outRef != 0) return Pte.TCOW;
  return cowNeeded(m) ? Pte.COW : 0;
}

/** cowNeeded: must a store into m (no output pending) go to a copy? While another object shares
 *  it (refs > 1), or while it is stranded under a pin. */
function cowNeeded(m: Frame): bool {
  return m.refs > 1 || frameStranded(m);
}

/** mapPage: map object page f at va of as with the most permission the rules allow. A file page
 *  is mapped writable only by a write, so that the write is seen (the page becomes dirty). */
function mapPage(as: AddrSpace, r: Region, va: u32, f: u32, access: Access): bool {
  const w = writable(r, f) && (r.obj.kind != ObjKind.FILE || access == Access.WRITE);
  const bits: u32 = Pte.U | (w ? Pte.W : softBits(r, f));
  return pmapEnter(as.asid, va, f, bits);
}

/**
 * pageReplace: give page idx of object o a private copy of its frame old; every mapping of
 * old through o is removed (sharers re-fault onto the copy). Returns the new frame, 0 if none.
 */
export function pageReplace(o: VmObject, idx: u32, old: u32): u32 {
  const f = frameAlloc(FrameKind.ANON, false);
  if (f == 0) return 0;
  indirectChargeCopy(old); // the copy a write to an elided copy's source costs (zIO's policy)
  frameCopy(f, old);
  objectReplacePage(o, idx, f);
  return f;
}

/**
 * vmFault: resolve a fault at va for access in address space as. Returns Kill.NONE when the
 * access can be retried, or the fatal reason.
 */
export function vmFault(as: AddrSpace, va: u32, access: Access): Kill {
  count(Counter.Faults);
  trace(Ev.Fault, as.asid, va, access);
  const r = asFind(as, va);
  if (r == null) return fatal(as, va, Kill.SEGV_UNMAPPED);
  if (r.prot == Prot.NONE || (access == Access.WRITE && (r.prot & Prot.WRITE) == 0))
    return fatal(as, va, Kill.SEGV_PROT);
  const page = va & ~PAGE_MASK;
  const idx = r.index(va);
  const o = r.obj;
  let f = objectPage(o, idx);

  if (f == 0) {
    // A file's page (shared mapping), or the file page a private mapping starts from.
    const src = o.kind == ObjKind.FILE ? o : o.backing;
    if (src == null) {
      f = frameAlloc(FrameKind.ANON, o.indirect == 0 || indirectPeek(o, idx) == 0);
      if (f == 0) return fatal(as, va, Kill.OOM);
      const owed = indirectTake(o, idx);
      if (owed != 0) {
        // An elided copy (vm/indirect.ts): the page gets its bytes now.
        frameCopy(f, owed);
        frameUnref(owed);
        objectInstall(o, idx, f);
        o.zioFaults++;
        if (!mapPage(as, r, page, f, access)) return fatal(as, va, Kill.OOM);
        return resolved(as, va, Counter.ZioMaterialised);
      }
      objectInstall(o, idx, f);
      if (!mapPage(as, r, page, f, access)) return fatal(as, va, Kill.OOM);
      return resolved(as, va, Counter.FaultsDemandZero);
    }
    const got = pagerPage(src!, src == o ? idx : o.backOff + idx);
    if (got == PAGER_WAIT) return Kill.BLOCKED;
    if (got <= 0) return fatal(as, va, Kill.SIGBUS); // beyond end of file, or the read failed
    f = <u32>got;
    if (src != o) {
      frameRef(f); // the private object shares the file's page, copy-on-write
      objectInstall(o, idx, f);
    }
  } else if (o.kind == ObjKind.FILE) {
    // The page may be in the object before its bytes are (its read still in flight): never map
    // it before then, or the process would see the frame's old contents.
    const ready = pagerReady(o, idx);
    if (ready == PAGER_WAIT) return Kill.BLOCKED;
    if (ready == PAGER_EIO) return fatal(as, va, Kill.SIGBUS);
  }

  const pte = pmapPte(as.asid, page);
  if ((pte & Pte.P) == 0 || pteFrame(pte) != f) {
    if (!mapPage(as, r, page, f, access)) return fatal(as, va, Kill.OOM);
    if (access == Access.READ) return resolved(as, va, Counter.FaultsMinor);
    if ((pmapPte(as.asid, page) & Pte.W) != 0) return written(as, va, o, idx, f, Counter.FaultsMinor);
  }
  if (access == Access.READ) return resolved(as, va, Counter.FaultsMinor);

  // A write to a read-only mapping of a writable region.
  const m = frame(f);
  if (m.outRef != 0) return tcowFault(as, va, o, idx, f);
  if (cowNeeded(m)) {
    const copy = pageReplace(o, idx, f);
    if (copy == 0) return fatal(as, va, Kill.OOM);
    if (!pmapEnter(as.asid, page, copy, Pte.U | Pte.W)) return fatal(as, va, Kill.OOM);
    return written(as, va, o, idx, copy, Counter.FaultsCow);
  }
  pmapProtect(as.asid, page, Pte.W, Pte.COW | Pte.TCOW);
  return written(as, va, o, idx, f, Counter.FaultsProt);
}

/** tcowFault: a write at va to page idx of o, whose frame f is under output (outRef > 0):
 *  give the object a copy, map the copy writable; f stays, unchanged, with the output. */
function tcowFault(as: AddrSpace, va: u32, o: VmObject, idx: u32, f: u32): Kill {
  // @solution tcow begin
  const copy = pageReplace(o, idx, f);
  if (copy == 0) return fatal(as, va, Kill.OOM);
  if (!pmapEnter(as.asid, va & ~PAGE_MASK, copy, Pte.U | Pte.W)) return fatal(as, va, Kill.OOM);
  return written(as, va, o, idx, copy, Counter.FaultsTcow);
  // @solution tcow stub
  // panic("assignment tcow: implement tcowFault (vm/fault.ts)");
  // return fatal(as, va, Kill.SEGV_PROT);
  // @solution tcow end
}

/** written: a write fault resolved; a file page it made writable is now dirty. A hole of a file
 *  (no disk block yet) cannot be written through a mapping: SIGBUS (write() the file first). */
function written(as: AddrSpace, va: u32, o: VmObject, idx: u32, f: u32, how: Counter): Kill {
  if (o.kind == ObjKind.FILE && !pagerDirty(o, idx, f)) {
    pmapRemove(as.asid, va & ~PAGE_MASK);
    return fatal(as, va, Kill.SIGBUS);
  }
  return resolved(as, va, how);
}

function resolved(as: AddrSpace, va: u32, how: Counter): Kill {
  count(how);
  trace(Ev.FaultResolved, as.asid, va, how);
  return Kill.NONE;
}

function fatal(as: AddrSpace, va: u32, why: Kill): Kill {
  count(Counter.FaultsFatal);
  trace(Ev.FaultFatal, as.asid, va, why);
  return why;
}
