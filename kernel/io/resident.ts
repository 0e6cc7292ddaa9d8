// kernel/io/resident.ts — file pages for input: what a receive into a file mapping must find in
// memory, since the data may arrive in an interrupt, where nothing waits for the disk.
//
//   receive posted       inputPrepare: the pages the buffer covers only in part are read in
//                        (the datagram will leave their other bytes as they are); for the pages
//                        it covers whole only the disk block is looked up, so that the page can
//                        be made dirty: the datagram replaces every byte, the old ones are
//                        never read (swapped in, or copied into a new frame: kernel/io/swapin.ts)
//   datagram arrives     delivered at once; if it needs a page not in memory after all (it is
//                        shorter than the buffer and ends inside a page, or a partial page was
//                        evicted) nothing changes: the datagram goes back to the head of the
//                        queue and the receive is made again in the process's context
//   receive made again   ioInputNow: the pages are read (the process waits), then delivered

import { Access, Errno, Kill, PAGE_MASK, PAGE_SIZE, Sem, SYS_RESTART } from "../../base/abi";
import { spin } from "../../base/panic";
import { Proc } from "../proc";
import { callBlock } from "../../fs/wait";
import { asFind } from "../../vm/aspace";
import { translate } from "../../vm/mmu";
import { ObjKind } from "../../vm/object";
import { pagerBlock } from "../../vm/pager";
import { Dgram, dgramFree } from "../../net/dgram";
import { ioInput } from "./index";

/**
 * fileResident: bring into memory every file page mapped in [va, va+len) (a send, pswap, share
 * input, which DMAs into the application's own frames). Every read is started before the call
 * waits. 0, -EFAULT, or SYS_RESTART (the call is made again once they are read; nothing has
 * changed yet).
 */
export function fileResident(p: Proc, va: u32, len: u32): i32 {
  // 64-bit bounds: a range that ends at (or past) the top of the address space must not wrap.
  const end = <u64>va + len;
  let missed = false;
  for (let a = <u64>(va & ~(<u32>PAGE_MASK)); a < end; a += PAGE_SIZE) {
    spin("kernel/io/resident.ts fileResident");
    const at = <u32>a;
    const r = asFind(p.as!, at);
    if (r == null || (r.obj.kind != ObjKind.FILE && r.obj.backing == null)) continue;
    const t = touch(p, max(at, va));
    if (t == SYS_RESTART) missed = true;
    else if (t < 0) return t;
  }
  return missed ? callBlock(p.pid) : 0;
}

/** touch: fault page va of p in for reading: 0, SYS_RESTART (its read is on the way: the call
 *  waits once every read it needs is started), or -EFAULT. */
function touch(p: Proc, va: u32): i32 {
  const pa = translate(p.pid, p.cpu, va, Access.READ);
  if (pa >= 0) return 0;
  return pa == -(<i64>Kill.BLOCKED) ? SYS_RESTART : -Errno.EFAULT;
}

/**
 * inputPrepare: a receive of [va, va+len) under sem is about to wait: the file pages it covers
 * in part are brought in, and the disk blocks of those it covers whole are looked up (their
 * bytes are not read). Every read is started before the call waits. 0, -EFAULT (a page beyond
 * the end of a file), -EIO, or SYS_RESTART.
 */
export function inputPrepare(p: Proc, va: u32, len: u32, sem: Sem): i32 {
  if (sem == Sem.SHARE) return fileResident(p, va, len);
  // 64-bit bounds: a range that ends at (or past) the top of the address space must not wrap.
  const end = <u64>va + len;
  let missed = false;
  for (let a = <u64>(va & ~(<u32>PAGE_MASK)); a < end; a += PAGE_SIZE) {
    spin("kernel/io/resident.ts inputPrepare");
    const at = <u32>a;
    const r = asFind(p.as!, at);
    if (r == null || (r.obj.kind != ObjKind.FILE && r.obj.backing == null)) continue;
    if (at >= va && <u64>at + PAGE_SIZE <= end) {
      if (r.obj.kind != ObjKind.FILE) continue; // a private mapping's page is replaced, never read
      const b = pagerBlock(r.obj, r.index(at));
      if (b == SYS_RESTART) missed = true;
      else if (b < 0) return b;
      continue;
    }
    const t = touch(p, max(at, va));
    if (t == SYS_RESTART) missed = true;
    else if (t < 0) return t;
  }
  return missed ? callBlock(p.pid) : 0;
}

/**
 * ioInputNow: deliver datagram d (still queued) in p's own context: as ioInput, but a page that
 * must be read first is read (every file page of the delivered range). Bytes or -errno (d
 * consumed), or SYS_RESTART (d untouched: p waits for the reads, then makes the call again).
 */
export function ioInputNow(p: Proc, sem: Sem, va: u32, len: u32, d: Dgram): i32 {
  const r = ioInput(p, sem, va, len, d);
  if (r != SYS_RESTART) return r;
  const e = fileResident(p, va, min(len, d.len));
  if (e < 0) return e;
  const again = ioInput(p, sem, va, len, d);
  if (again != SYS_RESTART) return again;
  // Every page of the range is mapped now: delivery cannot need the disk again.
  dgramFree(d);
  return -Errno.ENOMEM;
}
