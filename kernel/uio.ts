// kernel/uio.ts — the kernel touching user memory: copyin / copyout through the MMU.
//
// The kernel reaches a process's bytes the way the process does, page by page through
// translate(), so its accesses fault like user accesses (demand zero, copy-on-write, TCOW):
// a kernel copy-out into a page under output gets its own copy, like any other writer. A
// fault that cannot be resolved fails the call with EFAULT; the process is not killed.

import { Access, Counter, Errno, PAGE_MASK, PAGE_SIZE } from "./abi";
import { count } from "./stats";
import { Proc } from "./proc";
import { translate } from "../vm/mmu";
import { paPtr } from "../vm/ram";

/** userPa: physical address of va in p for access, faulting it in; -EFAULT if impossible. */
export function userPa(p: Proc, va: u32, access: Access): i64 {
  const pa = translate(p.pid, p.cpu, va, access);
  return pa < 0 ? -(<i64>Errno.EFAULT) : pa;
}

/** copyout: copy len bytes from kernel address src to user address va; 0 or -EFAULT. */
export function copyout(p: Proc, va: u32, src: usize, len: u32): i32 {
  let done: u32 = 0;
  while (done < len) {
    const at = va + done;
    const n = min(len - done, PAGE_SIZE - (at & PAGE_MASK));
    const pa = userPa(p, at, Access.WRITE);
    if (pa < 0) return <i32>pa;
    memory.copy(paPtr(<u32>pa), src + done, n);
    count(Counter.BytesCopied, n);
    done += n;
  }
  return 0;
}

/** copyin: copy len bytes from user address va to kernel address dst; 0 or -EFAULT. */
export function copyin(p: Proc, va: u32, dst: usize, len: u32): i32 {
  let done: u32 = 0;
  while (done < len) {
    const at = va + done;
    const n = min(len - done, PAGE_SIZE - (at & PAGE_MASK));
    const pa = userPa(p, at, Access.READ);
    if (pa < 0) return <i32>pa;
    memory.copy(dst + done, paPtr(<u32>pa), n);
    count(Counter.BytesCopied, n);
    done += n;
  }
  return 0;
}
