// kernel/io/share.ts — share semantics: the application's pages are wired (pinned) for the
// duration of the I/O and the device works on them directly. Weak integrity: the application
// must not touch the buffer until the I/O completes; if it does, it can corrupt only its own
// data (the wired frames stay its own, and are never freed or reused until unwired).

import { Access, Counter, PAGE_SHIFT } from "../../base/abi";
import { count } from "../../base/stats";
import { Proc } from "../proc";
import { pageBytes, userPa } from "../uio";
import { frameWire } from "../../vm/frame";
import { OutReq } from "../../drivers/outreq";
import { spin } from "../../base/panic";

/** wireOutput: fill r from [va, va+len) of p, wiring each page; 0 or -EFAULT. */
export function wireOutput(p: Proc, va: u32, len: u32, r: OutReq): i32 {
  let done: u32 = 0;
  while (done < len) {
    spin("kernel/io/share.ts wireOutput");
    const at = va + done;
    const n = pageBytes(at, len - done);
    const e = wirePiece(p, at, n, r);
    if (e < 0) return e;
    done += n;
  }
  return 0;
}

/** wirePiece: r sends [at, at+n) of p (on one page) from the page itself, wired; 0 or -errno. */
export function wirePiece(p: Proc, at: u32, n: u32, r: OutReq): i32 {
  const pa = userPa(p, at, Access.READ);
  if (pa < 0) return <i32>pa;
  const f = <u32>pa >> PAGE_SHIFT;
  frameWire(f);
  count(Counter.Wires);
  r.wired.push(f);
  r.addRun(<u32>pa, n);
  return 0;
}
