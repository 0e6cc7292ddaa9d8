// kernel/io/index.ts — the data-passing interface: every call that moves user data comes here
// with a semantics (base/abi.ts, Sem), and is sent to that semantics' unit.
//
//   output:  ioOutputV(p, sem, vas, lens) -> OutReq (runs the device gathers from)
//            ioOutputDone(r)              <- the device has sent every packet of r
//   input:   ioInput(p, sem, va, len, d) -> bytes delivered from datagram d (its buffers are
//                                           consumed: copied and freed, or swapped in)
//
// One file per semantics family (copy.ts, ...). A semantics this kernel does not implement
// yet is refused with EOPNOTSUPP, never silently replaced by another.

import { Counter, Errno, Ev, PAGE_MASK, Sem, SYS_RESTART } from "../../base/abi";
import { count } from "../../base/stats";
import { trace } from "../../base/trace";
import { Proc } from "../proc";
import { OutReq, outReqNew, outReqRelease } from "../../drivers/outreq";
import { copyInput, copyOutput } from "./copy";
import { refOutput } from "./tcow";
import { wireOutput } from "./share";
import { swapInput } from "./swapin";
import { moveFamily, moveInput, moveOutput, moveOutputDone } from "./move";
import { tokenDone, tokenNew, weak } from "./notify";
import { Dgram, dgramFree } from "../../net/dgram";
import { zcComplete } from "./zerocopy";
import { iolInput, iolWaitPool, IOL_SEM } from "./iolite";

export { OutReq };

/** semResolve: the semantics a call really uses (DEFAULT -> the process's default). */
export function semResolve(p: Proc, sem: Sem): Sem {
  return sem == Sem.DEFAULT ? p.defaultSem : sem;
}

/** semSupported: does this kernel implement sem? */
export function semSupported(sem: Sem): bool {
  return sem > Sem.DEFAULT && sem < Sem.COUNT;
}

/** The error of the last ioOutputV that returned null (-Errno). */
export let ioError: i32 = 0;

/** ioOutputV: prepare the buffers [vas[i], vas[i]+lens[i]) of p for output under sem, sent as
 *  one payload in their order; the request, or null with the error in ioError. Nothing is held
 *  when it fails. */
export function ioOutputV(p: Proc, sem: Sem, vas: Array<u32>, lens: Array<u32>): OutReq | null {
  if (!semSupported(sem)) { ioError = -Errno.EOPNOTSUPP; return null; }
  let total: u32 = 0;
  for (let i = 0; i < lens.length; i++) total += lens[i];
  const r = outReqNew(sem, p.pid, total);
  let e: i32 = 0;
  for (let i = 0; i < vas.length && e == 0; i++) {
    const va = vas[i], len = lens[i];
    if (len == 0) continue;
    switch (sem) {
      case Sem.COPY: e = copyOutput(p, va, len, r); break;
      case Sem.EMULATED_COPY: e = refOutput(p, va, len, r, true); break;
      case Sem.EMULATED_SHARE: e = refOutput(p, va, len, r, false); break;
      case Sem.SHARE: e = wireOutput(p, va, len, r); break;
      default: e = moveOutput(p, va, len, r, sem);
    }
  }
  if (e < 0) {
    outReqRelease(r);
    ioError = e;
    return null;
  }
  if (weak(sem)) r.token = tokenNew(p.pid);
  trace(Ev.IoOutput, p.pid, sem, total);
  return r;
}

/** ioOutputDone: the device has sent every packet of r: release what its semantics holds. */
export function ioOutputDone(r: OutReq): void {
  trace(Ev.IoOutputDone, r.pid, r.sem, r.len);
  moveOutputDone(r);
  if (r.token != 0) tokenDone(r.token);
  if (r.zc) zcComplete(r);
  outReqRelease(r);
}

/** ioInput: deliver datagram d into [va, va+len) of p under sem; bytes delivered or -errno,
 *  d consumed; or SYS_RESTART, d untouched and nothing changed: a page the delivery writes only
 *  part of must be read from the disk first (the caller makes the receive again in p's context:
 *  kernel/io/resident.ts ioInputNow). */
export function ioInput(p: Proc, sem: Sem, va: u32, len: u32, d: Dgram): i32 {
  if (moveFamily(sem)) return moveInput(p, va & PAGE_MASK, len, d, sem);
  if (sem == IOL_SEM) { // an iol_read: va is its aggregate (kernel/sysiolite.ts)
    count(Counter.DatagramsReceived);
    return iolInput(p, iolWaitPool(p), va, len, d);
  }
  const dlen = d.len;
  let r: i32;
  switch (sem) {
    case Sem.COPY: r = copyInput(p, va, len, d); break;
    case Sem.EMULATED_COPY:
    case Sem.EMULATED_SHARE:
    case Sem.SHARE: r = swapInput(p, va, len, d); break;
    default:
      dgramFree(d);
      return -Errno.EOPNOTSUPP;
  }
  if (r == SYS_RESTART) return r;
  trace(Ev.IoInput, p.pid, sem, dlen);
  count(Counter.DatagramsReceived);
  return r;
}
