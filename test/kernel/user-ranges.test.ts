// Every system call that takes a user range (va, len) returns at once, with a result or an
// error, for ranges at the very top of the 32-bit address space, where va + len wraps: the
// kernel never loops on an address that overflowed, never faults itself, never kills the caller.

import { describe, expect, it } from "vitest";
import { MsgFlag, PAGE_SIZE, Sem, Sys } from "../../tools/host/index";
import { fsMachine } from "./fs-helpers";

const TOPS = [0xfffff000, 0xfffff800, 0xffffffff, 0x7fffffff];
const LENS = [0, 1, PAGE_SIZE, 0x7fffffff, 0xffffffff];

describe("user ranges near the top of the address space", () => {
  it("every call taking (va, len) returns an error or a result for va 0x7fffffff..0xffffffff and len 0, 1, a page, huge", async () => {
    const { m, p } = await fsMachine({ blocks: 2048 });
    p.writeFile("/f", new Uint8Array(3 * PAGE_SIZE).fill(7), { fsync: true });
    const fd = p.open("/f", { read: true, write: true });
    const dir = p.open("/");
    const s = p.socket();
    p.bind(s, 7000);
    const [c0] = p.channel();
    const ok = p.mmap(2 * PAGE_SIZE);
    let calls = 0;
    const call = (nr: Sys, ...a: number[]) => {
      const r = p.syscall(nr, ...a);
      calls++;
      expect(p.alive, `${Sys[nr]}(${a.map((x) => "0x" + (x >>> 0).toString(16)).join(", ")}) killed the caller`).toBe(true);
      return r;
    };
    for (const va of TOPS) {
      for (const len of LENS) {
        call(Sys.MMAP, va, len, 3, 0x1, -1, 0);
        call(Sys.MUNMAP, va, len);
        call(Sys.MPROTECT, va, len, 1);
        call(Sys.MSYNC, va, len);
        call(Sys.PSWAP, va, ok, len);
        call(Sys.PSWAP, ok, va, len);
        call(Sys.OPEN, va, len, 0);
        call(Sys.UNLINK, va, len);
        call(Sys.MKDIR, va, len);
        call(Sys.STAT, va, len, ok);
        call(Sys.STAT, ok, 1, va);
        call(Sys.FSTAT, fd, va);
        call(Sys.READ, fd, va, len, 0);
        call(Sys.WRITE, fd, va, len, 0);
        call(Sys.READDIR, dir, va, len);
        call(Sys.SENDV, s, va, 1, 0, 0x0a000001, 9);
        for (let sem = 0; sem < Sem.COUNT; sem++) {
          call(Sys.SENDTO, s, va, len, sem, 0x0a000001, 9);
          call(Sys.SENDTO, c0, va, len, sem, 0, 0);
          call(Sys.RECVFROM, s, va, len, sem | MsgFlag.DONTWAIT);
          call(Sys.RECVFROM, c0, va, len, sem | MsgFlag.DONTWAIT);
          // A receive that waits plans its buffers from va first: a child waits, then is killed.
          const q = p.fork();
          const r = q.syscall(Sys.RECVFROM, s, va, len, sem);
          calls++;
          if (q.alive) q.kill();
          q.reap();
          expect(typeof r).toBe("number");
        }
      }
    }
    expect(calls).toBeGreaterThan(1000);
    // The file and the machine are as they were.
    expect(Array.from(p.readFile("/f").subarray(0, 4))).toEqual([7, 7, 7, 7]);
    expect(m.checkInvariants().violations).toBe(0);
  });
});
