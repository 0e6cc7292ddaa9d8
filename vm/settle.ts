// vm/settle.ts — settling owed pages (vm/indirect.ts) before code that moves frames in place.

import { Access, PAGE_MASK, PAGE_SIZE } from "../base/abi";
import { AddrSpace, asFind } from "./aspace";
import { indirectCount, indirectPeek } from "./indirect";
import { translate } from "./mmu";
import { objectPage } from "./object";

/**
 * indirectSettle: materialise every owed page of [va, va+len) of as (running on cpu), for code
 * that is about to exchange or partly overwrite frames in place (page swapping, pswap) and must
 * see the page's real bytes; false if an access failed.
 */
export function indirectSettle(as: AddrSpace, cpu: i32, va: u32, len: u32): bool {
  if (indirectCount() == 0) return true;
  const end = va + len;
  for (let at = va & ~(<u32>PAGE_MASK); at < end; at += PAGE_SIZE) {
    const r = asFind(as, at);
    if (r == null || r.obj.indirect == 0 || objectPage(r.obj, r.index(at)) != 0) continue;
    if (indirectPeek(r.obj, r.index(at)) != 0 && translate(as.asid, cpu, at, Access.READ) < 0) return false;
  }
  return true;
}

