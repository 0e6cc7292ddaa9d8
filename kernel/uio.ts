// kernel/uio.ts — the kernel touching user memory: copyin / copyout through the MMU.
//
// The kernel reaches a process's bytes the way the process does, page by page through
// translate(), so its accesses fault like user accesses (demand zero, copy-on-write, TCOW):
// a kernel copy-out into a page under output gets its own copy, like any other writer. A
// fault that cannot be resolved fails the call with EFAULT; the process is not killed.

import { Access, Counter, Errno, Kill, PAGE_MASK, PAGE_SIZE, USER_BASE, USER_TOP } from "../base/abi";
import { callBlock } from "../fs/wait";
import { count } from "../base/stats";
import { Proc } from "./proc";
import { translate } from "../vm/mmu";
import { paPtr } from "../vm/ram";
import { spin } from "../base/panic";

/** userRange: true if [va, va+len) is a non-empty range of user addresses. */
export function userRange(va: u32, len: u32): bool {
  return len != 0 && va >= <u32>USER_BASE && <u64>va + <u64>len <= <u64>USER_TOP;
}

/** userPa: physical address of va in p for access, faulting it in; -EFAULT if impossible;
 *  SYS_RESTART (p BLOCKED) if a file page must be read first: the call is made again then. */
export function userPa(p: Proc, va: u32, access: Access): i64 {
  const pa = translate(p.pid, p.cpu, va, access);
  if (pa >= 0) return pa;
  if (pa == -(<i64>Kill.BLOCKED)) return <i64>callBlock(p.pid);
  return -(<i64>Errno.EFAULT);
}

/** pageBytes: bytes of [at, at+left) that lie on at's page. */
// @ts-ignore: decorator
@inline export function pageBytes(at: u32, left: u32): u32 {
  return min(left, PAGE_SIZE - (at & PAGE_MASK));
}

/** copyUser: copy len bytes between kernel address k and user address va (out: to the user),
 *  page by page through the MMU; 0 or -EFAULT. */
function copyUser(p: Proc, va: u32, k: usize, len: u32, out: bool): i32 {
  let done: u32 = 0;
  while (done < len) {
    spin("kernel/uio.ts copyUser");
    const at = va + done;
    const n = pageBytes(at, len - done);
    const pa = userPa(p, at, out ? Access.WRITE : Access.READ);
    if (pa < 0) return <i32>pa;
    if (out) memory.copy(paPtr(<u32>pa), k + done, n);
    else memory.copy(k + done, paPtr(<u32>pa), n);
    count(Counter.BytesCopied, n);
    done += n;
  }
  return 0;
}

/** copyout: copy len bytes from kernel address src to user address va; 0 or -EFAULT. */
export function copyout(p: Proc, va: u32, src: usize, len: u32): i32 {
  return copyUser(p, va, src, len, true);
}

/** copyin: copy len bytes from user address va to kernel address dst; 0 or -EFAULT. */
export function copyin(p: Proc, va: u32, dst: usize, len: u32): i32 {
  return copyUser(p, va, dst, len, false);
}
