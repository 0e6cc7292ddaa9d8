// vm/mmu.ts — the software MMU: every user access goes through translate().
//
//   translate(asid, va, access)
//     TLB hit with enough permission ............................ physical address
//     miss: walk PD -> PT; present and permitted: set A (and D on a write), fill TLB
//     otherwise: page fault -> vmFault resolves it and the walk is retried, or the access fails
//
// Setting A and D is what the hardware does on a walk: it is not a kernel PTE write.

import { Access, Counter, Kill, PAGE_MASK, PAGE_SHIFT, Pte } from "../base/abi";
import { count } from "../base/stats";
import { spaces } from "./aspace";
import { vmFault } from "./fault";
import { pteFrame } from "./pagetable";
import { pmapPtePtr, pmapRunsOn } from "./pmap";
import { tlbFill, tlbLookup } from "./tlb";

// @ts-ignore: decorator
@inline function permits(pte: u32, access: Access): bool {
  return (pte & Pte.P) != 0 && (pte & Pte.U) != 0 &&
    (access == Access.READ || (pte & (Pte.W | Pte.D)) == (Pte.W | Pte.D));
}

/**
 * translate: the physical address of a user access to va by address space asid on cpu,
 * resolving page faults like the CPU would. Returns pa >= 0, or -Kill reason if the access
 * cannot be made (the caller kills the process).
 */
export function translate(asid: i32, cpu: i32, va: u32, access: Access): i64 {
  pmapRunsOn(asid, cpu);
  let pte = tlbLookup(cpu, asid, va);
  if (pte != 0 && permits(pte, access)) {
    count(Counter.TlbHits);
    return <i64>((pteFrame(pte) << PAGE_SHIFT) | (va & PAGE_MASK));
  }
  count(Counter.TlbMisses);
  for (let tries = 0; tries < 3; tries++) {
    const p = pmapPtePtr(asid, va);
    pte = p == 0 ? 0 : load<u32>(p);
    if ((pte & Pte.P) != 0 && (access == Access.READ || (pte & Pte.W) != 0)) {
      pte |= access == Access.WRITE ? Pte.A | Pte.D : Pte.A;
      store<u32>(p, pte);
      tlbFill(cpu, asid, va, pte);
      return <i64>((pteFrame(pte) << PAGE_SHIFT) | (va & PAGE_MASK));
    }
    const as = spaces[asid];
    if (as == null) return -(<i64>Kill.SEGV_UNMAPPED);
    const why = vmFault(as, va, access);
    if (why != Kill.NONE) return -(<i64>why);
  }
  return -(<i64>Kill.SEGV_PROT);
}
